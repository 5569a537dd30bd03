import { GetHostedZoneCommand, ListHostedZonesByNameCommand, type Route53Client } from '@aws-sdk/client-route-53';

/**
 * What Route 53 says about HOSTED_ZONE_ID and the domain: whether records written there are
 * the ones the internet sees. Setup and the doctor report the answer as a finding, the
 * certificate function as a reason not to ask the CA yet; each in its own words.
 */

export interface HostedZoneFacts {
  /** Without the `/hostedzone/` prefix, as HOSTED_ZONE_ID holds it. */
  id: string;
  /** Without the trailing dot, in lower case. */
  name: string;
  privateZone: boolean;
}

/** HOSTED_ZONE_ID against the domain, the first thing wrong with it or `serves`. */
export type ZoneStanding =
  | { kind: 'missing' }
  /** Its name does not enclose the domain (`ample.com` does not enclose `example.com`'s names). */
  | { kind: 'outside'; zone: HostedZoneFacts }
  /** Only VPCs can resolve its records. */
  | { kind: 'private'; zone: HostedZoneFacts }
  /** A more specific public zone, `by`, would be asked instead: records written in `zone` would never be seen. */
  | { kind: 'shadowed'; zone: HostedZoneFacts; by: HostedZoneFacts }
  | { kind: 'serves'; zone: HostedZoneFacts };

const bare = (name: string) => name.replace(/\.$/, '').toLowerCase();
const zoneId = (id: string) => id.replace(/^\/hostedzone\//, '');

/** `code.example.com` → `code.example.com`, `example.com`: the names a zone holding it can have. */
export function enclosingNames(domain: string): string[] {
  const labels = bare(domain).split('.');
  return labels.slice(0, -1).map((_label, index) => labels.slice(index).join('.'));
}

const encloses = (zoneName: string, name: string) => name === zoneName || name.endsWith(`.${zoneName}`);

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
 * The public zones that hold `name`: the most specific name that has one (a zone of
 * `code.example.com` itself wins over one of `example.com`, because DNS asks it first).
 * Several zones of that one name can exist; the caller asks which. Private zones of the
 * same name are left out: the internet cannot see them.
 */
export async function findPublicZones(route53: Route53Client, name: string): Promise<HostedZoneFacts[]> {
  for (const candidate of enclosingNames(name)) {
    const publicZones = (await zonesNamed(route53, candidate)).filter((zone) => !zone.privateZone);
    if (publicZones.length > 0) return publicZones;
  }
  return [];
}

/**
 * HOSTED_ZONE_ID checked against the domain: the zone exists, is the domain's own or a
 * parent's, is public, and no more specific public zone of this account would take
 * `recordName` (by default the domain itself) away from it. The certificate function asks
 * about `_acme-challenge.<domain>`, where the CA looks: a zone of that name would hide the
 * DNS-01 answer as surely as a zone of the domain would hide the IDEs' names.
 *
 * Route 53's refusals other than NoSuchHostedZone (AccessDenied, throttling) are thrown.
 */
export async function examineHostedZone(route53: Route53Client, id: string, domain: string, recordName: string = domain): Promise<ZoneStanding> {
  let zone: HostedZoneFacts;
  try {
    const { HostedZone } = await route53.send(new GetHostedZoneCommand({ Id: id }));
    zone = { id: zoneId(HostedZone?.Id ?? id), name: bare(HostedZone?.Name ?? ''), privateZone: HostedZone?.Config?.PrivateZone === true };
  } catch (error) {
    if ((error as Error).name === 'NoSuchHostedZone') return { kind: 'missing' };
    throw error;
  }
  if (!encloses(zone.name, bare(domain))) return { kind: 'outside', zone };
  if (zone.privateZone) return { kind: 'private', zone };
  const nearest = (await findPublicZones(route53, recordName))[0];
  if (nearest && nearest.name.length > zone.name.length) return { kind: 'shadowed', zone, by: nearest };
  return { kind: 'serves', zone };
}

/**
 * What to do about a shadowed zone, in the one wording setup, the doctor and the certificate
 * function give. The inner zone may be the live one (delegated by an NS record in the outer
 * zone) or a leftover nobody points at, and we cannot tell which from Route 53's list of zones:
 * so both ways out are given. A zone under the domain (`_acme-challenge.<domain>`) cannot be
 * HOSTED_ZONE_ID, the IDEs' names are not in it: deleting it is the only way.
 */
export function shadowedZoneFix(standing: Extract<ZoneStanding, { kind: 'shadowed' }>, domain: string): string {
  const { by, zone } = standing;
  if (!encloses(by.name, bare(domain))) {
    return `Delete hosted zone ${by.id} if nothing uses it, with the NS record of ${by.name} in ${zone.name}: the certificate function writes its answers in HOSTED_ZONE_ID.`;
  }
  return `Set HOSTED_ZONE_ID to ${by.id}, or delete that zone if no NS record points at it.`;
}
