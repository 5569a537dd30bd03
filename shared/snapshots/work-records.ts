import { DeleteParametersCommand, paginateGetParametersByPath, type SSMClient } from '@aws-sdk/client-ssm';
import { putIfAbsent } from '../core/ssm-parameters';
import { parseTime } from '../core/time';
import { parseStackId } from '../stack/stack-status-event';

/**
 * What each run with a data volume leaves behind, so its snapshot can be found after its
 * stack is gone. A snapshot made by `DeletionPolicy: Snapshot` need not carry the volume's
 * tags, and DescribeVolumes forgets a deleted volume: the volume id, recorded here, is what
 * finds it (DescribeSnapshots by `volume-id`).
 *
 * One SSM String parameter per fact, under `/<stack name prefix>/work/<stack uuid>/`, each
 * written once, so writers racing each other never lose a fact: `run` (the launcher after
 * CreateStack, stack-events at any event: the stack id, run id and start), `volume` (the
 * volume id once the stack's volume is deleted, or `none` when the stack never made one)
 * and `discard` (the lead chose `/ide stop --discard`, or nobody ever used the run). They
 * outlive the run markers (shared/runs/run-markers.ts) and go when the run's snapshots go.
 */

export interface WorkRecord {
  stackUuid: string;
  stackId: string;
  runId: string;
  startedAt: Date;
  /** The data volume once deleted; `none` when the stack made none; undefined while unknown. */
  volume?: DeletedVolume | 'none';
  /** Set when the run's work is not to be kept. */
  discardedAt?: Date;
}

export interface DeletedVolume {
  volumeId: string;
  deletedAt: Date;
}

type Fact = 'run' | 'volume' | 'discard';

const workPath = (prefix: string) => `/${prefix}/work`;
const factName = (prefix: string, stackUuid: string, fact: Fact) => `${workPath(prefix)}/${stackUuid}/${fact}`;

/** Records a run of this deployment that has (or may have) a data volume. Idempotent. */
export async function recordRun(ssm: SSMClient, prefix: string, run: { stackId: string; runId: string; startedAt: Date }): Promise<void> {
  const ids = parseStackId(run.stackId);
  if (!ids) throw new Error(`Not a CloudFormation stack id: ${run.stackId}`);
  const value = JSON.stringify({ stackId: run.stackId, runId: run.runId, startedAt: run.startedAt.toISOString() });
  await putIfAbsent(ssm, factName(prefix, ids.stackUuid, 'run'), value, 'team-ide: a run whose homes may be in a snapshot (removed with its snapshots)');
}

/** Records the run's volume once it is deleted (its snapshot is then made), or that it never had one. */
export async function recordVolume(ssm: SSMClient, prefix: string, stackUuid: string, volume: DeletedVolume | 'none'): Promise<void> {
  const value = volume === 'none' ? 'none' : JSON.stringify({ volumeId: volume.volumeId, deletedAt: volume.deletedAt.toISOString() });
  await putIfAbsent(ssm, factName(prefix, stackUuid, 'volume'), value, 'team-ide: the data volume of a run, to find its snapshot');
}

/** The run's work is not kept: its snapshot is deleted once it completes, and never restored. */
export async function markDiscarded(ssm: SSMClient, prefix: string, stackUuid: string, now: Date): Promise<void> {
  await putIfAbsent(ssm, factName(prefix, stackUuid, 'discard'), now.toISOString(), 'team-ide: the work of this run is not kept');
}

/** `/ide stop --discard` confirmed: the run is recorded first, so the mark has a run to belong to. */
export async function discardRunWork(ssm: SSMClient, prefix: string, run: { stackId: string; runId: string; startedAt: Date }, now: Date): Promise<void> {
  await recordRun(ssm, prefix, run);
  await markDiscarded(ssm, prefix, (parseStackId(run.stackId) as { stackUuid: string }).stackUuid, now);
}

/** Every recorded run, newest first. Facts that do not parse are ignored, as if not written. */
export async function readWorkRecords(ssm: SSMClient, prefix: string): Promise<WorkRecord[]> {
  const facts = new Map<string, Partial<Record<Fact, string>>>();
  // SSM may answer short or empty pages with a NextToken: the paginator keeps asking.
  for await (const page of paginateGetParametersByPath({ client: ssm }, { Path: workPath(prefix), Recursive: true })) {
    for (const { Name, Value } of page.Parameters ?? []) {
      const match = /\/work\/([0-9a-f-]{36})\/(run|volume|discard)$/.exec(Name ?? '');
      if (!match || Value === undefined) continue;
      const [, stackUuid, fact] = match as unknown as [string, string, Fact];
      facts.set(stackUuid, { ...facts.get(stackUuid), [fact]: Value });
    }
  }
  const records: WorkRecord[] = [];
  for (const [stackUuid, { run, volume, discard }] of facts) {
    const parsedRun = parseRun(run);
    if (!parsedRun) continue;
    const parsedVolume = parseVolume(volume);
    const discardedAt = parseTime(discard);
    records.push({ stackUuid, ...parsedRun, ...(parsedVolume ? { volume: parsedVolume } : {}), ...(discardedAt ? { discardedAt } : {}) });
  }
  return records.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
}

/** Removes every fact of these runs (their snapshots are gone, or they never had one). */
export async function forgetRuns(ssm: SSMClient, prefix: string, stackUuids: readonly string[]): Promise<void> {
  const names = stackUuids.flatMap((stackUuid) => (['run', 'volume', 'discard'] as const).map((fact) => factName(prefix, stackUuid, fact)));
  // DeleteParameters takes at most 10 names a call, and skips names that do not exist.
  for (let start = 0; start < names.length; start += 10) {
    await ssm.send(new DeleteParametersCommand({ Names: names.slice(start, start + 10) }));
  }
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text ?? '');
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function parseRun(text: string | undefined): Pick<WorkRecord, 'stackId' | 'runId' | 'startedAt'> | undefined {
  const value = parseJson(text);
  const startedAt = parseTime(value?.startedAt);
  if (typeof value?.stackId !== 'string' || !parseStackId(value.stackId) || typeof value.runId !== 'string' || !startedAt) return undefined;
  return { stackId: value.stackId, runId: value.runId, startedAt };
}

function parseVolume(text: string | undefined): DeletedVolume | 'none' | undefined {
  if (text === 'none') return 'none';
  const value = parseJson(text);
  const deletedAt = parseTime(value?.deletedAt);
  if (typeof value?.volumeId !== 'string' || !/^vol-[0-9a-f]+$/.test(value.volumeId) || !deletedAt) return undefined;
  return { volumeId: value.volumeId, deletedAt };
}
