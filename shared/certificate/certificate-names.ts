/**
 * The DNS names the hosts serve, and so the names the deployment's certificate must hold:
 * `*.<domain>` for every `dev-N` and `monitor`, `<domain>` itself, and, for previews of
 * what a developer runs (`https://3000.dev-1.<domain>`), `*.dev-N.<domain>` for each seat:
 * a wildcard covers one label only, so `*.<domain>` does not cover `3000.dev-1.<domain>`.
 */

/** Let's Encrypt signs at most this many names into one certificate. */
export const MAX_CERTIFICATE_NAMES = 100;

/** The names every certificate holds, before the seats' preview names. */
export const baseNames = (domainName: string): string[] => [`*.${domainName}`, domainName];

/** The wildcard under which seat `dev-<slot>` serves its previews. */
export const previewName = (domainName: string, slot: number): string => `*.dev-${slot}.${domainName}`;

/** How many seats' preview names fit in one certificate beside the base names. */
export const MAX_PREVIEW_SEATS = MAX_CERTIFICATE_NAMES - baseNames('d').length;

/**
 * The seats whose previews the certificate names: the lowest slots, as many as fit. Pure,
 * so the roster's source (a setting today) stays the caller's business.
 */
export function previewSeats(slots: readonly number[]): number[] {
  return [...new Set(slots)].sort((a, b) => a - b).slice(0, MAX_PREVIEW_SEATS);
}

/** What the deployment's certificate must hold for these seats: the base names, then each seat's preview wildcard. */
export function wantedNames(domainName: string, slots: readonly number[]): string[] {
  return [...baseNames(domainName), ...previewSeats(slots).map((slot) => previewName(domainName, slot))];
}

/** The wanted names a certificate lacks (names compare without regard to case). */
export function missingNames(names: readonly string[], wanted: readonly string[]): string[] {
  const held = new Set(names.map((name) => name.toLowerCase()));
  return wanted.filter((name) => !held.has(name.toLowerCase()));
}

/**
 * A certificate's names for people: the seats' preview wildcards folded into ranges
 * (`*.dev-N.code.example.com for dev-1 to dev-30, dev-42`), so that a certificate of a
 * hundred names stays one readable line in Slack.
 */
export function describeNames(names: readonly string[], domainName: string): string {
  const previewSlots: number[] = [];
  const others: string[] = [];
  const suffix = `.${domainName}`.toLowerCase();
  for (const name of names) {
    const lower = name.toLowerCase();
    const slot = lower.startsWith('*.dev-') && lower.endsWith(suffix) ? lower.slice('*.dev-'.length, -suffix.length) : '';
    if (/^[1-9][0-9]*$/.test(slot)) previewSlots.push(Number(slot));
    else others.push(name);
  }
  if (previewSlots.length === 0) return others.join(', ');
  const previews = `*.dev-N.${domainName} for ${seatRanges(previewSlots)}`;
  return others.length > 0 ? `${others.join(', ')} and ${previews}` : previews;
}

/** `dev-1 to dev-3, dev-5`: consecutive seats as one range. */
export function seatRanges(slots: readonly number[]): string {
  const sorted = [...new Set(slots)].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let start = 0; start < sorted.length;) {
    let end = start;
    while (end + 1 < sorted.length && sorted[end + 1] === (sorted[end] as number) + 1) end += 1;
    const first = sorted[start] as number;
    const last = sorted[end] as number;
    ranges.push(last === first ? `dev-${first}` : `dev-${first} to dev-${last}`);
    start = end + 1;
  }
  return ranges.join(', ');
}
