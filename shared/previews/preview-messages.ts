import { seatRanges } from '../certificate/certificate-names';
import { appUrl, EXAMPLE_PORT, ideUrl, type NewSeatPreviews, pastPreviewSeatsReason, type PreviewDecision } from './previews';

/** Where the addresses of a line point: the deployment's domain and HTTPS port. */
export interface PreviewSite {
  domainName: string;
  exposedPort: number;
}

/**
 * The line `/ide status` gives about previews: the address form and an example when they are
 * on, and otherwise why not and the path proxy that remains. `decision` is for the run's seats
 * (as the launcher decided it) or, with no run, for the roster's.
 */
export function previewStatusLine(decision: PreviewDecision, site: PreviewSite, exampleSlot: number): string {
  const form = ideUrl(site.domainName, 'N', site.exposedPort);
  const example = ideUrl(site.domainName, exampleSlot, site.exposedPort);
  if (decision.on) {
    return `Previews: an app a developer runs on a port opens at \`${appUrl(form, '<port>', true)}\` (dev-${exampleSlot}'s port ${EXAMPLE_PORT}: ${appUrl(example, EXAMPLE_PORT, true)}), behind that developer's own login: nobody else can open it.`;
  }
  return `Previews are off: ${decision.reason}. An app a developer runs opens at \`${appUrl(form, '<port>', false)}\` instead, behind the same login.`;
}

/** Why a run that started without previews still has none, when the certificate covers them now. */
export const STARTED_WITHOUT_PREVIEWS = 'the certificate did not cover their names when this run started; the next `/ide start` has them';

/**
 * What `/ide roster add` says about the new seats' previews: that they come once the
 * certificate is obtained again (`certificateStarted`), or with its daily check when the
 * certificate function could not be started, or never, past the seats a certificate names.
 * Nothing when the certificate already names them, or when no certificate is kept here.
 */
export function newSeatPreviewLines(previews: NewSeatPreviews, certificateStarted: boolean, site: PreviewSite): string[] {
  const { awaitingCertificate: awaiting, pastCertificate: past } = previews;
  // One seat's own address, or the form of several.
  const addressOf = (slots: readonly number[]) => ideUrl(site.domainName, slots.length === 1 ? String(slots[0]) : 'N', site.exposedPort);
  const pathProxy = (slots: readonly number[]) => `\`${appUrl(addressOf(slots), '<port>', false)}\``;
  const lines: string[] = [];
  if (awaiting.length > 0) {
    const seats = `${seatRanges(awaiting)} (\`${appUrl(addressOf(awaiting), '<port>', true)}\`)`;
    const those = awaiting.length === 1 ? 'that seat' : 'those seats';
    if (previews.lastRenewalFailed) {
      lines.push(`Previews for ${seats} wait for the certificate to be re-issued to name ${those}, which its last attempt failed to do (\`/ide status\` says why); the daily check tries again. Until then runs go without them, their apps at ${pathProxy(awaiting)}.`);
    } else {
      lines.push(certificateStarted
        ? `Previews for ${seats} come once the certificate is re-issued to name ${those}, in a few minutes; a run started before then goes without them, its apps at ${pathProxy(awaiting)}.`
        : `Previews for ${seats} wait for the certificate's daily check, which re-issues it to name ${those}: the check could not be started now. Until then runs go without them, their apps at ${pathProxy(awaiting)}.`);
    }
  }
  if (past.length > 0) lines.push(`No previews for ${seatRanges(past)}: ${pastPreviewSeatsReason(past)}. ${past.length === 1 ? 'Its' : 'Their'} apps open at ${pathProxy(past)}, behind the same login.`);
  return lines;
}
