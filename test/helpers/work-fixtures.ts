import type { WorkSnapshot } from '../../shared/snapshots/ebs-snapshots';
import type { WorkRecord } from '../../shared/snapshots/work-records';

/** A stack id of the test deployment (STACK_NAME_PREFIX team-ide-test) for run number `n`. */
export const runStackId = (n: number) => `arn:aws:cloudformation:eu-west-1:123456789012:stack/team-ide-test-ides/${runUuid(n)}`;
export const runUuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
export const volumeOf = (n: number) => `vol-${String(n).padStart(17, '0')}`;
export const snapshotOf = (n: number, attempt = 0) => `snap-${String(n).padStart(16, '0')}${attempt}`;

/** Run `n` started on 28 November at n o'clock and stopped (volume deleted) an hour later, unless told otherwise. */
export function workRecord(n: number, extra: Partial<WorkRecord> = {}): WorkRecord {
  return {
    stackUuid: runUuid(n),
    stackId: runStackId(n),
    runId: `run-${n}`,
    startedAt: new Date(Date.UTC(2026, 10, 28, n)),
    volume: { volumeId: volumeOf(n), deletedAt: new Date(Date.UTC(2026, 10, 28, n + 1)) },
    ...extra,
  };
}

/** The snapshot CloudFormation took of run `n`'s volume when it was deleted. */
export function workSnapshot(n: number, state: string, extra: Partial<WorkSnapshot> = {}): WorkSnapshot {
  return {
    snapshotId: snapshotOf(n),
    volumeId: volumeOf(n),
    state,
    progress: state === 'completed' ? '100%' : '40%',
    startTime: new Date(Date.UTC(2026, 10, 28, n + 1)),
    volumeSizeGb: 20,
    fullSizeBytes: n * 1024 ** 3,
    deployment: 'team-ide-test-ides',
    ...extra,
  };
}
