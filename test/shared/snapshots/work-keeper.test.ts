import { CloudFormationClient, CloudFormationServiceException, DescribeStackResourceCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateTagsCommand, DeleteSnapshotCommand, DescribeSnapshotsCommand, DescribeSubnetsCommand, EC2Client, EC2ServiceException, type Snapshot } from '@aws-sdk/client-ec2';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/core/config';
import { WorkError } from '../../../shared/core/errors';
import { prepareDataVolume, readSavedWork, settleStoppedWork, type WorkDeps } from '../../../shared/snapshots/work-keeper';
import { readWorkRecords, recordRun } from '../../../shared/snapshots/work-records';
import { validEnv } from '../../fixtures';
import { fakeParameterStore, recordingLogger } from '../../helpers/run-fixtures';
import { runStackId, runUuid, snapshotOf, volumeOf } from '../../helpers/work-fixtures';

const cloudFormation = mockClient(CloudFormationClient);
const ssm = mockClient(SSMClient);
const ec2 = mockClient(EC2Client);
const config = loadConfig(validEnv({ SNAPSHOTS_KEPT: '2', DATA_VOLUME_GB: '20' }));
const work = (n: number, fact: string) => `/team-ide-test/work/${runUuid(n)}/${fact}`;
const hour = (n: number) => new Date(Date.UTC(2026, 10, 28, n));

/** The facts of run `n`, stopped: started at n o'clock, volume deleted an hour later. */
function stoppedRun(n: number, prefix = 'team-ide-test'): Record<string, string> {
  const base = `/${prefix}/work/${runUuid(n)}`;
  return {
    [`${base}/run`]: JSON.stringify({ stackId: runStackId(n).replace('team-ide-test-ides', `${prefix}-ides`), runId: `run-${n}`, startedAt: hour(n).toISOString() }),
    [`${base}/volume`]: JSON.stringify({ volumeId: volumeOf(n), deletedAt: hour(n + 1).toISOString() }),
  };
}

