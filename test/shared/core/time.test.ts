import { describe, expect, it } from 'vitest';
import { parseTime } from '../../../shared/core/time';

describe('parseTime', () => {
  it('reads back a time we wrote', () => {
    expect(parseTime('2026-11-28T09:03:00.000Z')?.toISOString()).toBe('2026-11-28T09:03:00.000Z');
  });

  it('gives undefined, never an Invalid Date, for what is not a time', () => {
    expect([undefined, null, '', 'soon', 42, { at: '2026-11-28T09:03:00.000Z' }].map(parseTime)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});
