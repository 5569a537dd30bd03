import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CreateTagsCommand, DeleteSnapshotCommand, DescribeSnapshotsCommand, type DescribeSnapshotsCommandInput, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { teamTemplateBody } from '../../infra/team-template';
import type { SandboxBackend } from '../../sandbox/backend/server';
import { loadConfig } from '../../shared/core/config';
import { claimSnapshot, describeVolumeSnapshots } from '../../shared/snapshots/ebs-snapshots';
import { createTeamStack, deleteTeamStack, describeRunStack, describeStackResource, findFirstFailedResource } from '../../shared/stack/stack-gateway';
import { type DataVolumePlan, teamStackParameters } from '../../shared/stack/team-stack';
import { shareHost } from '../../shared/team/host-shares';
import { seatsFor, validEnv } from '../fixtures';
import { waitFor } from '../helpers/local-servers';
import { credentials, startTestBackend } from '../helpers/sandbox-backend';

const STACK_NAME = 'team-ide-test-ides';
const config = loadConfig(validEnv());
const SNAPSHOT_MS = 150;
/** The snapshots' clock: moved by the tests, so "still pending" and "completed" do not depend on how busy the machine is. */
let clock = Date.parse('2026-06-01T08:00:00Z');
const snapshotTimePasses = () => {
  clock += SNAPSHOT_MS;
};

