import type { Route53Client } from '@aws-sdk/client-route-53';
import { enclosingNames, examineHostedZone } from '../dns/hosted-zone';
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

/** HOSTED_ZONE_ID checked against the domain (shared/dns/hosted-zone.ts), as setup and the doctor say it. */
export async function checkHostedZone(route53: Route53Client, id: string, domain: string): Promise<Finding> {
  let standing;
  try {
    standing = await examineHostedZone(route53, id, domain);
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
    case 'shadowed':
      return fail(CHECK, `${standing.by.name} has its own public zone ${standing.by.id}, so records made in ${id} (${standing.zone.name}) would never be seen.`, `set HOSTED_ZONE_ID to ${standing.by.id}.`);
    case 'serves':
      return pass(CHECK, `${id} (${standing.zone.name}, public) holds ${domain}.`);
  }
}
