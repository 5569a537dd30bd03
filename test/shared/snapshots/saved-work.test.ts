import { describe, expect, it } from 'vitest';
import { latestWork, pruneSavedWork, savedWorkCost, SNAPSHOT_LISTING_GRACE_MS } from '../../../shared/snapshots/saved-work';
import { runUuid, snapshotOf, workRecord, workSnapshot } from '../../helpers/work-fixtures';

/** Records are newest first, as readWorkRecords returns them. */
const records = (...numbers: number[]) => numbers.sort((a, b) => b - a).map((n) => workRecord(n));
const later = new Date(Date.UTC(2026, 10, 29));

describe('latestWork', () => {
  it('finds nothing when no run kept a volume', () => {
    expect(latestWork({ records: [], snapshots: [] }, later)).toEqual({ kind: 'none' });
    expect(latestWork({ records: [workRecord(1, { volume: 'none' })], snapshots: [] }, later)).toEqual({ kind: 'none' });
  });

  it('restores the newest run\'s completed snapshot', () => {
    const found = latestWork({ records: records(1, 2), snapshots: [workSnapshot(1, 'completed'), workSnapshot(2, 'completed')] }, later);

    expect(found).toMatchObject({ kind: 'ready', snapshot: { snapshotId: snapshotOf(2) }, record: { runId: 'run-2' } });
  });

  it('waits for the newest run\'s pending snapshot instead of restoring an older completed one', () => {
    const found = latestWork({ records: records(1, 2), snapshots: [workSnapshot(1, 'completed'), workSnapshot(2, 'pending')] }, later);

    expect(found).toMatchObject({ kind: 'pending', snapshot: { snapshotId: snapshotOf(2) } });
  });

  it('waits while the newest run\'s volume is not deleted yet', () => {
    const found = latestWork({ records: [workRecord(2, { volume: undefined }), workRecord(1)], snapshots: [workSnapshot(1, 'completed')] }, later);

    expect(found).toMatchObject({ kind: 'pending', record: { runId: 'run-2' } });
    expect(found).not.toHaveProperty('snapshot');
  });

  it('takes a snapshot missing just after its volume\'s deletion for one EC2 does not list yet, and a later absence for a loss', () => {
    const saved = { records: records(1, 2), snapshots: [workSnapshot(1, 'completed')] };
    const deletedAt = (saved.records[0]?.volume as { deletedAt: Date }).deletedAt.getTime();

    expect(latestWork(saved, new Date(deletedAt + SNAPSHOT_LISTING_GRACE_MS - 1)).kind).toBe('pending');
    expect(latestWork(saved, new Date(deletedAt + SNAPSHOT_LISTING_GRACE_MS))).toMatchObject({ kind: 'unusable', problem: expect.stringContaining('no snapshot of its volume vol-') });
  });

  it('refuses a failed newest snapshot rather than falling back to an older one', () => {
    const found = latestWork({ records: records(1, 2), snapshots: [workSnapshot(1, 'completed'), workSnapshot(2, 'error', { stateMessage: 'internal error' })] }, later);

    expect(found).toMatchObject({ kind: 'unusable', problem: `its snapshot ${snapshotOf(2)} is in state error: internal error` });
  });

  it('skips a discarded run: its lead chose to go back to the work before it', () => {
    const found = latestWork({ records: [workRecord(2, { discardedAt: later }), workRecord(1)], snapshots: [workSnapshot(1, 'completed'), workSnapshot(2, 'completed')] }, later);

    expect(found).toMatchObject({ kind: 'ready', snapshot: { snapshotId: snapshotOf(1) } });
  });
});

