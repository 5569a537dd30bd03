import { appUrl, EXAMPLE_PORT, ideUrl, type PreviewDecision } from './previews';

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