// The sandbox's EC2 and the data volume's life in its CloudFormation, through the real SDK
// clients: it must refuse what EC2 (and the deployment's IAM policies) refuse.
describe('the sandbox\'s EBS', () => {
  let backend: SandboxBackend;
  let cloudFormation: CloudFormationClient;
  let ec2: EC2Client;

  beforeEach(async () => {
    backend = await startTestBackend({ stackDelayMs: 20, snapshotMs: SNAPSHOT_MS, snapshotClock: () => clock, deployment: STACK_NAME });
    cloudFormation = new CloudFormationClient({ region: 'eu-west-1', endpoint: backend.url, credentials });
    ec2 = new EC2Client({ region: 'eu-west-1', endpoint: backend.url, credentials });
  });

  afterEach(() => backend.close());

  const volume = (overrides: Partial<DataVolumePlan> = {}): DataVolumePlan => ({ keep: true, availabilityZone: 'eu-west-1a', snapshotId: '', sizeGb: 20, ...overrides });
  const createRun = (token: string, dataVolume: DataVolumePlan) =>
    createTeamStack(cloudFormation, {
      stackName: STACK_NAME,
      templateBody: teamTemplateBody,
      parameters: teamStackParameters(config.team, { runId: token, seats: seatsFor([1]), instanceType: 't3.large', share: shareHost('t3.large', 1)!, dataVolume, previews: false }),
      tags: [{ Key: 'team-ide:run-id', Value: token }],
      clientRequestToken: token,
      serviceRoleArn: '',
    });
  const settled = (stackId: string, status: RegExp) =>
    waitFor(`a status like ${status}`, async () => {
      const found = (await describeRunStack(cloudFormation, stackId))?.status;
      return found && status.test(found) ? found : undefined;
    }, 5_000, 10);

  /** Creates and deletes a run with a blank volume; returns its stack id and volume id. */
  async function stoppedRun(token = 'run-1'): Promise<{ stackId: string; volumeId: string }> {
    const stackId = await createRun(token, volume());
    await settled(stackId, /^CREATE_COMPLETE$/);
    await deleteTeamStack(cloudFormation, stackId);
    await settled(stackId, /^DELETE_COMPLETE$/);
    const resource = await describeStackResource(cloudFormation, stackId, 'DataVolume');
    return { stackId, volumeId: resource?.physicalId ?? '' };
  }

  describe('DescribeSnapshots, as EC2 answers it', () => {
    it('refuses MaxResults under 5, MaxResults beside snapshot ids, an unknown filter and a malformed id', async () => {
      const refusal = (input: DescribeSnapshotsCommandInput) => ec2.send(new DescribeSnapshotsCommand(input)).then(() => 'accepted', (error: Error) => `${error.name}: ${error.message}`);

      expect(await refusal({ OwnerIds: ['self'], MaxResults: 4 })).toMatch(/^InvalidParameterValue: Value \( 4 \) for parameter maxResults is invalid/);
      expect(await refusal({ SnapshotIds: ['snap-0123456789abcdef0'], MaxResults: 5 })).toMatch(/^InvalidParameterCombination/);
      expect(await refusal({ OwnerIds: ['self'], Filters: [{ Name: 'volume', Values: ['vol-1'] }] })).toBe("InvalidParameterValue: The filter 'volume' is invalid");
      expect(await refusal({ SnapshotIds: ['snapshot-1'] })).toMatch(/^InvalidParameterValue/);
      expect(await refusal({ SnapshotIds: ['snap-0123456789abcdef0'] })).toBe("InvalidSnapshot.NotFound: The snapshot 'snap-0123456789abcdef0' does not exist.");
    });

    it('lists other accounts\' public snapshots without OwnerIds, and only this account\'s with OwnerIds self', async () => {
      const { volumeId } = await stoppedRun();

      const everyone = await ec2.send(new DescribeSnapshotsCommand({}));
      const own = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));

      expect(new Set(everyone.Snapshots?.map((snapshot) => snapshot.OwnerId))).toEqual(new Set(['000000000000', '099720109477', '137112412989']));
      expect(own.Snapshots?.map((snapshot) => [snapshot.OwnerId, snapshot.VolumeId])).toEqual([['000000000000', volumeId]]);
    });

    it('pages by MaxResults with a NextToken', async () => {
      // Prepare: 4 snapshots of this account and the 2 public ones.
      for (const token of ['run-1', 'run-2', 'run-3', 'run-4']) await stoppedRun(token);

      // Act
      const first = await ec2.send(new DescribeSnapshotsCommand({ MaxResults: 5 }));
      const second = await ec2.send(new DescribeSnapshotsCommand({ MaxResults: 5, NextToken: first.NextToken }));

      // Assess
      expect(first.Snapshots).toHaveLength(5);
      expect(first.NextToken).toEqual(expect.any(String));
      expect(second.Snapshots).toHaveLength(1);
      expect(second.NextToken).toBeUndefined();
    });
  });

  describe('a data volume through the stack', () => {
    it('is snapshotted untagged when the stack is deleted, pending first, and found by its volume id in the deleted stack', async () => {
      // Act
      const { stackId, volumeId } = await stoppedRun();
      const [justTaken] = await describeVolumeSnapshots(ec2, [volumeId]);
      snapshotTimePasses();
      const [later] = await describeVolumeSnapshots(ec2, [volumeId]);

      // Assess
      expect(volumeId).toMatch(/^vol-[0-9a-f]{17}$/);
      expect(await describeStackResource(cloudFormation, stackId, 'DataVolume')).toMatchObject({ physicalId: volumeId, status: 'DELETE_COMPLETE' });
      expect(justTaken).toMatchObject({ volumeId, state: 'pending', volumeSizeGb: 20 });
      expect(justTaken?.deployment).toBeUndefined();
      expect(later).toMatchObject({ snapshotId: justTaken?.snapshotId, state: 'completed', progress: '100%' });
    });

    it('refuses to delete or restore a snapshot this deployment has not claimed, as its IAM policies do, and allows both once claimed', async () => {
      // Prepare
      const { volumeId } = await stoppedRun();
      snapshotTimePasses();
      const [snapshot] = await describeVolumeSnapshots(ec2, [volumeId]);
      const snapshotId = snapshot?.snapshotId as string;

      // Act
      const deleteUnclaimed = await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })).catch((error: Error) => error.name);
      const restoreUnclaimed = await createRun('run-2', volume({ snapshotId }));
      await settled(restoreUnclaimed, /^ROLLBACK_COMPLETE$/);
      const failure = await findFirstFailedResource(cloudFormation, restoreUnclaimed);
      await deleteTeamStack(cloudFormation, restoreUnclaimed);
      await settled(restoreUnclaimed, /^DELETE_COMPLETE$/);
      const claimByAnother = await ec2.send(new CreateTagsCommand({ Resources: [snapshotId], Tags: [{ Key: 'team-ide:deployment', Value: 'team-ide-prod-ides' }] })).catch((error: Error) => error.name);
      await claimSnapshot(ec2, snapshot!, STACK_NAME, 'run-1');
      const restored = await createRun('run-3', volume({ snapshotId }));
      await settled(restored, /^CREATE_COMPLETE$/);

      // Assess
      expect(deleteUnclaimed).toBe('UnauthorizedOperation');
      expect(failure).toMatchObject({ logicalId: 'DataVolume', reason: expect.stringContaining('UnauthorizedOperation') });
      expect(claimByAnother).toBe('UnauthorizedOperation');
      await expect(ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }))).resolves.toBeDefined();
    });

    it('refuses CreateTags with a reserved aws: key or past 50 tags a snapshot, as EC2 does', async () => {
      const { volumeId } = await stoppedRun();
      const [snapshot] = await describeVolumeSnapshots(ec2, [volumeId]);
      const claim = { Key: 'team-ide:deployment', Value: STACK_NAME };
      const tag = (Tags: { Key: string; Value: string }[]) => ec2.send(new CreateTagsCommand({ Resources: [snapshot?.snapshotId ?? ''], Tags })).then(() => 'accepted', (error: Error) => `${error.name}: ${error.message}`);

      expect(await tag([claim, { Key: 'aws:owner', Value: 'x' }])).toMatch(/^InvalidParameterValue: Tag keys starting with 'aws:' are reserved/);
      expect(await tag([claim, ...Array.from({ length: 50 }, (_unused, index) => ({ Key: `k${index}`, Value: 'v' }))])).toMatch(/^TagLimitExceeded/);
    });

    it('fails the instance when the volume is not in its subnet\'s zone', async () => {
      const elsewhere = await createRun('run-1', volume({ availabilityZone: 'eu-west-1b' }));
      await settled(elsewhere, /^ROLLBACK_COMPLETE$/);

      const failure = await findFirstFailedResource(cloudFormation, elsewhere);

      expect(failure).toMatchObject({ logicalId: 'Instance', reason: expect.stringMatching(/^Volume 'vol-\w+' is not in the same availability zone as instance/) });
    });

    it('fails the stack\'s deletion when the snapshot cannot be taken, keeping the volume, and deletes it when tried again', async () => {
      // Prepare
      const stackId = await createRun('run-1', volume());
      await settled(stackId, /^CREATE_COMPLETE$/);
      backend.ebs.snapshotFailure = 'refused';

      // Act
      await deleteTeamStack(cloudFormation, stackId);
      await settled(stackId, /^DELETE_FAILED$/);
      const failure = await findFirstFailedResource(cloudFormation, stackId);
      backend.ebs.snapshotFailure = undefined;
      await deleteTeamStack(cloudFormation, stackId);
      await settled(stackId, /^DELETE_COMPLETE$/);

      // Assess
      expect(failure).toMatchObject({ logicalId: 'DataVolume', status: 'DELETE_FAILED', physicalId: expect.stringMatching(/^vol-/) });
      expect(backend.ebs.list()).toEqual([expect.objectContaining({ volumeId: failure?.physicalId })]);
    });
  });

  it('answers DescribeSubnets with the subnet\'s zone, and InvalidSubnetID.NotFound for another', async () => {
    const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [config.team.subnetId] }));

    expect(Subnets?.[0]?.AvailabilityZone).toBe('eu-west-1a');
    await expect(ec2.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-0fedcba9876543210'] }))).rejects.toThrow("The subnet ID 'subnet-0fedcba9876543210' does not exist");
  });
});
