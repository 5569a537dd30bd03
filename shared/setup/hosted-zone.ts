import type { Route53Client } from '@aws-sdk/client-route-53';
import { challengeRecordName } from '../certificate/dns-challenge';
import type { CertificateMode } from '../core/config';
import { enclosingNames, examineHostedZone, shadowedZoneFix } from '../dns/hosted-zone';
import { describeAwsError, fail, type Finding, isAccessDenied, pass } from './findings';

const CHECK = 'Hosted zone';

/** Why no zone was found, and what to create. */
export function noZoneFinding(domain: string): Finding {
  const parent = enclosingNames(domain)[1] ?? domain;
  return fail(
    CHECK,
    `no public hosted zone in this account holds ${domain}.`,
    `create one for ${parent} (Route 53 → Hosted zones → Create hosted zone, type Public) and point the domain's registrar at its four name servers, then run setup again; or pass --hosted-zone-id.`,
  );
}

/**
 * HOSTED_ZONE_ID checked against the domain (shared/dns/hosted-zone.ts), as setup and the
 * doctor say it. With TLS_CERTIFICATE=acme it is checked where the CA looks too,
 * `_acme-challenge.<domain>`, as the certificate function checks it before every renewal: a
 * zone of that name would pass here and fail every renewal. A certificate of one's own needs
 * no DNS-01 answer, so that name does not matter then.
 */
export async function checkHostedZone(route53: Route53Client, id: string, domain: string, certificateMode: CertificateMode): Promise<Finding> {
  const challengeName = challengeRecordName(domain);
  const dnsChallenge = certificateMode === 'acme';
  let standing;
  try {
    standing = await examineHostedZone(route53, id, domain, dnsChallenge ? challengeName : domain);
  } catch (error) {
    if (isAccessDenied(error)) return fail(CHECK, `cannot read zone ${id} (${describeAwsError(error)}).`, 'use credentials allowed route53:GetHostedZone and route53:ListHostedZonesByName.');
    throw error;
  }
  switch (standing.kind) {
    case 'missing':
      return fail(CHECK, `HOSTED_ZONE_ID ${id} does not exist in this account.`, `set HOSTED_ZONE_ID to the zone of ${domain}'s parent domain (\`npm run setup\` finds it), or create the zone.`);
    case 'outside':
      return fail(CHECK, `${id} is the zone of ${standing.zone.name}, which does not hold ${domain}: the IDEs' names could not be created there.`, `set HOSTED_ZONE_ID to the zone of ${domain} or a parent domain (\`npm run setup\` finds it), or change DOMAIN_NAME.`);
    case 'private':
      return fail(CHECK, `${id} (${standing.zone.name}) is a private zone: browsers on the internet would not find dev-1.${domain}.`, `use the public zone of ${standing.zone.name} (\`npm run setup\` finds it).`);
    case 'shadowed': {
      const { by, zone } = standing;
      const detail = by.name === challengeName
        ? `${by.name} has its own public zone ${by.id}: the CA would look for the certificate's DNS-01 answer there, not in ${id} (${zone.name}), and every renewal would fail.`
        : `${by.name} has its own public zone ${by.id}: once an NS record points at it, DNS asks it instead, and records made in ${id} (${zone.name}) would never be seen.`;
      return fail(CHECK, detail, shadowedZoneFix(standing, domain));
    }
    case 'serves':
      return pass(CHECK, `${id} (${standing.zone.name}, public) holds ${domain}${dnsChallenge ? ` and ${challengeName}, where the CA looks` : ''}.`);
  }
}
