import { GetParameterCommand, ParameterAlreadyExists, ParameterNotFound, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { RosterError } from '../core/errors';
import type { Roster } from '../core/roster';
import { claimLease, type Lease, releaseLease } from '../core/ssm-lease';
import { decodeRoster, encodeRoster, RosterDocumentError } from './roster-document';

/**
 * The roster belongs to the team, not to a deploy: one SSM parameter, `/<prefix>/roster`,
 * changed by `/ide roster add|remove` (the launcher) and read by every function that seats
 * or emails people. Until the first change it does not exist, and the ROSTER setting (what
 * setup wrote) is the roster.
 *
 * SSM has no compare-and-swap: PutParameter with Overwrite overwrites whatever is there. So
 * a change is a claim on the version it was made from, like the run markers: the writer
 * creates `/<prefix>/roster-claims/<version>-<attempt>` with Overwrite: false, which only one
 * caller can do; reads the roster again and writes only if it is still at that version;
 * then gives the claim back. Two concurrent adds therefore cannot both write on top of the
 * same version: the second finds the claim taken, waits, reads the first one's result and
 * picks the next free seat from it. A claim older than CLAIM_LEASE_MS belonged to an
 * invocation that died between claiming and writing: the lease outlasts the launcher's
 * timeout (900 s, serverless.yml: a start may wait for the previous run's snapshot), so a
 * live invocation's claim is never stepped over. The next writer skips a dead one by
 * claiming the next attempt number, so nothing stays locked longer than the lease.
 */
export const CLAIM_LEASE_MS = 16 * 60_000;

/** How often a change is tried before giving up on a roster busy with other changes. */
const ATTEMPTS = 20;

export const rosterParameterName = (prefix: string) => `/${prefix}/roster`;
const claimName = (prefix: string, version: number, attempt: number) => `/${prefix}/roster-claims/${version}-${attempt}`;

export interface RosterStoreDeps {
  ssm: SSMClient;
  stackNamePrefix: string;
  /** The ROSTER setting: the roster until the parameter exists. */
  initialRoster: Roster;
  now: () => Date;
  /** Waits between attempts; tests pass one that does not. */
  sleep?: (ms: number) => Promise<void>;
}

export interface StoredRoster {
  roster: Roster;
  /** The parameter's version; 0 while it does not exist. */
  version: number;
}

/**
 * The stored roster; ROSTER's while nothing is stored. A hand-edited document that is no
 * roster is a RosterError naming the parameter, the fault and the way back: whoever asks in
 * Slack is told that, rather than given an apology and an error id.
 */
export async function readRoster(deps: Pick<RosterStoreDeps, 'ssm' | 'stackNamePrefix' | 'initialRoster'>): Promise<StoredRoster> {
  const name = rosterParameterName(deps.stackNamePrefix);
  try {
    const { Parameter } = await deps.ssm.send(new GetParameterCommand({ Name: name }));
    return { roster: decodeRoster(Parameter?.Value ?? ''), version: Parameter?.Version ?? 0 };
  } catch (error) {
    if (error instanceof ParameterNotFound) return { roster: deps.initialRoster, version: 0 };
    if (error instanceof RosterDocumentError) {
      throw new RosterError(
        `The team's roster (${name}) cannot be read: ${error.message}. Whoever deployed team-ide can restore an earlier version of it in Parameter Store, or delete it to start again from ROSTER.`,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * The roster, read at most once per `ttlMs`: each function reads it at its first request
 * and again when the copy is older, so a change reaches every function within that time.
 */
export function cachedRosterReader(deps: Pick<RosterStoreDeps, 'ssm' | 'stackNamePrefix' | 'initialRoster' | 'now'>, ttlMs: number): () => Promise<Roster> {
  let cached: { roster: Roster; readAt: number } | undefined;
  return async () => {
    const now = deps.now().getTime();
    if (!cached || now - cached.readAt >= ttlMs) cached = { roster: (await readRoster(deps)).roster, readAt: now };
    return cached.roster;
  };
}

/** How long a function keeps the roster it read: a change reaches every function within this. */
export const ROSTER_CACHE_MS = 15_000;

/** The functions' roster: read from SSM at the first request, again once the copy is ROSTER_CACHE_MS old. */
export function rosterReaderFor(ssm: SSMClient, config: { stackNamePrefix: string; roster: Roster }): () => Promise<Roster> {
  return cachedRosterReader({ ssm, stackNamePrefix: config.stackNamePrefix, initialRoster: config.roster, now: () => new Date() }, ROSTER_CACHE_MS);
}

/**
 * Applies `change` to the current roster and stores the result, safely against concurrent
 * changes (see above). `change` may throw a RosterError (nothing is written) and may be
 * called more than once, each time with a newer roster. Returns what `change` returned.
 */
export async function changeRoster<T>(deps: RosterStoreDeps, change: (roster: Roster) => { roster: Roster; result: T }): Promise<T> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const name = rosterParameterName(deps.stackNamePrefix);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const { roster, version } = await readRoster(deps);
    const { roster: changed, result } = change(roster);
    if (changed === roster) return result;
    const value = encodeRoster(changed);
    const write = (overwrite: boolean) => deps.ssm.send(new PutParameterCommand({
      Name: name,
      Value: value,
      Type: 'String',
      Overwrite: overwrite,
      Tier: 'Intelligent-Tiering',
      Description: 'team-ide: the team roster (/ide roster); who sits in which dev-N, and where their links go',
    }));
    if (version === 0) {
      // The first change creates the parameter: Overwrite false lets only one first change through.
      try {
        await write(false);
        return result;
      } catch (error) {
        if (!(error instanceof ParameterAlreadyExists)) throw error;
        continue;
      }
    }
    const claim = await claimVersion(deps, version);
    if (claim === undefined) {
      // Another change of this version is under way: read its result after a short, jittered wait.
      await sleep(100 + Math.floor(Math.random() * 200));
      continue;
    }
    try {
      if ((await readRoster(deps)).version !== version) continue;
      await write(true);
      return result;
    } finally {
      // Safe: a late writer that claims the same name afterwards finds the roster at a newer version and stops.
      await releaseLease(deps.ssm, claim);
    }
  }
  throw new RosterError('The roster is being changed by someone else right now. Try again in a minute.');
}

/** Claims the right to write the version after `version`; undefined when a live claim holds it. */
function claimVersion(deps: RosterStoreDeps, version: number): Promise<Lease | undefined> {
  return claimLease({ ssm: deps.ssm, nameOf: (attempt) => claimName(deps.stackNamePrefix, version, attempt), leaseMs: CLAIM_LEASE_MS, now: deps.now, description: 'team-ide: a roster change in progress' });
}
