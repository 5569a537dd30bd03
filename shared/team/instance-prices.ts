import { type InstanceType, isInstanceType } from '../core/instance-types';

/**
 * On-demand Linux price in USD per hour, us-east-1, as published by AWS in 2025.
 * An estimate for the README and `/ide status`; other regions are in `REGIONAL_HOURLY_PRICE_USD`.
 */
export const HOURLY_PRICE_USD: Record<InstanceType, number> = {
  't3.medium': 0.0416,
  't3.large': 0.0832,
  't3.xlarge': 0.1664,
  't3.2xlarge': 0.3328,
  'm6i.large': 0.096,
  'm6i.xlarge': 0.192,
  'm6i.2xlarge': 0.384,
};

/**
 * On-demand Linux prices of the regions where they differ from us-east-1 (us-west-2 costs the
 * same), from the AWS price list as remembered in 2025: check the EC2 pricing page before
 * quoting them. A region missing here is priced as us-east-1 and the estimate says so.
 */
export const REGIONAL_HOURLY_PRICE_USD: Record<string, Record<InstanceType, number>> = {
  'us-east-1': HOURLY_PRICE_USD,
  'us-west-2': HOURLY_PRICE_USD,
  'eu-west-1': {
    't3.medium': 0.0456,
    't3.large': 0.0912,
    't3.xlarge': 0.1824,
    't3.2xlarge': 0.3648,
    'm6i.large': 0.107,
    'm6i.xlarge': 0.214,
    'm6i.2xlarge': 0.428,
  },
  'eu-central-1': {
    't3.medium': 0.048,
    't3.large': 0.096,
    't3.xlarge': 0.192,
    't3.2xlarge': 0.384,
    'm6i.large': 0.115,
    'm6i.xlarge': 0.23,
    'm6i.2xlarge': 0.46,
  },
  'ap-southeast-2': {
    't3.medium': 0.0528,
    't3.large': 0.1056,
    't3.xlarge': 0.2112,
    't3.2xlarge': 0.4224,
    'm6i.large': 0.12,
    'm6i.xlarge': 0.24,
    'm6i.2xlarge': 0.48,
  },
};

/** What a run's host has cost so far: an estimate (on-demand instance price only; disk, IPv4 and t3 CPU credits are extra). */
export interface CostEstimate {
  instanceType: InstanceType;
  region: string;
  usdPerHour: number;
  hours: number;
  usd: number;
  /** True when the region is not in the table and the us-east-1 price stands in. */
  approximateRegion: boolean;
}

/**
 * The instance's cost from `since` to `now`, or undefined for an instance type outside the
 * table (a stack not made by the launcher). Pure: the caller gives the clock.
 */
export function estimateCost(input: { instanceType: string; region: string; since: Date; now: Date }): CostEstimate | undefined {
  if (!isInstanceType(input.instanceType)) return undefined;
  const regional = Object.hasOwn(REGIONAL_HOURLY_PRICE_USD, input.region) ? REGIONAL_HOURLY_PRICE_USD[input.region] : undefined;
  const usdPerHour = (regional ?? HOURLY_PRICE_USD)[input.instanceType];
  const hours = Math.max(0, input.now.getTime() - input.since.getTime()) / 3_600_000;
  return { instanceType: input.instanceType, region: input.region, usdPerHour, hours, usd: usdPerHour * hours, approximateRegion: !regional };
}
