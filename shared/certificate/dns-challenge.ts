import { ChangeResourceRecordSetsCommand, type Route53Client, waitUntilResourceRecordSetsChanged } from '@aws-sdk/client-route-53';
import { examineHostedZone, shadowedZoneFix } from '../dns/hosted-zone';
import { CertificateRenewalError } from './certificate-errors';

/** How long to wait for Route 53 to say a change reached every one of its name servers. */
export interface ChangeWait {
  /** First poll is immediate; then at least this long between polls. */
  minDelaySeconds: number;
  maxWaitSeconds: number;
}

/** Route 53 reports most changes INSYNC within a minute. */
export const ROUTE53_CHANGE_WAIT: ChangeWait = { minDelaySeconds: 2, maxWaitSeconds: 240 };

/** The TXT record sets of one order, by record name (no trailing dot): the values the CA looks for. */
export type ChallengeRecords = Map<string, string[]>;

/** Where the CA looks for the DNS-01 answer of an identifier (`*.code.example.com` and `code.example.com` share one). */
export const challengeRecordName = (identifier: string): string => `_acme-challenge.${identifier.replace(/^\*\./, '')}`;

/** The time to live of the challenge records: the CA asks the zone's own name servers, so caches hardly matter. */
const CHALLENGE_TTL = 60;

/**
 * Checks, before anything is ordered, that the CA will find the answers in the hosted zone:
 * the zone holds the domain, is public, and no more specific public zone of this account
 * (of the domain, or of `_acme-challenge.<domain>` itself) would be asked instead. A wrong
 * zone would only show as a failed validation, which counts against the CA's limits.
 */
export async function checkHostedZone(route53: Route53Client, hostedZoneId: string, domainName: string): Promise<void> {
  const challengeName = challengeRecordName(domainName);
  let standing;
  try {
    standing = await examineHostedZone(route53, hostedZoneId, domainName, challengeName);
  } catch (error) {
    throw new CertificateRenewalError('hosted-zone', `Route 53 did not describe hosted zone ${hostedZoneId}: ${(error as Error).message}`, `Check that the certificate function's role may read hosted zone ${hostedZoneId} and list hosted zones by name.`, { cause: error });
  }
  switch (standing.kind) {
    case 'missing':
      throw new CertificateRenewalError('hosted-zone', `Route 53 has no hosted zone ${hostedZoneId} in this account`, `Set HOSTED_ZONE_ID to the id of the public hosted zone that holds ${domainName} (Route 53 console, Hosted zones).`);
    case 'outside':
      throw new CertificateRenewalError('hosted-zone', `Hosted zone ${hostedZoneId} is ${standing.zone.name}, which does not hold ${domainName}`, `Set HOSTED_ZONE_ID to the hosted zone of ${domainName} or of one of its parent domains, or DOMAIN_NAME to a name under ${standing.zone.name}.`);
    case 'private':
      throw new CertificateRenewalError('hosted-zone', `Hosted zone ${hostedZoneId} (${standing.zone.name}) is private: the CA cannot see its records`, `Set HOSTED_ZONE_ID to the public hosted zone of ${domainName}.`);
    case 'shadowed':
      throw new CertificateRenewalError('hosted-zone', `${standing.by.name} has its own public hosted zone ${standing.by.id}, so the CA would look for the DNS-01 answer there, not in ${hostedZoneId} (${standing.zone.name})`, shadowedZoneFix(standing, domainName));
    case 'serves':
      return;
  }
}

/**
 * Writes every challenge record set in one change and waits until Route 53 says it is on
 * all its name servers (INSYNC): only then may the CA look. Each set holds all its values
 * at once, because an UPSERT replaces the whole set (the wildcard and the apex answer at
 * the same name). Returns the change that removes exactly what was written.
 */
export async function publishChallengeRecords(route53: Route53Client, hostedZoneId: string, records: ChallengeRecords, wait: ChangeWait): Promise<() => Promise<void>> {
  const sets = [...records].map(([name, values]) => ({
    Name: `${name}.`,
    Type: 'TXT' as const,
    TTL: CHALLENGE_TTL,
    // Route 53 takes TXT values with their quotes; a key authorization digest is base64url, nothing to escape.
    ResourceRecords: values.map((value) => ({ Value: `"${value}"` })),
  }));
  const change = (Action: 'UPSERT' | 'DELETE') => new ChangeResourceRecordSetsCommand({
    HostedZoneId: hostedZoneId,
    ChangeBatch: { Comment: 'team-ide certificate: ACME DNS-01 challenge', Changes: sets.map((ResourceRecordSet) => ({ Action, ResourceRecordSet })) },
  });
  const remove = async () => {
    // A DELETE must repeat the TTL and every value exactly, as written above.
    await route53.send(change('DELETE'));
  };
  let written = false;
  try {
    const { ChangeInfo } = await route53.send(change('UPSERT'));
    written = true;
    await waitUntilResourceRecordSetsChanged(
      { client: route53, minDelay: wait.minDelaySeconds, maxDelay: Math.max(wait.minDelaySeconds, 15), maxWaitTime: wait.maxWaitSeconds },
      { Id: ChangeInfo?.Id ?? '' },
    );
  } catch (error) {
    const leftover = written ? await remove().then(() => '', (removal: unknown) => ` (removing the record failed too: ${(removal as Error).message})`) : '';
    throw new CertificateRenewalError(
      'dns-record',
      `Route 53 did not ${written ? 'bring the _acme-challenge record in sync' : 'take the _acme-challenge record'} in hosted zone ${hostedZoneId}: ${(error as Error).message}${leftover}`,
      `Check that HOSTED_ZONE_ID holds ${recordNames(records)}, and that the certificate function's role may change its _acme-challenge TXT records.`,
      { cause: error },
    );
  }
  return remove;
}

/** The record names for a message: a certificate with every seat's previews answers at up to a hundred. */
function recordNames(records: ChallengeRecords): string {
  const names = [...records.keys()];
  return names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
}