describe('pruneSavedWork', () => {
  it('keeps the newest SNAPSHOTS_KEPT completed snapshots and deletes the older ones and their records', () => {
    const saved = { records: records(1, 2, 3, 4, 5), snapshots: [1, 2, 3, 4, 5].map((n) => workSnapshot(n, 'completed')) };

    const pruning = pruneSavedWork(saved, 3);

    expect(pruning.snapshots.map((snapshot) => snapshot.snapshotId)).toEqual([snapshotOf(1), snapshotOf(2)]);
    expect(pruning.forget.sort()).toEqual([runUuid(1), runUuid(2)]);
  });

  it('deletes nothing while the newest snapshot is pending: an older one goes only after a newer one completes', () => {
    const saved = { records: records(1, 2, 3, 4), snapshots: [workSnapshot(1, 'completed'), workSnapshot(2, 'completed'), workSnapshot(3, 'completed'), workSnapshot(4, 'pending')] };

    expect(pruneSavedWork(saved, 3).snapshots).toEqual([]);
    expect(pruneSavedWork({ ...saved, snapshots: [...saved.snapshots.slice(0, 3), workSnapshot(4, 'completed')] }, 3).snapshots.map((snapshot) => snapshot.snapshotId)).toEqual([snapshotOf(1)]);
  });

  it('never deletes a pending snapshot, however old', () => {
    const saved = { records: records(1, 2, 3), snapshots: [workSnapshot(1, 'pending'), workSnapshot(2, 'completed'), workSnapshot(3, 'completed')] };

    expect(pruneSavedWork(saved, 1).snapshots.map((snapshot) => snapshot.snapshotId)).toEqual([snapshotOf(2)]);
  });

  it('deletes a discarded run\'s snapshot once it is no longer pending, and forgets the run then', () => {
    const discarded = workRecord(2, { discardedAt: later });

    const whilePending = pruneSavedWork({ records: [discarded, workRecord(1)], snapshots: [workSnapshot(1, 'completed'), workSnapshot(2, 'pending')] }, 3);
    const completed = pruneSavedWork({ records: [discarded, workRecord(1)], snapshots: [workSnapshot(1, 'completed'), workSnapshot(2, 'completed')] }, 3);

    expect(whilePending).toEqual({ snapshots: [], forget: [] });
    expect(completed).toEqual({ snapshots: [expect.objectContaining({ snapshotId: snapshotOf(2) })], forget: [runUuid(2)] });
  });

  it('forgets runs that never had a volume, and leaves a run whose volume is not deleted yet', () => {
    const saved = { records: [workRecord(3, { volume: undefined }), workRecord(2, { volume: 'none' }), workRecord(1)], snapshots: [workSnapshot(1, 'completed')] };

    expect(pruneSavedWork(saved, 3)).toEqual({ snapshots: [], forget: [runUuid(2)] });
  });

  it('keeps the record of the newest run whose snapshot went missing, so the next start says so, until a newer snapshot supersedes it', () => {
    const missing = { records: records(1, 2), snapshots: [workSnapshot(1, 'completed')] };
    const superseded = { records: records(1, 2, 3), snapshots: [workSnapshot(1, 'completed'), workSnapshot(3, 'completed')] };

    expect(pruneSavedWork(missing, 3).forget).toEqual([]);
    expect(pruneSavedWork(superseded, 1)).toEqual({ snapshots: [expect.objectContaining({ snapshotId: snapshotOf(1) })], forget: expect.arrayContaining([runUuid(1), runUuid(2)]) });
  });
});

describe('savedWorkCost', () => {
  it('prices the newest snapshot\'s data, and every kept one in full as the upper bound', () => {
    // Prepare: runs 1, 2 and 3 wrote 1, 2 and 3 GiB.
    const saved = { records: records(1, 2, 3), snapshots: [1, 2, 3].map((n) => workSnapshot(n, 'completed')) };

    // Act
    const cost = savedWorkCost(saved, 'eu-west-1');

    // Assess: $0.05 per GB-month.
    expect(cost).toMatchObject({ count: 3, dataGb: 3, sizesFromVolumes: false, approximateRegion: false, newest: { snapshotId: snapshotOf(3) } });
    expect(cost?.usdPerMonth).toBeCloseTo(0.15);
    expect(cost?.upToUsdPerMonth).toBeCloseTo(0.3);
  });

  it('falls back on the volume size and the us-east-1 price, and says so', () => {
    const saved = { records: records(1), snapshots: [workSnapshot(1, 'completed', { fullSizeBytes: undefined })] };

    expect(savedWorkCost(saved, 'sa-east-1')).toMatchObject({ dataGb: 20, usdPerMonth: 1, sizesFromVolumes: true, approximateRegion: true });
  });

  it('counts neither pending nor discarded snapshots', () => {
    const saved = { records: [workRecord(3, { discardedAt: later }), workRecord(2), workRecord(1)], snapshots: [workSnapshot(1, 'pending'), workSnapshot(2, 'completed'), workSnapshot(3, 'completed')] };

    expect(savedWorkCost(saved, 'eu-west-1')).toMatchObject({ count: 1, newest: { snapshotId: snapshotOf(2) } });
    expect(savedWorkCost({ records: records(1), snapshots: [workSnapshot(1, 'pending')] }, 'eu-west-1')).toBeUndefined();
  });
});
