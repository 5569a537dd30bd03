import type { WorkSnapshot } from './ebs-snapshots';
import type { WorkRecord } from './work-records';

/**
 * Decisions about saved work, pure: which snapshot a start restores (or waits for), which
 * snapshots retention deletes, and what the kept ones cost. The caller reads the records
 * (work-records.ts) and the snapshots (ebs-snapshots.ts) and gives the clock.
 */

/** This deployment's recorded runs, newest first, and the snapshots of their volumes. */
export interface SavedWork {
  records: WorkRecord[];
  snapshots: WorkSnapshot[];
}

/** What the next start finds. */
export type LatestWork =
  /** Nothing saved yet (or every saved run was discarded): a blank volume. */
  | { kind: 'none' }
  | { kind: 'ready'; record: WorkRecord; snapshot: WorkSnapshot }
  /** The newest run's homes are still being saved (its volume not deleted yet, or its snapshot pending). */
  | { kind: 'pending'; record: WorkRecord; snapshot?: WorkSnapshot }
  /** The newest run's snapshot failed or is gone: restoring an older one silently would lose that run's work. */
  | { kind: 'unusable'; record: WorkRecord; snapshot?: WorkSnapshot; problem: string };

/**
 * How long after a volume's deletion its snapshot may be missing from DescribeSnapshots:
 * EC2's Describe calls are eventually consistent, and CloudFormation snapshots the volume
 * just before deleting it.
 */
export const SNAPSHOT_LISTING_GRACE_MS = 2 * 60_000;

const snapshotsOf = (saved: SavedWork, record: WorkRecord): WorkSnapshot[] =>
  record.volume && record.volume !== 'none' ? saved.snapshots.filter((snapshot) => snapshot.volumeId === (record.volume as { volumeId: string }).volumeId) : [];

/** Runs whose work counts: not discarded, and with a data volume (or one not known yet). */
const keptRuns = (saved: SavedWork): WorkRecord[] => saved.records.filter((record) => !record.discardedAt && record.volume !== 'none');

/**
 * The work a start restores: the newest kept run's snapshot, never an older one in its
 * place. A discarded run is skipped (its lead chose to go back to the work before it).
 */
export function latestWork(saved: SavedWork, now: Date): LatestWork {
  const record = keptRuns(saved)[0];
  if (!record) return { kind: 'none' };
  if (!record.volume || record.volume === 'none') return { kind: 'pending', record };
  const snapshot = snapshotsOf(saved, record).at(-1);
  if (!snapshot) {
    if (now.getTime() - record.volume.deletedAt.getTime() < SNAPSHOT_LISTING_GRACE_MS) return { kind: 'pending', record };
    return { kind: 'unusable', record, problem: `no snapshot of its volume ${record.volume.volumeId} exists (was it deleted by hand?)` };
  }
  if (snapshot.state === 'completed') return { kind: 'ready', record, snapshot };
  if (snapshot.state === 'pending') return { kind: 'pending', record, snapshot };
  const reason = snapshot.stateMessage ? `: ${snapshot.stateMessage}` : '';
  return { kind: 'unusable', record, snapshot, problem: `its snapshot ${snapshot.snapshotId} is in state ${snapshot.state}${reason}` };
}

/** What retention removes: snapshots to delete, and runs whose records can go. */
export interface Pruning {
  snapshots: WorkSnapshot[];
  forget: string[];
}

/**
 * Keeps the newest `kept` completed snapshots of the kept runs, and deletes every older one
 * that is no longer pending, so a deletion only ever follows a newer snapshot's completion.
 * Discarded runs lose their snapshots as soon as these are no longer pending. A record goes
 * once its snapshots are gone: with it, its run no longer counts as the newest.
 */
