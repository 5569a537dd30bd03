/**
 * The sandbox's Route 53: hosted zones with their record sets, spoken to in Route 53's
 * restXml protocol (GetHostedZone, ChangeResourceRecordSets, GetChange,
 * ListResourceRecordSets, and ListHostedZonesByName for setup and the doctor: as in
 * Route 53 it does not filter, but lists every zone from the given name on, in the order
 * of the names with their labels reversed, private zones of the same name included). It refuses what Route 53 refuses: names outside the zone, TXT
 * values without their quotes, a CREATE of a set that exists, a DELETE that does not
 * repeat the TTL and every value, duplicate values; a batch is applied whole or not at
 * all. A change is PENDING for `insyncAfterMs`, then its record sets are handed to
 * `publish` (the DNS that Pebble asks, in the sandbox) and it becomes INSYNC: a caller
 * that does not wait for INSYNC finds nothing in DNS yet, as on AWS.
 */
import { randomUUID } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { authorize, type SandboxAccount } from './account';
import { escapeXml, type WireResponse } from './aws-protocols';

const NAMESPACE = 'https://route53.amazonaws.com/doc/2013-04-01/';

export interface RecordSet {
  /** Lower-case, with the trailing dot, as Route 53 stores names. */
  name: string;
  type: string;
  ttl: number;
  /** As given, TXT values with their quotes. */
  values: string[];
}

/** What a change did to one record set: its values now, or none once deleted. */
export interface PublishedRecordSet {
  name: string;
  type: string;
  values: string[];
}

export interface Route53Options {
  /** How long a change stays PENDING before it is published and INSYNC. */
  insyncAfterMs: number;
  publish?: (sets: PublishedRecordSet[]) => Promise<void>;
  log: (line: string) => void;
  /** The caller, and the actions (`route53:GetHostedZone`…) it may not use: Route 53 then answers AccessDenied. */
  account?: Pick<SandboxAccount, 'callerArn' | 'deniedActions'>;
}

interface HostedZone {
  id: string;
  name: string;
  privateZone: boolean;
  records: Map<string, RecordSet>;
}

interface ChangeInfo {
  id: string;
  status: 'PENDING' | 'INSYNC';
  submittedAt: Date;
  comment?: string;
}

class Route53Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => ['Change', 'ResourceRecord'].includes(name),
});

/** `*.Code.Example.com` → `*.code.example.com.`; Route 53's own `\052` is read as `*`. */
export function normalizeName(name: string): string {
  const lower = name.replace(/\\052/g, '*').toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** As Route 53 answers names: `*` written `\052`. */
const wireName = (name: string) => name.replace(/\*/g, '\\052');

/** One or more double-quoted strings, each at most 255 characters, backslash escapes allowed. */
function txtProblem(value: string): string | undefined {
  if (!/^\s*("(?:[^"\\]|\\.)*"\s*)+$/.test(value)) {
    return `Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with '${value}''`;
  }
  if (characterStrings(value).some((text) => text.length > 255)) {
    return `Invalid Resource Record: 'FATAL problem: CharacterStringTooLong (Value is too long) encountered with '${value}''`;
  }
  return undefined;
}

const characterStrings = (value: string): string[] => (value.match(/"(?:[^"\\]|\\.)*"/g) ?? []).map((quoted) => quoted.slice(1, -1).replace(/\\(.)/g, '$1'));

/** The strings of a TXT value as DNS carries them: unquoted, unescaped, joined. */
export const txtData = (value: string): string => characterStrings(value).join('');

