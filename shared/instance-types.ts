/**
 * The instance types a run may use. The team template's InstanceType parameter allows
 * exactly these (a test keeps the two lists equal).
 */
export const INSTANCE_TYPES = [
  't3.medium',
  't3.large',
  't3.xlarge',
  't3.2xlarge',
  'm6i.large',
  'm6i.xlarge',
  'm6i.2xlarge',
] as const;

export type InstanceType = (typeof INSTANCE_TYPES)[number];

/** `--size` names, so a lead need not know EC2's catalogue. */
export const SIZES = {
  small: 't3.medium',
  medium: 't3.large',
  large: 't3.xlarge',
  xlarge: 't3.2xlarge',
} as const satisfies Record<string, InstanceType>;

export type Size = keyof typeof SIZES;

export function isSize(value: string): value is Size {
  return Object.hasOwn(SIZES, value);
}

export function isInstanceType(value: string): value is InstanceType {
  return (INSTANCE_TYPES as readonly string[]).includes(value);
}

/**
 * On-demand Linux price in USD per hour, us-east-1, as published by AWS in 2025.
 * An estimate for the README and `/ide status`; other regions cost up to ~30 % more.
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