/** A snapshot as DescribeSnapshots returns it. */
function snapshot(n: number, state: string, tags: Record<string, string> = { 'team-ide:deployment': 'team-ide-test-ides' }): Snapshot {
  return {
    SnapshotId: snapshotOf(n),
    VolumeId: volumeOf(n),
    State: state as Snapshot['State'],
    Progress: state === 'pending' ? '40%' : '100%',
    StartTime: hour(n + 1),
    VolumeSize: 30,
    FullSnapshotSizeInBytes: n * 1024 ** 3,
    OwnerId: '123456789012',
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

function setup(options: { facts?: Record<string, string>; now?: Date } = {}) {
  const clock = { now: options.now ?? new Date(Date.UTC(2026, 10, 29, 9)) };
  const slept: number[] = [];
  const store = fakeParameterStore(ssm, options.facts);
  const deps: WorkDeps = {
    config,
    logger: recordingLogger(),
    cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
    ssm: new SSMClient({ region: 'eu-west-1' }),
    ec2: new EC2Client({ region: 'eu-west-1' }),
    now: () => clock.now,
    sleep: async (ms) => {
      slept.push(ms);
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
  return { deps, store, clock, slept };
}

describe('saved work', () => {
  beforeEach(() => {
    cloudFormation.reset();
    ssm.reset();
    ec2.reset();
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: 'subnet-0123456789abcdef0', AvailabilityZone: 'eu-west-1b' }] });
  });

  describe('readSavedWork', () => {
    it('asks EC2 for this account\'s snapshots only (OwnerIds self), by the recorded volume ids, across pages', async () => {
      // Prepare: two stopped runs; EC2 answers in two pages.
      ec2
        .on(DescribeSnapshotsCommand, { NextToken: undefined })
        .resolves({ Snapshots: [snapshot(1, 'completed')], NextToken: 'page-2' })
        .on(DescribeSnapshotsCommand, { NextToken: 'page-2' })
        .resolves({ Snapshots: [snapshot(2, 'pending')] });
      const { deps } = setup({ facts: { ...stoppedRun(1), ...stoppedRun(2) } });

      // Act
      const saved = await readSavedWork(deps);

      // Assess: without OwnerIds, EC2 would list every public snapshot too.
      expect(saved.snapshots.map((found) => [found.snapshotId, found.state])).toEqual([[snapshotOf(1), 'completed'], [snapshotOf(2), 'pending']]);
      expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 2);
      expect(ec2).toHaveReceivedNthCommandWith(DescribeSnapshotsCommand, 1, { OwnerIds: ['self'], Filters: [{ Name: 'volume-id', Values: expect.arrayContaining([volumeOf(1), volumeOf(2)]) }], MaxResults: 100 });
    });

    it('reads no record of another stage, and leaves alone a snapshot another deployment claimed', async () => {
      // Prepare: prod's run 3 is recorded under its own prefix; a snapshot of run 1's volume carries prod's tag.
      ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot(1, 'completed', { 'team-ide:deployment': 'team-ide-prod-ides' })] });
      const { deps } = setup({ facts: { ...stoppedRun(1), ...stoppedRun(3, 'team-ide-prod') } });

      // Act
      const saved = await readSavedWork(deps);

      // Assess
      expect(saved.records.map((record) => record.runId)).toEqual(['run-1']);
      expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { Filters: [{ Name: 'volume-id', Values: [volumeOf(1)] }] });
      expect(saved.snapshots).toEqual([]);
      expect(ec2).not.toHaveReceivedCommand(CreateTagsCommand);
    });

    it('claims an untagged snapshot (DeletionPolicy snapshots carry no tags) with this deployment\'s tag and the run id', async () => {
      ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot(1, 'completed', {})] });
      ec2.on(CreateTagsCommand).resolves({});
      const { deps } = setup({ facts: stoppedRun(1) });

      const saved = await readSavedWork(deps);

      expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, {
        Resources: [snapshotOf(1)],
        Tags: [
          { Key: 'team-ide:deployment', Value: 'team-ide-test-ides' },
          { Key: 'team-ide:run-id', Value: 'run-1' },
        ],
      });
      expect(saved.snapshots[0]?.deployment).toBe('team-ide-test-ides');
    });

    it('finds the volume of a run whose events were lost in the deleted stack, and records it', async () => {
      // Prepare: run 4 has only its `run` fact; CloudFormation still knows its deleted stack.
      const { deps, store } = setup({ facts: { [work(4, 'run')]: JSON.parse(JSON.stringify(stoppedRun(4)[work(4, 'run')])) } });
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'team-ide-test-ides', StackId: runStackId(4), StackStatus: 'DELETE_COMPLETE', CreationTime: hour(4) }] });
      cloudFormation.on(DescribeStackResourceCommand).resolves({
        StackResourceDetail: { LogicalResourceId: 'DataVolume', PhysicalResourceId: volumeOf(4), ResourceType: 'AWS::EC2::Volume', ResourceStatus: 'DELETE_COMPLETE', LastUpdatedTimestamp: hour(5) },
      });
      ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot(4, 'completed')] });

      // Act
      const saved = await readSavedWork(deps);

      // Assess
      expect(cloudFormation).toHaveReceivedCommandWith(DescribeStackResourceCommand, { StackName: runStackId(4), LogicalResourceId: 'DataVolume' });
      expect(JSON.parse(store.get(work(4, 'volume')) ?? '{}')).toEqual({ volumeId: volumeOf(4), deletedAt: hour(5).toISOString() });
      expect(saved.snapshots.map((found) => found.snapshotId)).toEqual([snapshotOf(4)]);
    });

    it('leaves the volume of a run whose stack is still there unknown, to look again later', async () => {
      const { deps, store } = setup({ facts: { [work(4, 'run')]: stoppedRun(4)[work(4, 'run')] as string } });
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'team-ide-test-ides', StackId: runStackId(4), StackStatus: 'CREATE_IN_PROGRESS', CreationTime: hour(4) }] });

      const saved = await readSavedWork(deps);

      expect(saved.records[0]?.volume).toBeUndefined();
      expect(store.has(work(4, 'volume'))).toBe(false);
      expect(cloudFormation).not.toHaveReceivedCommand(DescribeStackResourceCommand);
      expect(ec2).not.toHaveReceivedCommand(DescribeSnapshotsCommand);
    });
  });

  describe('prepareDataVolume', () => {
    it('restores the newest completed snapshot in the subnet\'s zone, at least as big as the snapshot', async () => {
      ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot(1, 'completed'), snapshot(2, 'completed')] });
      const { deps } = setup({ facts: { ...stoppedRun(1), ...stoppedRun(2) } });

      const prepared = await prepareDataVolume(deps, { fresh: false, deadline: Infinity, announce: async () => {} });

      expect(prepared.plan).toEqual({ keep: true, availabilityZone: 'eu-west-1b', snapshotId: snapshotOf(2), sizeGb: 30 });
      expect(prepared.origin).toEqual({ kind: 'restored', snapshotId: snapshotOf(2), savedAt: hour(3).toISOString() });
    });

    it('makes a blank volume when nothing was saved yet', async () => {
      const { deps } = setup();

      const prepared = await prepareDataVolume(deps, { fresh: false, deadline: Infinity, announce: async () => {} });

      expect(prepared.plan).toEqual({ keep: true, availabilityZone: 'eu-west-1b', snapshotId: '', sizeGb: 20 });
      expect(prepared.origin).toEqual({ kind: 'blank' });
    });

    it('waits for a pending snapshot, says so once, and restores it once completed', async () => {
      // Prepare: pending twice, then completed.
      ec2
        .on(DescribeSnapshotsCommand)
        .resolvesOnce({ Snapshots: [snapshot(1, 'completed'), snapshot(2, 'pending')] })
        .resolvesOnce({ Snapshots: [snapshot(1, 'completed'), snapshot(2, 'pending')] })
        .resolves({ Snapshots: [snapshot(1, 'completed'), snapshot(2, 'completed')] });
      const { deps, slept } = setup({ facts: { ...stoppedRun(1), ...stoppedRun(2) } });
      const announced: unknown[] = [];

      // Act
      const prepared = await prepareDataVolume(deps, { fresh: false, deadline: Infinity, announce: async (pending) => void announced.push(pending) });

      // Assess: never the older, completed snapshot 1.
      expect(prepared.plan.snapshotId).toBe(snapshotOf(2));
      expect(announced).toEqual([expect.objectContaining({ kind: 'pending', snapshot: expect.objectContaining({ snapshotId: snapshotOf(2), progress: '40%' }) })]);
      expect(slept).toEqual([2_000, 4_000]);
    });

    it('gives up at the deadline with a message that says what to do', async () => {
      ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot(1, 'completed'), snapshot(2, 'pending')] });
      const { deps, clock } = setup({ facts: { ...stoppedRun(1), ...stoppedRun(2) } });

      const preparing = prepareDataVolume(deps, { fresh: false, deadline: clock.now.getTime() + 60_000, announce: async () => {} });

      await expect(preparing).rejects.toThrow(WorkError);
      await expect(preparing).rejects.toThrow(/still being saved after 1 min .*40% done.*Try `\/ide start` again in a few minutes\. `\/ide start --fresh` starts with empty homes/);
    });

    it('refuses to start when the newest snapshot failed, offering --fresh, rather than restoring an older one', async () => {
      ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot(1, 'completed'), { ...snapshot(2, 'error'), StateMessage: 'internal error' }] });
      const { deps } = setup({ facts: { ...stoppedRun(1), ...stoppedRun(2) } });

      const preparing = prepareDataVolume(deps, { fresh: false, deadline: Infinity, announce: async () => {} });

      await expect(preparing).rejects.toThrow(/cannot restore the developers' homes: .*its snapshot snap-\w+ is in state error: internal error.*`\/ide start --fresh`/);
    });

    it('with --fresh, makes a blank volume without looking at the snapshots', async () => {
      const { deps } = setup({ facts: stoppedRun(1) });

      const prepared = await prepareDataVolume(deps, { fresh: true, deadline: Infinity, announce: async () => {} });

      expect(prepared).toEqual({ plan: { keep: true, availabilityZone: 'eu-west-1b', snapshotId: '', sizeGb: 20 }, origin: { kind: 'fresh' } });
      expect(ec2).not.toHaveReceivedCommand(DescribeSnapshotsCommand);
    });

    it('says SUBNET_ID is wrong when EC2 does not know the subnet', async () => {
      ec2.on(DescribeSubnetsCommand).rejects(new EC2ServiceException({ name: 'InvalidSubnetID.NotFound', message: "The subnet ID 'subnet-0123456789abcdef0' does not exist", $fault: 'client', $metadata: {} }));
      const { deps } = setup();

      await expect(prepareDataVolume(deps, { fresh: false, deadline: Infinity, announce: async () => {} })).rejects.toThrow(/subnet-0123456789abcdef0 \(SUBNET_ID\) does not exist in this region/);
    });
  });

  describe('settleStoppedWork', () => {
    const stopped = (n: number, used = true) => ({ stackId: runStackId(n), runId: `run-${n}`, startedAt: hour(n), used, deadline: Infinity });

    /** CloudFormation's answers for run `n`, deleted. */
    function deletedStack(n: number): void {
      cloudFormation.on(DescribeStacksCommand, { StackName: runStackId(n) }).resolves({ Stacks: [{ StackName: 'team-ide-test-ides', StackId: runStackId(n), StackStatus: 'DELETE_COMPLETE', CreationTime: hour(n) }] });
      cloudFormation.on(DescribeStackResourceCommand, { StackName: runStackId(n) }).resolves({
        StackResourceDetail: { LogicalResourceId: 'DataVolume', PhysicalResourceId: volumeOf(n), ResourceType: 'AWS::EC2::Volume', ResourceStatus: 'DELETE_COMPLETE', LastUpdatedTimestamp: hour(n + 1) },
      });
    }

    it('waits for the snapshot, then deletes the snapshots beyond SNAPSHOTS_KEPT (2): the oldest goes once the new one completed', async () => {
      // Prepare: runs 1 and 2 are kept; run 3 just stopped, its snapshot pending at first.
      deletedStack(3);
      ec2
        .on(DescribeSnapshotsCommand)
        .resolvesOnce({ Snapshots: [snapshot(1, 'completed'), snapshot(2, 'completed'), snapshot(3, 'pending', {})] })
        .resolves({ Snapshots: [snapshot(1, 'completed'), snapshot(2, 'completed'), snapshot(3, 'completed', {})] });
      ec2.on(CreateTagsCommand).resolves({});
      ec2.on(DeleteSnapshotCommand).resolves({});
      const { deps, store } = setup({ facts: { ...stoppedRun(1), ...stoppedRun(2) } });

      // Act
      const outcome = await settleStoppedWork(deps, stopped(3));

      // Assess
      expect(outcome).toMatchObject({ kind: 'saved', snapshot: { snapshotId: snapshotOf(3), state: 'completed' } });
      expect(ec2).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 1);
      expect(ec2).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: snapshotOf(1) });
      expect(store.has(work(1, 'run'))).toBe(false);
      expect(store.has(work(3, 'run'))).toBe(true);
    });

    it('reports "being saved" when the snapshot is still pending at its deadline, and deletes nothing', async () => {
      deletedStack(3);
      ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot(1, 'completed'), snapshot(2, 'completed'), snapshot(3, 'pending')] });
      const { deps, clock } = setup({ facts: { ...stoppedRun(1), ...stoppedRun(2) } });

      const outcome = await settleStoppedWork(deps, { ...stopped(3), deadline: clock.now.getTime() + 10_000 });

      expect(outcome).toMatchObject({ kind: 'saving', snapshot: { snapshotId: snapshotOf(3), progress: '40%' } });
      expect(ec2).not.toHaveReceivedCommand(DeleteSnapshotCommand);
    });

    it('deletes the snapshot of a run nobody used (it failed or was stopped while starting), keeping the work it came from', async () => {
      deletedStack(3);
      ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot(2, 'completed'), snapshot(3, 'completed')] });
      ec2.on(DeleteSnapshotCommand).resolves({});
      const { deps, store } = setup({ facts: stoppedRun(2) });

      const outcome = await settleStoppedWork(deps, stopped(3, false));

      expect(outcome).toEqual({ kind: 'discarded', asked: false });
      expect(ec2).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: snapshotOf(3) });
      expect(ec2).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 1);
      expect(store.has(work(3, 'run'))).toBe(false);
    });

    it('deletes the snapshot of a run whose work the lead discarded', async () => {
      deletedStack(3);
      ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot(3, 'completed')] });
      ec2.on(DeleteSnapshotCommand).resolves({});
      const { deps } = setup({ facts: { [work(3, 'discard')]: hour(4).toISOString() } });

      const outcome = await settleStoppedWork(deps, stopped(3));

      expect(outcome).toEqual({ kind: 'discarded', asked: true });
      expect(ec2).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: snapshotOf(3) });
    });

    it('says nothing about work for a run that never had a volume', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'team-ide-test-ides', StackId: runStackId(3), StackStatus: 'DELETE_COMPLETE', CreationTime: hour(3) }] });
      cloudFormation.on(DescribeStackResourceCommand).rejects(new CloudFormationServiceException({ name: 'ValidationError', message: 'Resource DataVolume does not exist for stack team-ide-test-ides', $fault: 'client', $metadata: {} }));
      const { deps } = setup();

      expect(await settleStoppedWork(deps, stopped(3))).toEqual({ kind: 'none' });
    });
  });

  describe('work records', () => {
    it('records a run once, and reads records across short and empty pages', async () => {
      // Prepare: SSM answers an empty page with a NextToken first, as DESIGN.md warns it may.
      const { deps, store } = setup();
      await recordRun(deps.ssm, 'team-ide-test', { stackId: runStackId(1), runId: 'run-1', startedAt: hour(1) });
      await recordRun(deps.ssm, 'team-ide-test', { stackId: runStackId(1), runId: 'run-1', startedAt: hour(2) });
      const recorded = store.get(work(1, 'run'));
      ssm.on(GetParametersByPathCommand, { NextToken: undefined }).resolves({ Parameters: [], NextToken: 'next' });
      ssm.on(GetParametersByPathCommand, { NextToken: 'next' }).resolves({ Parameters: Object.entries(stoppedRun(1)).map(([Name, Value]) => ({ Name, Value })) });

      // Act
      const records = await readWorkRecords(deps.ssm, 'team-ide-test');

      // Assess: the first record stands.
      expect(JSON.parse(recorded ?? '{}')).toEqual({ stackId: runStackId(1), runId: 'run-1', startedAt: hour(1).toISOString() });
      expect(records).toEqual([expect.objectContaining({ runId: 'run-1', startedAt: hour(1), volume: { volumeId: volumeOf(1), deletedAt: hour(2) } })]);
    });
  });
});
