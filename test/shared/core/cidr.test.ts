import { describe, expect, it } from 'vitest';
import { cidrsOverlap, isCidr, parseCidr } from '../../../shared/core/cidr';

describe('parseCidr', () => {
  it('reads the first address of the range and the prefix', () => {
    expect(parseCidr('203.0.113.77/24')).toEqual({ base: ((203 * 256 + 0) * 256 + 113) * 256, prefix: 24 });
    expect(parseCidr('0.0.0.0/0')).toEqual({ base: 0, prefix: 0 });
  });

  it('refuses what is not an IPv4 CIDR', () => {
    expect(['203.0.113.7', '256.0.0.0/8', '1.2.3.4/33', ' 1.2.3.4/32', '1.2.3.4/32 ', 'a.b.c.d/8', ''].filter(isCidr)).toEqual([]);
  });
});

describe('cidrsOverlap', () => {
  it.each([
    ['172.17.0.0/16', '172.17.5.0/24', true],
    ['172.16.0.0/12', '172.17.0.0/16', true],
    ['0.0.0.0/0', '172.17.0.0/16', true],
    ['203.0.113.7/32', '203.0.113.7/32', true],
    ['172.18.0.0/16', '172.17.0.0/16', false],
    ['203.0.113.7/32', '172.17.0.0/16', false],
    ['10.0.0.0/8', '172.17.0.0/16', false],
    ['not a range', '172.17.0.0/16', false],
  ])('%s and %s: %s', (a, b, overlap) => {
    expect(cidrsOverlap(a, b)).toBe(overlap);
    expect(cidrsOverlap(b, a)).toBe(overlap);
  });
});