export class SandboxRoute53 {
  private readonly zones = new Map<string, HostedZone>();
  private readonly changes = new Map<string, ChangeInfo>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: Route53Options) {}

  /** Creates a public (or private) hosted zone with its SOA and NS sets, as the console would. */
  addZone(id: string, name: string, privateZone = false): void {
    const zoneName = normalizeName(name);
    const records = new Map<string, RecordSet>([
      [`${zoneName}|SOA`, { name: zoneName, type: 'SOA', ttl: 900, values: [`ns-1.sandbox.invalid. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400`] }],
      [`${zoneName}|NS`, { name: zoneName, type: 'NS', ttl: 172800, values: ['ns-1.sandbox.invalid.'] }],
    ]);
    this.zones.set(id, { id, name: zoneName, privateZone, records });
  }

  /** A zone's record sets, for tests and the sandbox's own checks. */
  recordSets(zoneId: string): RecordSet[] {
    return [...(this.zones.get(zoneId)?.records.values() ?? [])];
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  handle(method: string, path: string, body: string, query = new URLSearchParams()): WireResponse {
    try {
      return ok(this.route(method, path, body, query));
    } catch (error) {
      if (error instanceof Route53Error) return failure(error);
      throw error;
    }
  }

  private route(method: string, path: string, body: string, query: URLSearchParams): string {
    const authorized = (action: string) => {
      if (this.options.account) authorize(this.options.account, `route53:${action}`, (message) => new Route53Error('AccessDenied', message, 403));
    };
    if (path === '/2013-04-01/hostedzonesbyname' && method === 'GET') {
      authorized('ListHostedZonesByName');
      return this.listHostedZonesByName(query);
    }
    const [, resource, id, rest] = /^\/2013-04-01\/(hostedzone|change)\/([^/]+)(\/rrset\/?)?$/.exec(path) ?? [];
    if (resource === 'hostedzone' && method === 'GET' && !rest) {
      authorized('GetHostedZone');
      return this.getHostedZone(id as string);
    }
    if (resource === 'hostedzone' && method === 'POST' && rest) return this.changeRecordSets(id as string, body);
    if (resource === 'hostedzone' && method === 'GET' && rest) return this.listRecordSets(id as string);
    if (resource === 'change' && method === 'GET') return this.getChange(id as string);
    throw new Route53Error('InvalidAction', `The sandbox's Route 53 emulates GetHostedZone, ListHostedZonesByName, ChangeResourceRecordSets, GetChange and ListResourceRecordSets, not ${method} ${path}`);
  }

  /** At most 100 zones a page, as Route 53 returns at most 100 whatever maxitems asks. */
  private listHostedZonesByName(query: URLSearchParams): string {
    const dnsName = query.get('dnsname') ?? undefined;
    const startId = query.get('hostedzoneid') ?? undefined;
    if (startId !== undefined && dnsName === undefined) throw new Route53Error('InvalidInput', 'The input is not valid: hostedzoneid can only be specified together with dnsname');
    if (dnsName !== undefined && !/^([a-z0-9_*]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?\.?$/i.test(dnsName)) {
      throw new Route53Error('InvalidDomainName', `${dnsName} is not a valid domain name`);
    }
    const maxItemsText = query.get('maxitems') ?? '100';
    if (!/^\d+$/.test(maxItemsText) || Number(maxItemsText) < 1) throw new Route53Error('InvalidInput', `The input is not valid: maxitems must be a positive whole number, not ${maxItemsText}`);
    const maxItems = Math.min(Number(maxItemsText), 100);
    const reversed = (name: string) => normalizeName(name).replace(/\.$/, '').split('.').reverse().join('.');
    const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const sorted = [...this.zones.values()].sort((a, b) => compare(reversed(a.name), reversed(b.name)) || compare(a.id, b.id));
    const from = dnsName === undefined ? 0 : sorted.findIndex((zone) => {
      const order = compare(reversed(zone.name), reversed(dnsName));
      return order > 0 || (order === 0 && (startId === undefined || compare(zone.id, startId) >= 0));
    });
    const listed = from < 0 ? [] : sorted.slice(from, from + maxItems);
    const next = from < 0 ? undefined : sorted[from + maxItems];
    const zones = listed.map((zone) => this.zoneXml(zone)).join('');
    return `<ListHostedZonesByNameResponse xmlns="${NAMESPACE}"><HostedZones>${zones}</HostedZones>${dnsName !== undefined ? `<DNSName>${escapeXml(normalizeName(dnsName))}</DNSName>` : ''}${startId !== undefined ? `<HostedZoneId>${escapeXml(startId)}</HostedZoneId>` : ''}<IsTruncated>${next !== undefined}</IsTruncated>${next ? `<NextDNSName>${escapeXml(wireName(next.name))}</NextDNSName><NextHostedZoneId>${next.id}</NextHostedZoneId>` : ''}<MaxItems>${maxItems}</MaxItems></ListHostedZonesByNameResponse>`;
  }

  private zoneXml(zone: HostedZone): string {
    return `<HostedZone><Id>/hostedzone/${zone.id}</Id><Name>${escapeXml(wireName(zone.name))}</Name><CallerReference>sandbox-${zone.id}</CallerReference><Config><PrivateZone>${zone.privateZone}</PrivateZone></Config><ResourceRecordSetCount>${zone.records.size}</ResourceRecordSetCount></HostedZone>`;
  }

  private zone(id: string): HostedZone {
    const zone = this.zones.get(id);
    if (!zone) throw new Route53Error('NoSuchHostedZone', `No hosted zone found with ID: ${id}`, 404);
    return zone;
  }

  private getHostedZone(id: string): string {
    const zone = this.zone(id);
    return `<GetHostedZoneResponse xmlns="${NAMESPACE}">${this.zoneXml(zone)}<DelegationSet><NameServers><NameServer>ns-1.sandbox.invalid</NameServer></NameServers></DelegationSet></GetHostedZoneResponse>`;
  }

  private listRecordSets(id: string): string {
    const sets = [...this.zone(id).records.values()].sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type));
    const xml = sets.map((set) => `<ResourceRecordSet><Name>${escapeXml(wireName(set.name))}</Name><Type>${set.type}</Type><TTL>${set.ttl}</TTL><ResourceRecords>${set.values.map((value) => `<ResourceRecord><Value>${escapeXml(value)}</Value></ResourceRecord>`).join('')}</ResourceRecords></ResourceRecordSet>`).join('');
    return `<ListResourceRecordSetsResponse xmlns="${NAMESPACE}"><ResourceRecordSets>${xml}</ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>300</MaxItems></ListResourceRecordSetsResponse>`;
  }

  private getChange(id: string): string {
    const change = this.changes.get(id);
    if (!change) throw new Route53Error('NoSuchChange', `A change with the specified change ID does not exist: ${id}`, 404);
    return `<GetChangeResponse xmlns="${NAMESPACE}">${changeInfoXml(change)}</GetChangeResponse>`;
  }

  private changeRecordSets(zoneId: string, body: string): string {
    const zone = this.zone(zoneId);
    const batch = parseChangeBatch(body);
    const problems: string[] = [];
    const seen = new Set<string>();
    const next = new Map(zone.records);
    for (const change of batch.changes) {
      const set = change.set;
      const key = `${set.name}|${set.type}`;
      if (seen.has(key)) problems.push(`The request contains an invalid set of changes for a resource record set '${set.type} ${set.name}'`);
      seen.add(key);
      if (set.name !== zone.name && !set.name.endsWith(`.${zone.name}`)) {
        problems.push(`RRSet with DNS name ${set.name} is not permitted in zone ${zone.name}`);
        continue;
      }
      if (set.type === 'TXT') problems.push(...set.values.map(txtProblem).filter((problem): problem is string => problem !== undefined));
      const duplicate = set.values.find((value, index) => set.values.indexOf(value) !== index);
      if (duplicate !== undefined) problems.push(`Duplicate Resource Record: '${duplicate}'`);
      const existing = next.get(key);
      const described = `[name='${set.name}', type='${set.type}']`;
      if (change.action === 'CREATE' && existing) problems.push(`Tried to create resource record set ${described} but it already exists`);
      if (change.action === 'DELETE' && !existing) problems.push(`Tried to delete resource record set ${described} but it was not found`);
      if (change.action === 'DELETE' && existing && !sameSet(existing, set)) {
        problems.push(`Tried to delete resource record set ${described} but the values provided do not match the current values`);
      }
      if (change.action === 'DELETE') next.delete(key);
      else next.set(key, set);
    }
    if (problems.length > 0) throw new Route53Error('InvalidChangeBatch', `[${problems.join(', ')}]`);

    zone.records.clear();
    for (const [key, set] of next) zone.records.set(key, set);
    const change: ChangeInfo = { id: `C${randomUUID().replace(/-/g, '').slice(0, 20).toUpperCase()}`, status: 'PENDING', submittedAt: new Date(), ...(batch.comment ? { comment: batch.comment } : {}) };
    this.changes.set(change.id, change);
    this.options.log(`${zone.name} ${batch.changes.map(({ action, set }) => `${action} ${set.type} ${set.name}`).join(', ')} (${change.id} PENDING)`);
    const published = batch.changes.map(({ action, set }) => ({ name: set.name, type: set.type, values: action === 'DELETE' ? [] : set.values }));
    this.schedule(change, published);
    return `<ChangeResourceRecordSetsResponse xmlns="${NAMESPACE}">${changeInfoXml(change)}</ChangeResourceRecordSetsResponse>`;
  }

  private schedule(change: ChangeInfo, published: PublishedRecordSet[]): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      (this.options.publish?.(published) ?? Promise.resolve()).then(
        () => {
          change.status = 'INSYNC';
        },
        (error: unknown) => this.options.log(`${change.id} could not reach the sandbox's DNS and stays PENDING: ${(error as Error).message}`),
      );
    }, this.options.insyncAfterMs);
    this.timers.add(timer);
  }
}

