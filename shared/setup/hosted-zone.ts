import { GetHostedZoneCommand, ListHostedZonesByNameCommand, NoSuchHostedZone, type Route53Client } from '@aws-sdk/client-route-53';
import { describeAwsError, fail, type Finding, isAccessDenied, pass } from './findings';

export interface HostedZoneFacts {
  /** Without the `/hostedzone/` prefix, as HOSTED_ZONE_ID holds it. */
  id: string;
  /** Without the trailing dot. */
  name: string;
  privateZone: boolean;
}

const CHECK = 'Hosted zone';

const bare = (name: string) => name.replace(/\.$/, '').toLowerCase();
const zoneId = (id: string) => id.replace(/^\/hostedzone\//, '');

/** `code.example.com` → `code.example.com`, `example.com`: the names a zone holding it can have. */
function enclosingNames(domain: string): string[] {
  const labels = bare(domain).split('.');
  return labels.slice(0, -1).map((_label, index) => labels.slice(index).join('.'));
}

/** Every zone named exactly `name`, private ones included. ListHostedZonesByName starts at the name and lists on past it. */
async function zonesNamed(route53: Route53Client, name: string): Promise<HostedZoneFacts[]> {
  const zones: HostedZoneFacts[] = [];
  let startId: string | undefined;
  for (;;) {
    const page = await route53.send(new ListHostedZonesByNameCommand({ DNSName: name, ...(startId ? { HostedZoneId: startId } : {}), MaxItems: 10 }));
    const listed = page.HostedZones ?? [];
    const named = listed.filter((zone) => bare(zone.Name ?? '') === name);
    zones.push(...named.map((zone) => ({ id: zoneId(zone.Id ?? ''), name, privateZone: zone.Config?.PrivateZone === true })));
    // Past the name, or nothing more: every zone of that name has been seen.
    if (named.length < listed.length || !page.IsTruncated || bare(page.NextDNSName ?? '') !== name) return zones;
    startId = page.NextHostedZoneId;
  }
}

/**
 * The public zones that hold `domain`: the most specific name that has one (a zone of
 * `code.example.com` itself wins over one of `example.com`, because DNS asks it first).
 * Several zones of that one name can exist; the caller asks which. Private zones of the
 * same name are left out: the internet cannot see them.
 */
export async function findPublicZones(route53: Route53Client, domain: string): Promise<HostedZoneFacts[]> {
  for (const name of enclosingNames(domain)) {
    const publicZones = (await zonesNamed(route53, name)).filter((zone) => !zone.privateZone);
    if (publicZones.length > 0) return publicZones;
  }
  return [];
}

/** Why no zone was found, and what to create. */
export function noZoneFinding(domain: string): Finding {
  const parent = enclosingNames(domain)[1] ?? bare(domain);
  return fail(
    CHECK,
    `no public hosted zone in this account holds ${domain}.`,
    `create one for ${parent} (Route 53 → Hosted zones → Create hosted zone, type Public) and point the domain's registrar at its four name servers, then run setup again; or pass --hosted-zone-id.`,
  );
}

/**
 * HOSTED_ZONE_ID checked against the domain: the zone exists, is public, is the domain's
 * own or a parent's, and no more specific public zone would take the names away from it.
 */
export async function checkHostedZone(route53: Route53Client, id: string, domain: string): Promise<Finding> {
  let zone: HostedZoneFacts;
  try {
    const answer = await route53.send(new GetHostedZoneCommand({ Id: id }));
    zone = { id: zoneId(answer.HostedZone?.Id ?? id), name: bare(answer.HostedZone?.Name ?? ''), privateZone: answer.HostedZone?.Config?.PrivateZone === true };
  } catch (error) {
    if (error instanceof NoSuchHostedZone) {
      return fail(CHECK, `HOSTED_ZONE_ID ${id} does not exist in this account.`, `set HOSTED_ZONE_ID to the zone of ${domain}'s parent domain (\`npm run setup\` finds it), or create the zone.`);
    }
    if (isAccessDenied(error)) return fail(CHECK, `cannot read zone ${id} (${describeAwsError(error)}).`, 'use credentials allowed route53:GetHostedZone and route53:ListHostedZonesByName.');
    throw error;
  }
  const target = bare(domain);
  if (target !== zone.name && !target.endsWith(`.${zone.name}`)) {
    return fail(CHECK, `${id} is the zone of ${zone.name}, which does not hold ${target}: the IDEs' names could not be created there.`, `set HOSTED_ZONE_ID to the zone of ${target} or a parent domain (\`npm run setup\` finds it), or change DOMAIN_NAME.`);
  }
  if (zone.privateZone) {
    return fail(CHECK, `${id} (${zone.name}) is a private zone: browsers on the internet would not find dev-1.${target}.`, `use the public zone of ${zone.name} (\`npm run setup\` finds it).`);
  }
  const best = await findPublicZones(route53, target);
  const shadowing = best.find((candidate) => candidate.name.length > zone.name.length);
  if (shadowing) {
    return fail(CHECK, `${shadowing.name} has its own public zone ${shadowing.id}, so records made in ${id} (${zone.name}) would never be seen.`, `set HOSTED_ZONE_ID to ${shadowing.id}.`);
  }
  return pass(CHECK, `${id} (${zone.name}, public) holds ${target}.`);
}
