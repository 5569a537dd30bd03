import { createPrivateKey, X509Certificate } from 'node:crypto';
import { fail, type Finding, pass } from './findings';

/** Fewer days left than this is a ✗: time to renew before a run finds it expired. */
export const RENEW_WITHIN_DAYS = 14;

const DAY_MS = 86_400_000;

/** Whether a certificate's names cover `host` (`*.example.com` covers one label, as browsers match). */
function covers(certificate: X509Certificate, host: string): boolean {
  const names = (certificate.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
  return names.some((name) => name === host || (name.startsWith('*.') && host.slice(host.indexOf('.') + 1) === name.slice(2)));
}

/**
 * The certificate chain (PEM, leaf first) and its key: they belong together, the leaf
 * covers dev-1.<domain> and monitor.<domain>, and it has more than RENEW_WITHIN_DAYS left.
 */
export function checkCertificate(chainPem: string, keyPem: string | undefined, domain: string, now: Date): Finding {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(chainPem);
  } catch (error) {
    return fail('Certificate', `CERTIFICATE_PARAMETER does not hold a PEM certificate (${(error as Error).message}).`, 'store the full chain, leaf first, with `npm run setup -- --certificate-file fullchain.pem --private-key-file privkey.pem`.');
  }
  const daysLeft = Math.floor((Date.parse(leaf.validTo) - now.getTime()) / DAY_MS);
  const uncovered = [`dev-1.${domain}`, `monitor.${domain}`].filter((host) => !covers(leaf, host));
  if (uncovered.length > 0) {
    return fail('Certificate', `it is for ${leaf.subjectAltName ?? leaf.subject}, which does not cover ${uncovered.join(' or ')}.`, `store a certificate for *.${domain} with \`npm run setup -- --certificate-file … --private-key-file …\`.`);
  }
  if (keyPem !== undefined) {
    try {
      if (!leaf.checkPrivateKey(createPrivateKey(keyPem))) {
        return fail('Certificate', 'the private key in PRIVATE_KEY_PARAMETER does not belong to the certificate.', 'store the key the certificate was issued for.');
      }
    } catch (error) {
      return fail('Certificate', `PRIVATE_KEY_PARAMETER does not hold a PEM private key (${(error as Error).message}).`, 'store the certificate\'s key with `npm run setup -- --private-key-file privkey.pem`.');
    }
  }
  if (daysLeft < 0) return fail('Certificate', `*.${domain} expired on ${leaf.validTo}.`, 'renew it and store the new chain and key with `npm run setup`.');
  if (daysLeft < RENEW_WITHIN_DAYS) return fail('Certificate', `*.${domain} expires in ${daysLeft} days (${leaf.validTo}).`, 'renew it now and store the new chain and key with `npm run setup`.');
  return pass('Certificate', `covers *.${domain}, ${daysLeft} days left (until ${leaf.validTo}).`);
}
