import { DeleteParameterCommand, GetParameterCommand, ParameterNotFound, type SSMClient } from '@aws-sdk/client-ssm';
import { putIfAbsent } from './ssm-parameters';

/**
 * A lease on work only one invocation may do at a time, in SSM, which has no compare-and-swap:
 * PutParameter with Overwrite: false creates a name only one caller can create. The value is
 * the claim's time (and who claimed). A lease older than `leaseMs` belonged to an invocation
 * that died before giving it back; the next caller steps over it by claiming the next attempt
 * number rather than deleting it, since two callers that both found it dead would otherwise
 * both delete and both claim. The dead ones are removed when the lease is given back.
 */
export interface LeaseSpec {
  ssm: SSMClient;
  /** The lease's name for each attempt: the first is attempt 0. */
  nameOf: (attempt: number) => string;
  leaseMs: number;
  now: () => Date;
  /** Written after the claim's time, for whoever reads the parameter by hand. */
  holder?: string;
  description: string;
}

/** A lease held: its own name, and those of dead holders it stepped over. */
export interface Lease {
  name: string;
  stale: string[];
}

/** Claims the lease; undefined while a live holder has it. */
export async function claimLease(spec: LeaseSpec): Promise<Lease | undefined> {
  const stale: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const name = spec.nameOf(attempt);
    const value = [spec.now().toISOString(), spec.holder].filter(Boolean).join(' ');
    if (await putIfAbsent(spec.ssm, name, value, spec.description)) return { name, stale };
    const claimedAt = await readClaimTime(spec.ssm, name);
    if (claimedAt === undefined) {
      // Given back between our two calls: try the same name again.
      attempt -= 1;
      continue;
    }
    if (spec.now().getTime() - claimedAt < spec.leaseMs) return undefined;
    stale.push(name);
  }
}

async function readClaimTime(ssm: SSMClient, name: string): Promise<number | undefined> {
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
    return Date.parse((Parameter?.Value ?? '').split(' ')[0] ?? '') || 0;
  } catch (error) {
    if (error instanceof ParameterNotFound) return undefined;
    throw error;
  }
}

/**
 * Gives the lease back: the dead holders' names first, its own last. The other order would let
 * one caller step over a dead name into the freed one while another claims the dead name once
 * removed: two holders at once.
 */
export async function releaseLease(ssm: SSMClient, lease: Lease): Promise<void> {
  for (const name of [...lease.stale, lease.name]) {
    try {
      await ssm.send(new DeleteParameterCommand({ Name: name }));
    } catch (error) {
      if (!(error instanceof ParameterNotFound)) throw error;
    }
  }
}
