import { AppError } from '../core/errors';

/** Where a renewal stopped: each step has its own likely causes, and its own hint. */
export type RenewalStep = 'hosted-zone' | 'acme-account' | 'acme-order' | 'dns-record' | 'validation' | 'finalize' | 'store';

export const STEP_NAMES: Record<RenewalStep, string> = {
  'hosted-zone': 'checking the hosted zone',
  'acme-account': 'registering with the CA',
  'acme-order': 'ordering the certificate',
  'dns-record': 'writing the _acme-challenge TXT record',
  validation: 'the CA checking the TXT record',
  finalize: 'downloading the certificate',
  store: 'storing the certificate in SSM',
};

/**
 * A renewal that failed for a reason the person who deployed can act on. `userMessage` is
 * the cause as the CA, Route 53 or SSM put it; `hint` says what to do, when we can tell.
 * Nothing of the new certificate was stored: the old one (if any) is still in place.
 */
export class CertificateRenewalError extends AppError {
  readonly code = 'certificate_renewal';

  constructor(
    readonly step: RenewalStep,
    userMessage: string,
    readonly hint: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(userMessage, options);
  }
}

/** What the hint needs to name: the domain, the zone and the CA in use. */
export interface HintContext {
  domainName: string;
  hostedZoneId: string;
  acmeDirectoryUrl: string;
}

/**
 * A hint for a failure the CA reported, from its message (acme-client keeps the problem's
 * `detail` only). Covers what Let's Encrypt users meet most: a CAA record, a TXT record the
 * CA cannot see (wrong zone), a rate limit, a name the CA refuses, a CA that cannot be reached.
 */
export function acmeHint(message: string, context: HintContext): string | undefined {
  if (/\bCAA\b/i.test(message)) {
    return `A CAA record on ${context.domainName} or one of its parent domains does not allow this CA. Add one that does (for Let's Encrypt: \`0 issue "letsencrypt.org"\`, and \`0 issuewild "letsencrypt.org"\` where issuewild records exist), or remove it.`;
  }
  if (/rate.?limit|too many (certificates|new orders|failed authorizations|requests)/i.test(message)) {
    const resetAt = /retry after ([0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:]{5,8}(?:\.\d+)?\s*(?:Z|UTC)?)/i.exec(message)?.[1];
    return `The CA's rate limit was reached${resetAt ? `; it lifts at ${resetAt.trim()}` : ''}. The daily run tries again by itself; until then the current certificate stays in place. Test changes against Let's Encrypt's staging directory (ACME_DIRECTORY_URL) rather than production.`;
  }
  if (/NXDOMAIN|SERVFAIL|DNS problem|no TXT record|incorrect TXT record|TXT record.*not found|Correct value not found/i.test(message)) {
    return `The CA did not find the TXT record written to hosted zone ${context.hostedZoneId}. Check that HOSTED_ZONE_ID is the public zone the NS records of ${context.domainName} point to (not a private zone, not a parent zone whose subdomain is delegated elsewhere).`;
  }
  if (/rejectedIdentifier|forbidden by policy|policy forbids|not allowed to issue|blocklist|blocked/i.test(message)) {
    return `The CA refuses to issue for ${context.domainName} by its own policy. Use a domain it accepts, or another CA (ACME_DIRECTORY_URL).`;
  }
  if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|ECONNRESET|EAI_AGAIN|socket hang up|ACME directory/i.test(message)) {
    return `The CA at ${context.acmeDirectoryUrl} could not be reached. Check ACME_DIRECTORY_URL; if it is right, the CA may be down and the daily run tries again.`;
  }
  return undefined;
}

/**
 * Thrown by the certificate function once it has told the channel of a check that failed.
 * Lambda writes the error's name as the failed job's `errorType`, which is how the sweeper
 * knows, reading the job from the failed-jobs queue, that the channel has heard already.
 */
export class CertificateCheckReported extends Error {
  static readonly errorType = 'CertificateCheckReported';

  constructor(errorId: string, cause: unknown) {
    super(`The certificate check failed and the channel was told (error id ${errorId}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = CertificateCheckReported.errorType;
  }
}
