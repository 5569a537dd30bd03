import { describe, expect, it } from 'vitest';
import {
  describeNames,
  MAX_CERTIFICATE_NAMES,
  MAX_PREVIEW_SEATS,
  missingNames,
  previewSeats,
  seatRanges,
  wantedNames,
} from '../../../shared/certificate/certificate-names';

describe('wantedNames', () => {
  it('asks for the domain, its wildcard and each seat’s preview wildcard, in slot order, once each', () => {
    // Act
    const names = wantedNames('code.example.com', [5, 1, 2, 5]);

    // Assess
    expect(names).toEqual(['*.code.example.com', 'code.example.com', '*.dev-1.code.example.com', '*.dev-2.code.example.com', '*.dev-5.code.example.com']);
  });

  it('stays within the 100 names a certificate holds: the lowest 98 seats get previews', () => {
    // Prepare
    const slots = Array.from({ length: 99 }, (_, index) => 99 - index);

    // Act
    const names = wantedNames('code.example.com', slots);

    // Assess
    expect(names).toHaveLength(MAX_CERTIFICATE_NAMES);
    expect(MAX_PREVIEW_SEATS).toBe(98);
    expect(names).toContain('*.dev-98.code.example.com');
    expect(names).not.toContain('*.dev-99.code.example.com');
    expect(previewSeats(slots)).toEqual(Array.from({ length: 98 }, (_, index) => index + 1));
  });
});

describe('missingNames', () => {
  it('lists what a certificate lacks, comparing names without regard to case', () => {
    expect(missingNames(['*.CODE.example.com', 'code.example.com'], wantedNames('code.example.com', [1]))).toEqual(['*.dev-1.code.example.com']);
    expect(missingNames(['*.dev-1.code.example.com'], ['*.dev-1.code.example.com'])).toEqual([]);
  });
});

describe('describeNames', () => {
  it('folds the seats’ preview wildcards into ranges and keeps the other names', () => {
    // Prepare
    const names = wantedNames('code.example.com', [1, 2, 3, 5, 7, 8]);

    // Act
    const described = describeNames(names, 'code.example.com');

    // Assess
    expect(described).toBe('*.code.example.com, code.example.com and *.dev-N.code.example.com for dev-1 to dev-3, dev-5, dev-7 to dev-8');
  });

  it('leaves names of another domain and without previews as they are', () => {
    expect(describeNames(['*.old.example.com', '*.dev-1.old.example.com'], 'code.example.com')).toBe('*.old.example.com, *.dev-1.old.example.com');
    expect(describeNames(['*.code.example.com', 'code.example.com'], 'code.example.com')).toBe('*.code.example.com, code.example.com');
  });
});

describe('seatRanges', () => {
  it('names single seats and runs of consecutive ones', () => {
    expect(seatRanges([9, 1, 2, 3, 3])).toBe('dev-1 to dev-3, dev-9');
    expect(seatRanges([4])).toBe('dev-4');
  });
});