export function pruneSavedWork(saved: SavedWork, kept: number): Pruning {
  const doomed = new Set<WorkSnapshot>();
  for (const record of saved.records.filter((candidate) => candidate.discardedAt)) {
    for (const snapshot of snapshotsOf(saved, record)) if (snapshot.state !== 'pending') doomed.add(snapshot);
  }
  const keptRecords = keptRuns(saved);
  const newestFirst = keptRecords.flatMap((record) => snapshotsOf(saved, record)).sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
  let completed = 0;
  for (const snapshot of newestFirst) {
    if (completed >= kept && snapshot.state !== 'pending') doomed.add(snapshot);
    if (snapshot.state === 'completed') completed += 1;
  }
  const oldestKept = newestFirst.filter((snapshot) => !doomed.has(snapshot) && snapshot.state === 'completed').at(-1);
  const forget = saved.records
    .filter((record) => {
      if (record.volume === 'none') return true;
      const own = snapshotsOf(saved, record);
      const left = own.filter((snapshot) => !doomed.has(snapshot));
      if (record.discardedAt) return record.volume !== undefined && left.length === 0;
      if (own.length > 0) return left.length === 0;
      // A run without any snapshot: only once a newer kept snapshot made it irrelevant.
      return record.volume !== undefined && oldestKept !== undefined && record !== keptRecords[0] && record.startedAt < oldestKept.startTime;
    })
    .map((record) => record.stackUuid);
  return { snapshots: [...doomed].sort((a, b) => a.startTime.getTime() - b.startTime.getTime()), forget };
}

/**
 * Standard-tier snapshot storage, USD per GB-month, as remembered from the EBS price list in
 * 2025 (not looked up for this code: check the EBS pricing page before quoting it). A region
 * missing here is priced as us-east-1 and the estimate says so.
 */
export const SNAPSHOT_GB_MONTH_USD: Record<string, number> = {
  'us-east-1': 0.05,
  'us-west-2': 0.05,
  'eu-west-1': 0.05,
  'eu-central-1': 0.054,
  'ap-southeast-2': 0.055,
};

/** What the kept snapshots hold and cost, for `/ide status`. */
export interface SavedWorkCost {
  count: number;
  newest: WorkSnapshot;
  /** The newest snapshot's data, GiB: what a restore brings back, and the least they are billed for. */
  dataGb: number;
  usdPerMonth: number;
  /** Every kept snapshot billed in full: snapshots are incremental, so the bill lies between the two. */
  upToUsdPerMonth: number;
  /** True when EC2 gave no written size and the volume's size stands in (an overestimate). */
  sizesFromVolumes: boolean;
  gbMonthUsd: number;
  approximateRegion: boolean;
}

const GIB = 1024 ** 3;

/** The cost of what is kept; undefined when nothing is. */
export function savedWorkCost(saved: SavedWork, region: string): SavedWorkCost | undefined {
  const kept = keptRuns(saved).flatMap((record) => snapshotsOf(saved, record)).filter((snapshot) => snapshot.state === 'completed');
  const newest = kept.sort((a, b) => b.startTime.getTime() - a.startTime.getTime())[0];
  if (!newest) return undefined;
  const sizeGb = (snapshot: WorkSnapshot) => (snapshot.fullSizeBytes !== undefined ? snapshot.fullSizeBytes / GIB : snapshot.volumeSizeGb);
  const regional = Object.hasOwn(SNAPSHOT_GB_MONTH_USD, region) ? SNAPSHOT_GB_MONTH_USD[region] : undefined;
  const gbMonthUsd = regional ?? (SNAPSHOT_GB_MONTH_USD['us-east-1'] as number);
  const dataGb = sizeGb(newest);
  return {
    count: kept.length,
    newest,
    dataGb,
    usdPerMonth: dataGb * gbMonthUsd,
    upToUsdPerMonth: kept.reduce((sum, snapshot) => sum + sizeGb(snapshot), 0) * gbMonthUsd,
    sizesFromVolumes: kept.some((snapshot) => snapshot.fullSizeBytes === undefined),
    gbMonthUsd,
    approximateRegion: regional === undefined,
  };
}
