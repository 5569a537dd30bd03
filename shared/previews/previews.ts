import { MAX_CERTIFICATE_NAMES, MAX_PREVIEW_SEATS, missingNames, previewName, previewSeats, seatRanges } from '../certificate/certificate-names';
import { type CertificateStatusReading, STATUS_UNREADABLE } from '../certificate/certificate-store';
import type { CertificateMode } from '../core/config';

/**
 * Previews of what a developer runs: an app on port 3000 in dev-1 opens at
 * `https://3000.dev-1.<domain>`. code-server serves them itself (`--proxy-domain`), behind
 * the IDE's own login; Traefik only routes the names to that IDE. They need the certificate
 * to hold `*.dev-N.<domain>`: without it a browser refuses the name, so a run gets previews
 * only when the certificate covers every one of its seats, and otherwise keeps code-server's
 * path proxy, `https://dev-N.<domain>/proxy/<port>/`.
 */

/** The port the examples show: the usual development server's. */
export const EXAMPLE_PORT = 3000;

/** The team template's `Previews` parameter: what the launcher decided for the run. */
export const PREVIEWS_PARAMETER = 'Previews';

export type PreviewDecision = { on: true } | { on: false; reason: string };

/**
 * Whether these seats get previews, from what the certificate function last reported about
 * the certificate the hosts serve. Pure: the status, the domain, the seats, and the roster's
 * seats (the deployment's certificate names the lowest of them, as many as fit).
 */
export function decidePreviews(status: CertificateStatusReading, domainName: string, slots: readonly number[], rosterSlots: readonly number[]): PreviewDecision {
  if (status === STATUS_UNREADABLE) {
    return { on: false, reason: 'the certificate function\'s report on the certificate could not be read just now (the error is logged), so nothing vouches for the names' };
  }
  if (!status?.notAfter || status.names.length === 0) {
    return { on: false, reason: 'the certificate function has not reported a certificate yet (it runs after each deploy, then daily)' };
  }
  const uncovered = slots.filter((slot) => missingNames(status.names, [previewName(domainName, slot)]).length > 0);
  if (uncovered.length === 0) return { on: true };
  const names = `\`*.dev-N.${domainName}\` for ${seatRanges(uncovered)}`;
  if (status.mode === 'own') {
    return { on: false, reason: `your certificate (TLS_CERTIFICATE=own) does not cover ${names}: add those names to it, or set TLS_CERTIFICATE=acme to have them obtained` };
  }
  const beyond = pastPreviewSeats(uncovered, rosterSlots);
  if (beyond.length > 0) return { on: false, reason: pastPreviewSeatsReason(beyond) };
  return { on: false, reason: `the certificate does not cover ${names} yet: the certificate function adds the roster's seats on its next run (after a roster add, a deploy, or daily)` };
}

/** Which of `slots` no certificate of the deployment names: those past the roster's lowest seats, as many as fit. */
const pastPreviewSeats = (slots: readonly number[], rosterSlots: readonly number[]): number[] => {
  const named = previewSeats(rosterSlots);
  return slots.filter((slot) => !named.includes(slot));
};

/** Why seats past the roster's lowest get no previews, for people. */
export function pastPreviewSeatsReason(slots: readonly number[]): string {
  return `${seatRanges(slots)} ${slots.length === 1 ? 'is' : 'are'} past the roster's ${MAX_PREVIEW_SEATS} lowest seats, the most whose previews fit in one certificate (${MAX_CERTIFICATE_NAMES} names)`;
}

/** What seats just added to the roster mean for their previews. */
export interface NewSeatPreviews {
  /**
   * Seats the deployment's certificate does not name yet but will once it is obtained again:
   * the certificate function should run now rather than at its daily check.
   */
  awaitingCertificate: number[];
  /** Seats no certificate of the deployment names: past the roster's lowest, as many as fit. */
  pastCertificate: number[];
  /**
   * Set when seats await the certificate but its last renewal failed: it is not started again
   * now, since a CA that refused a minute ago counts each new failed validation against its
   * limits; the daily check tries again.
   */
  lastRenewalFailed?: true;
  /**
   * Set when the status could not be read: the seats are not vouched for, and the certificate
   * function is not started now, since whether its last renewal failed is unknown.
   */
  statusUnreadable?: true;
}

/**
 * Whether seats added to the roster need the certificate obtained again, from what the
 * certificate function last reported. Pure: the TLS_CERTIFICATE mode, the status, the domain,
 * the seats added and the roster's seats after the change. With `own` nothing is obtained; with
 * no status the certificate function never ran (the sandbox without its CA), and its first run
 * names every seat anyway. A status that could not be read vouches for none of them.
 */
export function previewsForNewSeats(mode: CertificateMode, status: CertificateStatusReading, domainName: string, added: readonly number[], rosterSlots: readonly number[]): NewSeatPreviews {
  if (mode === 'own') return { awaitingCertificate: [], pastCertificate: [] };
  const pastCertificate = pastPreviewSeats(added, rosterSlots);
  const named = added.filter((slot) => !pastCertificate.includes(slot));
  if (status === STATUS_UNREADABLE) return { awaitingCertificate: named, pastCertificate, ...(named.length > 0 ? { statusUnreadable: true as const } : {}) };
  const awaitingCertificate = status ? named.filter((slot) => missingNames(status.names, [previewName(domainName, slot)]).length > 0) : [];
  return { awaitingCertificate, pastCertificate, ...(status?.problem && awaitingCertificate.length > 0 ? { lastRenewalFailed: true as const } : {}) };
}

/** How a developer reaches an app on `port` of their IDE at `ideUrl` (`https://dev-1.<domain>`, maybe with `:port`). */
export function appUrl(ideUrl: string, port: number | string, previews: boolean): string {
  return previews ? ideUrl.replace('://', `://${port}.`) : `${ideUrl.replace(/\/$/, '')}/proxy/${port}/`;
}

/** The address of seat `dev-<slot>`, as the team template's `DevUrl<N>` output gives it. */
export function ideUrl(domainName: string, slot: number | string, exposedPort: number): string {
  return `https://dev-${slot}.${domainName}${exposedPort === 443 ? '' : `:${exposedPort}`}`;
}
