import { type CertificateBundle, type CertificateFacts, certificateFacts, daysLeft, parseBundle } from '../certificate/certificate-bundle';
import { decideCertificate, OWN_CERTIFICATE_WARNING_DAYS, type OwnCertificateProblem, storedCertificate } from '../certificate/certificate-decision';
import { baseNames, missingNames, previewSeats, seatRanges } from '../certificate/certificate-names';
import type { CertificateStatus } from '../certificate/certificate-store';
import type { CertificateMode, CertificateSettings } from '../core/config';
import { decidePreviews } from '../previews/previews';
import { fail, type Finding, pass } from './findings';

const CHECK = 'Certificate';

/**
 * A certificate brought by whoever deploys (`--certificate-file`, `--private-key-file`):
 * the chain and its key as one bundle, the key the leaf's, the names those the host serves,
 * and more than OWN_CERTIFICATE_WARNING_DAYS left. Returns the bundle to store, or why not.
 */
export function readOwnCertificate(chainPem: string, keyPem: string, domain: string, now: Date): { bundle: CertificateBundle } | Finding {
  const parsed = parseBundle(`${chainPem.trim()}\n${keyPem.trim()}\n`);
  if ('problem' in parsed) return fail(CHECK, `the files are no usable certificate: ${parsed.problem}.`, 'give the full chain (leaf first) as --certificate-file and its key as --private-key-file.');
  const facts = certificateFacts(parsed.bundle);
  const wrong = wrongNames(facts, domain);
  if (wrong) return fail(CHECK, `${wrong}.`, `give a certificate for ${baseNames(domain).join(' and ')}, or leave both flags out: the deploy then gets one from Let's Encrypt.`);
  const left = daysLeft(facts, now);
  if (left < OWN_CERTIFICATE_WARNING_DAYS) {
    return fail(CHECK, left < 0 ? `it expired ${-left} days ago.` : `it expires in ${left} days.`, 'renew it first, or leave both flags out: the deploy then gets one from Let\'s Encrypt and renews it.');
  }
  return parsed;
}

/** Why a certificate does not serve the host's own names (`*.<domain>` and `<domain>`); none when it does. */
function wrongNames(facts: CertificateFacts, domain: string): string | undefined {
  const wanted = baseNames(domain);
  return missingNames(facts.names, wanted).length > 0 ? `it is for ${facts.names.join(', ') || 'no DNS name'}, not ${wanted.join(' and ')}` : undefined;
}

const until = (facts: CertificateFacts) => `(until ${facts.notAfter.toISOString().slice(0, 10)}, from ${facts.issuer})`;

/**
 * The certificate the host will read, judged by the certificate function's own decision:
 * what it would renew (`acme`) or warn about (`own`) fails, with what it last said. A kept
 * `acme` certificate whose last renewal failed fails too: the next one may not be renewed.
 * The seats' previews are the Previews check's; here only the host's own names count.
 */
export function checkStoredCertificate(value: string | undefined, status: CertificateStatus | undefined, settings: Pick<CertificateSettings, 'mode' | 'renewDays' | 'keyType'>, domain: string, now: Date): Finding {
  const acme = settings.mode === 'acme';
  const fix = acme
    ? `${status?.problem?.hint ?? 'read the certificate function\'s logs (CloudWatch → /aws/lambda/team-ide-<stage>-certificate); it runs after each deploy and daily'}.`
    : 'store a renewed one with `npm run setup -- --certificate-file fullchain.pem --private-key-file privkey.pem`.';
  const stored = storedCertificate(value);
  const wrong = stored.state === 'found' ? wrongNames(stored.facts, domain) : undefined;
  if (wrong) return fail(CHECK, `${wrong}.`, fix);
  const decision = decideCertificate(settings, domain, [], stored, now);
  if (decision.action === 'keep') {
    const left = daysLeft(decision.facts, now);
    if (acme && status?.problem) return fail(CHECK, `*.${domain} has ${left} days left, but the last renewal failed: ${status.problem.message}.`, fix);
    return pass(CHECK, `*.${domain}, ${left} days left ${until(decision.facts)}${acme ? ', renewed by the certificate function' : ''}.`);
  }
  const dated = stored.state === 'found' ? ` ${until(stored.facts)}` : '';
  const said = acme && status?.problem ? `: the certificate function says ${status.problem.message}` : '';
  return fail(CHECK, `${decision.action === 'renew' ? decision.reason : ownProblem(decision.problem, domain)}${dated}${said}.`, fix);
}

function ownProblem(problem: OwnCertificateProblem, domain: string): string {
  switch (problem.kind) {
    case 'missing':
      return 'there is none yet';
    case 'unusable':
      return `the stored value is unusable: ${problem.problem}`;
    case 'expiring':
      return problem.daysLeft < 0 ? `*.${domain} expired ${-problem.daysLeft} days ago` : `*.${domain} has ${problem.daysLeft} days left`;
  }
}

/**
 * Whether the roster's seats get previews (`https://3000.dev-N.<domain>`), by the launcher's
 * own rule on what the certificate function last reported, for the seats a certificate can
 * name. Those past them always open apps through code-server's path proxy; they are named, not
 * failed: no certificate could cover them.
 */
export function checkPreviewCoverage(status: CertificateStatus | undefined, mode: CertificateMode, domain: string, rosterSlots: readonly number[], certificateFunction: string): Finding {
  const seats = previewSeats(rosterSlots);
  const beyond = rosterSlots.filter((slot) => !seats.includes(slot));
  const decision = decidePreviews(status, domain, seats, rosterSlots);
  if (!decision.on) {
    const invoke = `\`aws lambda invoke --function-name ${certificateFunction} /dev/stdout\``;
    return fail('Previews', `${decision.reason}.`, mode === 'acme'
      ? `run the certificate function, which adds every roster seat's name: ${invoke}.`
      : `add *.dev-N.${domain} for those seats to your certificate, store it with \`npm run setup -- --certificate-file fullchain.pem --private-key-file privkey.pem\`, then run the certificate function so the launcher sees it: ${invoke}.`);
  }
  const covered = seats.length > 0 ? `the certificate names *.dev-N.${domain} for ${seatRanges(seats)}` : 'no seat on the roster yet';
  const past = beyond.length > 0 ? `; ${seatRanges(beyond)}, past the ${seats.length} a certificate holds, open apps at https://dev-N.${domain}/proxy/<port>/` : '';
  return pass('Previews', `${covered}${past}.`);
}
