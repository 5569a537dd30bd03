/** IPv4 CIDR ranges, as the settings and the security group take them (`203.0.113.0/24`). */

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d|[12]\d|3[0-2])$/;

/** The range's first address as a 32-bit number and its prefix length; undefined when the text is not an IPv4 CIDR. */
export function parseCidr(text: string): { base: number; prefix: number } | undefined {
  const match = CIDR.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((octet) => octet > 255)) return undefined;
  const prefix = Number(match[5]);
  const address = octets.reduce((value, octet) => value * 256 + octet, 0);
  return { base: address - (address % 2 ** (32 - prefix)), prefix };
}

export function isCidr(text: string): boolean {
  return parseCidr(text) !== undefined;
}

/** Whether two ranges share an address: the one with the shorter prefix then holds the other's first address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const first = parseCidr(a);
  const second = parseCidr(b);
  if (!first || !second) return false;
  const shorter = Math.min(first.prefix, second.prefix);
  const block = 2 ** (32 - shorter);
  return Math.floor(first.base / block) === Math.floor(second.base / block);
}
