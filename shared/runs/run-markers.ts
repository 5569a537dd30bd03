import {
  DeleteParameterCommand,
  DeleteParametersCommand,
  GetParameterCommand,
  paginateGetParametersByPath,
  ParameterNotFound,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { putIfAbsent } from '../core/ssm-parameters';

/**
 * EventBridge and Lambda's asynchronous invocations deliver at least once. Before a
 * side effect that must not happen twice (an email, a Slack post, a DeleteStack) the
 * functions claim a marker: an SSM String parameter created with `Overwrite: false`, which
 * only one caller can create. SSM is used because standard parameters cost nothing and the
 * functions already talk to it; a table would be one more resource to deploy for a few
 * writes a day.
 *
 * Markers live under `/<stack name prefix>/runs/<stack uuid>/`. They hold a timestamp
 * (or, for the cost guard, an end time and what happened at it), never a secret.
 */
export type RunMarker =
  | 'notified'
  | 'failure-reported'
  | 'stopped'
  // Repairs (shared/runs/run-repair.ts): the sweeper's one re-run of the notifier, and what was said once.
  | 'notify-repair'
  | 'notify-failure-reported'
  | 'delete-failure-reported'
  | 'removal-refused-reported'
  // Not a claim: how many times the sweeper deleted a stuck stack again, and when last.
  | 'delete-retry'
  // The cost guard (shared/runs/run-lifetime.ts): who is deleting the stack, and what happened at each end time.
  | 'stopping'
  | `warned-${string}`
  | `end-${string}`
  // Not a claim but the run's current end, moved by "Extend"; cleaned up with the markers.
  | 'ends-at'
  // The idle stop (shared/idle/idle-markers.ts): the warning out now (a claim, given back once
  // settled), who gives up a claim whose tick died, what became of each warning, the last
  // "Keep running", the silent host said once.
  | 'idle-warning'
  | `idle-takeover-${string}`
  | `idle-settled-${string}`
  | 'idle-kept'
  | 'host-silent-reported';

/** The run whose markers are meant: the stack name prefix and the uuid part of its stack id. */
export interface RunKey {
  prefix: string;
  stackUuid: string;
}

const runsPath = (prefix: string) => `/${prefix}/runs`;

/** The SSM parameter name of one marker of one run. */
export function runMarkerName(run: RunKey, marker: RunMarker): string {
  return `${runsPath(run.prefix)}/${run.stackUuid}/${marker}`;
}

/**
 * True when this caller created the marker; false when an earlier delivery already did.
 * The value is the time of the claim unless one is given (ids and times only, never a secret).
 */
export function claimRunMarker(ssm: SSMClient, run: RunKey, marker: RunMarker, now: Date, value?: string): Promise<boolean> {
  return putIfAbsent(ssm, runMarkerName(run, marker), value ?? now.toISOString(), 'team-ide: this step of the run is done (removed when the run is stopped)');
}

/** The marker's value; undefined when nobody has claimed or written it. */
export async function readRunMarker(ssm: SSMClient, run: RunKey, marker: RunMarker): Promise<string | undefined> {
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: runMarkerName(run, marker) }));
    return Parameter?.Value;
  } catch (error) {
    if (error instanceof ParameterNotFound) return undefined;
    throw error;
  }
}

/** Writes the marker whether or not it exists: for values that change (the run's end) and for taking over a stale claim. */
export async function writeRunMarker(ssm: SSMClient, run: RunKey, marker: RunMarker, value: string): Promise<void> {
  await ssm.send(
    new PutParameterCommand({
      Name: runMarkerName(run, marker),
      Value: value,
      Type: 'String',
      Overwrite: true,
      Description: 'team-ide: state of a running run (removed when the run is stopped)',
    }),
  );
}

/** Gives a claim back after the side effect it guarded failed, so the next attempt may claim it again. */
export async function releaseRunMarker(ssm: SSMClient, run: RunKey, marker: RunMarker): Promise<void> {
  try {
    await ssm.send(new DeleteParameterCommand({ Name: runMarkerName(run, marker) }));
  } catch (error) {
    if (!(error instanceof ParameterNotFound)) throw error;
  }
}

/**
 * Called once a run is stopped (its `stopped` marker claimed): removes that run's other
 * markers and every marker of runs stopped before it. The newest `stopped` marker stays, so a
 * redelivered DELETE_COMPLETE is still recognised; the next run's stop removes it. Markers
 * of a run that is not stopped (the next run may already be starting) are left alone.
 * Returns the markers the stopped run had, so the message can say how the run ended.
 */
export async function removeStoppedRunMarkers(ssm: SSMClient, run: RunKey): Promise<RunMarker[]> {
  const byRun = new Map<string, string[]>();
  for await (const page of paginateGetParametersByPath({ client: ssm }, { Path: runsPath(run.prefix), Recursive: true })) {
    for (const { Name } of page.Parameters ?? []) {
      const match = Name ? /^.*\/runs\/([^/]+)\/[^/]+$/.exec(Name) : null;
      if (!match) continue;
      const names = byRun.get(match[1] as string) ?? [];
      names.push(Name as string);
      byRun.set(match[1] as string, names);
    }
  }
  const keep = runMarkerName(run, 'stopped');
  const stale = [...byRun.entries()]
    .filter(([stackUuid, names]) => stackUuid === run.stackUuid || names.some((name) => name.endsWith('/stopped')))
    .flatMap(([, names]) => names)
    .filter((name) => name !== keep);
  // DeleteParameters takes at most 10 names a call.
  for (let start = 0; start < stale.length; start += 10) {
    await ssm.send(new DeleteParametersCommand({ Names: stale.slice(start, start + 10) }));
  }
  return (byRun.get(run.stackUuid) ?? []).map((name) => name.slice(name.lastIndexOf('/') + 1) as RunMarker);
}
