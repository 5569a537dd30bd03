import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Config } from '../core/config';
import { WorkError } from '../core/errors';
import type { Logger } from '../core/logger';
import { describeRunStack, describeStackResource } from '../stack/stack-gateway';
import { parseStackId } from '../stack/stack-status-event';
import { type DataVolumePlan, LOGICAL_ID, teamStackName, type WorkOrigin } from '../stack/team-stack';
import { claimSnapshot, deleteSnapshot, describeVolumeSnapshots, subnetZone, type WorkSnapshot } from './ebs-snapshots';
import { type LatestWork, latestWork, pruneSavedWork, type SavedWork, SNAPSHOT_LISTING_GRACE_MS } from './saved-work';
import { type DeletedVolume, forgetRuns, markDiscarded, readWorkRecords, recordRun, recordVolume, type WorkRecord } from './work-records';
import { restoreImpossibleText, stillSavingText } from './work-messages';

/**
 * Saved work, end to end: what the launcher restores (and waits for), and what stack-events
 * makes of a stopped run's snapshot (claims it, waits for it, discards or keeps it, prunes).
 */

export interface WorkDeps {
  config: Pick<Config, 'stackNamePrefix' | 'region' | 'work' | 'team'>;
  logger: Logger;
  cloudFormation: CloudFormationClient;
  ssm: SSMClient;
  ec2: EC2Client;
  now: () => Date;
  /** Waits between two looks at a snapshot still being saved; tests hand in one that moves their clock. */
  sleep: (ms: number) => Promise<void>;
}

/** Quick at first (a small snapshot completes within seconds), then every 15 s: EC2's Describe calls cost nothing. */
export function pollDelayMs(attempt: number): number {
  return Math.min(2_000 * 2 ** attempt, 15_000);
}

/**
 * The recorded runs and their snapshots. A run whose stack is gone but whose volume was not
 * recorded yet (a lost event) is looked up in CloudFormation, which keeps a deleted stack's
 * resources for 90 days; an untagged snapshot is claimed with this deployment's tag.
 */
export async function readSavedWork(deps: WorkDeps): Promise<SavedWork> {
  const prefix = deps.config.stackNamePrefix;
  const deployment = teamStackName(prefix);
  const records: WorkRecord[] = [];
  for (const record of await readWorkRecords(deps.ssm, prefix)) {
    const volume = record.volume ?? (await deletedVolumeOf(deps, record));
    if (volume && !record.volume) await recordVolume(deps.ssm, prefix, record.stackUuid, volume);
    records.push(volume ? { ...record, volume } : record);
  }
  const volumes = new Map(records.flatMap((record) => (record.volume && record.volume !== 'none' ? [[record.volume.volumeId, record] as const] : [])));
  const snapshots: WorkSnapshot[] = [];
  for (const snapshot of volumes.size > 0 ? await describeVolumeSnapshots(deps.ec2, [...volumes.keys()]) : []) {
    if (snapshot.deployment && snapshot.deployment !== deployment) {
      deps.logger.warn('Snapshot of a recorded volume carries another deployment\'s tag: left alone', { snapshotId: snapshot.snapshotId, deployment: snapshot.deployment });
      continue;
    }
    if (!snapshot.deployment) await claimSnapshot(deps.ec2, snapshot, deployment, (volumes.get(snapshot.volumeId) as WorkRecord).runId);
    snapshots.push({ ...snapshot, deployment });
  }
  return { records, snapshots };
}

/** The run's volume once its stack is deleted; `none` when it never had one; undefined while the stack is there. */
async function deletedVolumeOf(deps: WorkDeps, record: WorkRecord): Promise<DeletedVolume | 'none' | undefined> {
  const stack = await describeRunStack(deps.cloudFormation, record.stackId);
  if (!stack) {
    deps.logger.warn('Recorded run no longer known to CloudFormation: its volume cannot be found', { stackId: record.stackId });
    return 'none';
  }
  // Until the stack is deleted its volume may still be on its way (or in use).
  if (stack.status !== 'DELETE_COMPLETE') return undefined;
  const resource = await describeStackResource(deps.cloudFormation, record.stackId, LOGICAL_ID.dataVolume);
  if (!resource?.physicalId || resource.status !== 'DELETE_COMPLETE') return 'none';
  return { volumeId: resource.physicalId, deletedAt: resource.updatedAt };
}

/** Deletes what retention no longer keeps. Failures are logged: the next stop or start prunes again. */
export async function pruneWork(deps: WorkDeps, saved: SavedWork): Promise<void> {
  const pruning = pruneSavedWork(saved, deps.config.work.snapshotsKept);
  try {
    for (const snapshot of pruning.snapshots) await deleteSnapshot(deps.ec2, snapshot.snapshotId);
    if (pruning.forget.length > 0) await forgetRuns(deps.ssm, deps.config.stackNamePrefix, pruning.forget);
    if (pruning.snapshots.length + pruning.forget.length > 0) {
      deps.logger.info('Saved work pruned', { deletedSnapshots: pruning.snapshots.map((snapshot) => snapshot.snapshotId), forgottenRuns: pruning.forget.length });
    }
  } catch (error) {
    deps.logger.warn('Could not prune saved work', { error: error as Error });
  }
}

