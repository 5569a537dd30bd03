import { describe, expect, it } from 'vitest';
import { estimateCost, HOURLY_PRICE_USD, REGIONAL_HOURLY_PRICE_USD } from '../../../shared/team/instance-prices';
import { INSTANCE_TYPES } from '../../../shared/core/instance-types';

const since = new Date('2026-11-28T09:00:00Z');
const now = new Date('2026-11-28T13:30:00Z');

describe('estimateCost', () => {
  it('multiplies the hours since creation by the region\'s hourly price', () => {
    const cost = estimateCost({ instanceType: 't3.xlarge', region: 'eu-central-1', since, now });

    expect(cost).toMatchObject({ usdPerHour: 0.192, hours: 4.5, approximateRegion: false });
    expect(cost?.usd).toBeCloseTo(0.864, 6);
  });

  it('prices a region missing from the table as us-east-1, and says so', () => {
    expect(estimateCost({ instanceType: 't3.large', region: 'sa-east-1', since, now })).toMatchObject({ usdPerHour: HOURLY_PRICE_USD['t3.large'], approximateRegion: true });
  });

  it('gives no estimate for an instance type outside the table', () => {
    expect(estimateCost({ instanceType: 'p5.48xlarge', region: 'us-east-1', since, now })).toBeUndefined();
  });

  it('counts nothing before the stack was created', () => {
    expect(estimateCost({ instanceType: 't3.large', region: 'us-east-1', since: now, now: since })?.usd).toBe(0);
  });

  it('has a price for every allowed instance type in every region of the table', () => {
    for (const prices of Object.values(REGIONAL_HOURLY_PRICE_USD)) {
      expect(Object.keys(prices).sort()).toEqual([...INSTANCE_TYPES].sort());
      expect(Object.values(prices).every((price) => price > 0)).toBe(true);
    }
  });
});