function sameSet(a: RecordSet, b: RecordSet): boolean {
  return a.ttl === b.ttl && a.values.length === b.values.length && a.values.every((value) => b.values.includes(value));
}

interface ParsedChange {
  action: 'CREATE' | 'UPSERT' | 'DELETE';
  set: RecordSet;
}

function parseChangeBatch(body: string): { changes: ParsedChange[]; comment?: string } {
  let document: Record<string, any>;
  try {
    document = parser.parse(body) as Record<string, any>;
  } catch (error) {
    throw new Route53Error('InvalidInput', `Invalid XML ; ${(error as Error).message}`);
  }
  const batch = document.ChangeResourceRecordSetsRequest?.ChangeBatch;
  const changes = (batch?.Changes?.Change ?? []) as Record<string, any>[];
  if (changes.length === 0) throw new Route53Error('InvalidInput', 'Invalid request: Missing field \'Changes\'');
  return {
    ...(typeof batch.Comment === 'string' ? { comment: batch.Comment } : {}),
    changes: changes.map((change) => {
      const action = String(change.Action);
      if (!['CREATE', 'UPSERT', 'DELETE'].includes(action)) throw new Route53Error('InvalidInput', `Invalid XML ; value '${action}' is not facet-valid with respect to enumeration '[CREATE, DELETE, UPSERT]'`);
      const set = change.ResourceRecordSet ?? {};
      const values = ((set.ResourceRecords?.ResourceRecord ?? []) as { Value?: string }[]).map((record) => String(record.Value ?? ''));
      if (set.AliasTarget !== undefined) throw new Route53Error('InvalidInput', 'The sandbox\'s Route 53 does not emulate alias records');
      if (set.TTL === undefined || values.length === 0) {
        throw new Route53Error('InvalidInput', `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=${action}, Name=${set.Name}, Type=${set.Type}, SetIdentifier=null]`);
      }
      const ttl = Number(set.TTL);
      if (!/^\d+$/.test(String(set.TTL)) || ttl > 2147483647) throw new Route53Error('InvalidInput', `Invalid XML ; value '${set.TTL}' of element 'TTL' is not valid`);
      return { action: action as ParsedChange['action'], set: { name: normalizeName(String(set.Name ?? '')), type: String(set.Type ?? ''), ttl, values } };
    }),
  };
}

function changeInfoXml(change: ChangeInfo): string {
  return `<ChangeInfo><Id>/change/${change.id}</Id><Status>${change.status}</Status><SubmittedAt>${change.submittedAt.toISOString()}</SubmittedAt>${change.comment ? `<Comment>${escapeXml(change.comment)}</Comment>` : ''}</ChangeInfo>`;
}

function ok(body: string): WireResponse {
  return { status: 200, contentType: 'text/xml', body: `<?xml version="1.0"?>\n${body}` };
}

/** Route 53's error document (restXml): `<ErrorResponse><Error><Type/><Code/><Message/></Error>`. */
function failure(error: Route53Error): WireResponse {
  const body = `<?xml version="1.0"?>\n<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>Sender</Type><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
  return { status: error.status, contentType: 'text/xml', body };
}