/** The data volume a start gets, where it came from, and what was read to decide. */
export interface PreparedVolume {
  plan: DataVolumePlan;
  origin: Extract<WorkOrigin, { kind: 'blank' | 'fresh' | 'restored' }>;
  saved?: SavedWork;
}

/**
 * The data volume of a new run: in the host's zone, from the newest kept snapshot when there
 * is one, blank otherwise (or when `fresh`). A snapshot still being saved is waited for until
 * `deadline` (told once through `announce`); one that failed or vanished refuses the start
 * rather than restoring an older one.
 */
export async function prepareDataVolume(
  deps: WorkDeps,
  request: { fresh: boolean; deadline: number; announce: (pending: Extract<LatestWork, { kind: 'pending' }>) => Promise<void> },
): Promise<PreparedVolume> {
  const blank: DataVolumePlan = { keep: true, availabilityZone: await subnetZone(deps.ec2, deps.config.team.subnetId), snapshotId: '', sizeGb: deps.config.work.volumeGb };
  if (request.fresh) return { plan: blank, origin: { kind: 'fresh' } };
  const startedAt = deps.now().getTime();
  for (let attempt = 0; ; attempt++) {
    const saved = await readSavedWork(deps);
    const latest = latestWork(saved, deps.now());
    switch (latest.kind) {
      case 'none':
        return { plan: blank, origin: { kind: 'blank' }, saved };
      case 'ready': {
        const { snapshot } = latest;
        return {
          plan: { ...blank, snapshotId: snapshot.snapshotId, sizeGb: Math.max(blank.sizeGb, snapshot.volumeSizeGb) },
          origin: { kind: 'restored', snapshotId: snapshot.snapshotId, savedAt: snapshot.startTime.toISOString() },
          saved,
        };
      }
      case 'unusable':
        throw new WorkError(restoreImpossibleText(latest));
      case 'pending':
        if (attempt === 0) await request.announce(latest);
        if (deps.now().getTime() >= request.deadline) throw new WorkError(stillSavingText(latest, deps.now().getTime() - startedAt));
        await deps.sleep(pollDelayMs(attempt));
    }
  }
}

/** What became of a stopped run's homes, for the "stopped" message. */
export type StoppedWork =
  /** The run had no data volume (KEEP_WORK=false, or it failed before making one). */
  | { kind: 'none' }
  | { kind: 'saved'; snapshot: WorkSnapshot }
  /** Still being saved when stack-events had to answer; the next start waits for it. */
  | { kind: 'saving'; snapshot?: WorkSnapshot }
  /** `asked`: the lead chose `--discard`; otherwise nobody ever used the run (it never became ready). */
  | { kind: 'discarded'; asked: boolean }
  | { kind: 'failed'; problem: string };

/**
 * At DELETE_COMPLETE: records the run and its volume, waits (until `deadline`) for its
 * snapshot, deletes it when the run's work is not kept (`--discard`, or a run nobody used:
 * its snapshot would only shadow the work it was restored from), and prunes older snapshots.
 */
export async function settleStoppedWork(deps: WorkDeps, run: { stackId: string; runId: string; startedAt: Date; used: boolean; deadline: number }): Promise<StoppedWork> {
  const prefix = deps.config.stackNamePrefix;
  const stackUuid = parseStackId(run.stackId)?.stackUuid;
  if (!stackUuid) throw new Error(`Not a CloudFormation stack id: ${run.stackId}`);
  await recordRun(deps.ssm, prefix, run);
  if (!run.used) await markDiscarded(deps.ssm, prefix, stackUuid, deps.now());
  let saved: SavedWork;
  let record: WorkRecord | undefined;
  let snapshot: WorkSnapshot | undefined;
  for (let attempt = 0; ; attempt++) {
    saved = await readSavedWork(deps);
    record = saved.records.find((candidate) => candidate.stackUuid === stackUuid);
    const volumeId = record?.volume && record.volume !== 'none' ? record.volume.volumeId : undefined;
    snapshot = saved.snapshots.filter((candidate) => candidate.volumeId === volumeId).at(-1);
    const settled = snapshot
      ? snapshot.state !== 'pending'
      : !record || record.volume === 'none' || (volumeId !== undefined && deps.now().getTime() - (record.volume as DeletedVolume).deletedAt.getTime() >= SNAPSHOT_LISTING_GRACE_MS);
    if (settled || deps.now().getTime() >= run.deadline) break;
    await deps.sleep(pollDelayMs(attempt));
  }
  await pruneWork(deps, saved);
  if (!record || record.volume === 'none') return { kind: 'none' };
  if (!record.volume) return { kind: 'saving' };
  if (record.discardedAt) return { kind: 'discarded', asked: run.used };
  if (!snapshot) return { kind: 'failed', problem: `CloudFormation deleted the volume ${record.volume.volumeId} but no snapshot of it can be found` };
  if (snapshot.state === 'completed') return { kind: 'saved', snapshot };
  if (snapshot.state === 'pending') return { kind: 'saving', snapshot };
  return { kind: 'failed', problem: `its snapshot ${snapshot.snapshotId} is in state ${snapshot.state}${snapshot.stateMessage ? `: ${snapshot.stateMessage}` : ''}` };
}
