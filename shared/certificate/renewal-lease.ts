import type { SSMClient } from '@aws-sdk/client-ssm';
import { certificateLeaseParameter } from '../core/config';
import { claimLease, type Lease } from '../core/ssm-lease';

/**
 * Only one run of the certificate function renews at a time: two would UPSERT the same
 * `_acme-challenge` TXT set, each replacing the other's answers, so one validation fails
 * (counted against the CA's limits) and whichever stored last wins. A roster add starts the
 * function while a daily or post-deploy run may be renewing, so a run that decides to renew
 * first claims a lease beside the certificate. Reserved concurrency 1 would do it too, but a
 * new account (concurrency limit 10) cannot reserve any, and the deploy would fail.
 */

/** The certificate function's timeout (serverless.yml; test/infra/deploy-resources.test.ts holds them together). */
export const CERTIFICATE_FUNCTION_TIMEOUT_MS = 300_000;

/** Past the timeout, the holder is dead for sure: its lease may be stepped over. */
export const RENEWAL_LEASE_MS = CERTIFICATE_FUNCTION_TIMEOUT_MS + 30_000;

/** Claims the renewal lease; undefined while another run holds it. */
export function claimRenewalLease(ssm: SSMClient, certificateParameter: string, runId: string, now: () => Date): Promise<Lease | undefined> {
  return claimLease({
    ssm,
    nameOf: (attempt) => certificateLeaseParameter(certificateParameter, attempt),
    leaseMs: RENEWAL_LEASE_MS,
    now,
    holder: runId,
    description: 'team-ide: the certificate function is renewing the certificate',
  });
}
