import { type CertificateBundle, certificateFacts, daysLeft, parseBundle } from '../certificate/certificate-bundle';
import { baseNames, missingNames, previewSeats, seatRanges } from '../certificate/certificate-names';
import { OWN_CERTIFICATE_WARNING_DAYS } from '../certificate/certificate-decision';
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
  const wanted = baseNames(domain);
  if (missingNames(facts.names, wanted).length > 0) {
    return fail(CHECK, `it is for ${facts.names.join(', ') || 'no DNS name'}, not ${wanted.join(' and ')}.`, `give a certificate for ${wanted.join(' and ')}, or leave both flags out: the deploy then gets one from Let's Encrypt.`);
  }
  const left = daysLeft(facts, now);
  if (left < OWN_CERTIFICATE_WARNING_DAYS) {
    return fail(CHECK, left < 0 ? `it expired ${-left} days ago.` : `it expires in ${left} days.`, 'renew it first, or leave both flags out: the deploy then gets one from Let\'s Encrypt and renews it.');
  }
  return parsed;
}

/**
 * The certificate the host will read: present, a usable bundle for the domain, and time
 * left. With `acme` the certificate function renews it `renewDays` before its end, so fewer
 * days than that, or a problem in its status, means its renewals are failing.
 */
export function checkStoredCertificate(value: string | undefined, status: CertificateStatus | undefined, settings: Pick<CertificateSettings, 'mode' | 'renewDays'>, domain: string, now: Date): Finding {
  const fix = settings.mode === 'acme'
    ? `${status?.problem?.hint ?? 'read the certificate function\'s logs (CloudWatch → /aws/lambda/team-ide-<stage>-certificate); it runs after each deploy and daily'}.`
    : 'store a renewed one with `npm run setup -- --certificate-file fullchain.pem --private-key-file privkey.pem`.';
  if (value === undefined) {
    return fail(CHECK, `there is none yet${status?.problem ? `: the certificate function says ${status.problem.message}` : ''}.`, fix);
  }
  const parsed = parseBundle(value);
  if ('problem' in parsed) return fail(CHECK, `the stored value is unusable: ${parsed.problem}.`, fix);
  const facts = certificateFacts(parsed.bundle);
  const wanted = baseNames(domain);
  if (missingNames(facts.names, wanted).length > 0) return fail(CHECK, `it is for ${facts.names.join(', ') || 'no DNS name'}, not ${wanted.join(' and ')}.`, fix);
  const left = daysLeft(facts, now);
  const until = `(until ${facts.notAfter.toISOString().slice(0, 10)}, from ${facts.issuer})`;
  if (left < 0) return fail(CHECK, `*.${domain} expired ${-left} days ago ${until}.`, fix);
  const margin = settings.mode === 'acme' ? settings.renewDays : OWN_CERTIFICATE_WARNING_DAYS;
  if (left < margin) {
    return fail(CHECK, `*.${domain} has ${left} days left ${until}${settings.mode === 'acme' ? `, fewer than CERTIFICATE_RENEW_DAYS (${settings.renewDays}): renewals are failing${status?.problem ? ` (${status.problem.message})` : ''}` : ''}.`, fix);
  }
  if (settings.mode === 'acme' && status?.problem) return fail(CHECK, `*.${domain} has ${left} days left, but the last renewal failed: ${status.problem.message}.`, fix);
  return pass(CHECK, `*.${domain}, ${left} days left ${until}${settings.mode === 'acme' ? ', renewed by the certificate function' : ''}.`);
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
