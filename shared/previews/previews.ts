import { MAX_CERTIFICATE_NAMES, MAX_PREVIEW_SEATS, missingNames, previewName, previewSeats, seatRanges } from '../certificate/certificate-names';
import type { CertificateStatus } from '../certificate/certificate-store';

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
export function decidePreviews(status: CertificateStatus | undefined, domainName: string, slots: readonly number[], rosterSlots: readonly number[]): PreviewDecision {
  if (!status?.notAfter || status.names.length === 0) {
    return { on: false, reason: 'the certificate function has not reported a certificate yet (it runs after each deploy, then daily)' };
  }
  const uncovered = slots.filter((slot) => missingNames(status.names, [previewName(domainName, slot)]).length > 0);
  if (uncovered.length === 0) return { on: true };
  const names = `\`*.dev-N.${domainName}\` for ${seatRanges(uncovered)}`;
  if (status.mode === 'own') {
    return { on: false, reason: `your certificate (TLS_CERTIFICATE=own) does not cover ${names}: add those names to it, or set TLS_CERTIFICATE=acme to have them obtained` };
  }
  const named = previewSeats(rosterSlots);
  const beyond = uncovered.filter((slot) => !named.includes(slot));
  if (beyond.length > 0) {
    return { on: false, reason: `${seatRanges(beyond)} ${beyond.length === 1 ? 'is' : 'are'} past the roster's ${MAX_PREVIEW_SEATS} lowest seats, the most whose previews fit in one certificate (${MAX_CERTIFICATE_NAMES} names)` };
  }
  return { on: false, reason: `the certificate does not cover ${names} yet: the certificate function adds the roster's seats on its next run (after a deploy, or daily)` };
}

/** How a developer reaches an app on `port` of their IDE at `ideUrl` (`https://dev-1.<domain>`, maybe with `:port`). */
export function appUrl(ideUrl: string, port: number | string, previews: boolean): string {
  return previews ? ideUrl.replace('://', `://${port}.`) : `${ideUrl.replace(/\/$/, '')}/proxy/${port}/`;
}

/** The address of seat `dev-<slot>`, as the team template's `DevUrl<N>` output gives it. */
export function ideUrl(domainName: string, slot: number | string, exposedPort: number): string {
  return `https://dev-${slot}.${domainName}${exposedPort === 443 ? '' : `:${exposedPort}`}`;
}
