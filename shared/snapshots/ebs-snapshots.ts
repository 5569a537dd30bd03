import {
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DescribeSubnetsCommand,
  EC2ServiceException,
  type EC2Client,
  paginateDescribeSnapshots,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { WorkError } from '../core/errors';

/**
 * The EC2 calls behind saved work: finding the snapshots of this deployment's volumes,
 * claiming them with this deployment's tag (which the IAM policies require before a
 * snapshot is restored or deleted), deleting them, and finding the subnet's zone.
 */

/** The tag that marks a snapshot as this deployment's: its value is the team stack's name. */
export const DEPLOYMENT_TAG = 'team-ide:deployment';
/** Which run's homes a snapshot holds. */
export const RUN_TAG = 'team-ide:run-id';

/** A snapshot of a data volume, as the functions use it. */
export interface WorkSnapshot {
  snapshotId: string;
  volumeId: string;
  state: 'pending' | 'completed' | 'error' | 'recoverable' | 'recovering' | string;
  /** `42%`, as EC2 reports it. */
  progress: string;
  startTime: Date;
  /** GiB of the volume it was taken from: a volume made from it is at least this big. */
  volumeSizeGb: number;
  /** Bytes written to the volume when the snapshot was taken, when EC2 says. */
  fullSizeBytes?: number;
  /** Why a snapshot is in `error`, when EC2 says. */
  stateMessage?: string;
  /** This deployment's tag, when the snapshot was claimed. */
  deployment?: string;
}

/**
 * The snapshots of these volumes that this account owns, oldest first. `OwnerIds: ['self']`
 * is not optional: without it DescribeSnapshots also lists every public snapshot that
 * anyone shares, and a filter on their volume ids could match a stranger's. EC2 pages the
 * answer (MaxResults 5 to 1000, never beside SnapshotIds).
 */
export async function describeVolumeSnapshots(ec2: EC2Client, volumeIds: readonly string[]): Promise<WorkSnapshot[]> {
  const snapshots: WorkSnapshot[] = [];
  // A filter takes at most 200 values.
  for (let start = 0; start < volumeIds.length; start += 200) {
    const filter = { Name: 'volume-id', Values: volumeIds.slice(start, start + 200) };
    try {
      for await (const page of paginateDescribeSnapshots({ client: ec2, pageSize: 100 }, { OwnerIds: ['self'], Filters: [filter] })) {
        snapshots.push(...(page.Snapshots ?? []).flatMap(toWorkSnapshot));
      }
    } catch (error) {
      throw toWorkError(error, 'look up the snapshots of saved work');
    }
  }
  return snapshots.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

function toWorkSnapshot(snapshot: Snapshot): WorkSnapshot[] {
  if (!snapshot.SnapshotId || !snapshot.VolumeId || !snapshot.StartTime) return [];
  const deployment = snapshot.Tags?.find((tag) => tag.Key === DEPLOYMENT_TAG)?.Value;
  return [
    {
      snapshotId: snapshot.SnapshotId,
      volumeId: snapshot.VolumeId,
      state: snapshot.State ?? 'pending',
      progress: snapshot.Progress ?? '',
      startTime: snapshot.StartTime,
      volumeSizeGb: snapshot.VolumeSize ?? 0,
      ...(snapshot.FullSnapshotSizeInBytes !== undefined ? { fullSizeBytes: snapshot.FullSnapshotSizeInBytes } : {}),
      ...(snapshot.StateMessage ? { stateMessage: snapshot.StateMessage } : {}),
      ...(deployment ? { deployment } : {}),
    },
  ];
}

/**
 * Tags the snapshot as this deployment's. Snapshots from `DeletionPolicy: Snapshot` come
 * untagged; the service role restores, and the functions delete, only tagged ones.
 */
export async function claimSnapshot(ec2: EC2Client, snapshot: WorkSnapshot, deployment: string, runId: string): Promise<void> {
  try {
    await ec2.send(
      new CreateTagsCommand({
        Resources: [snapshot.snapshotId],
        Tags: [
          { Key: DEPLOYMENT_TAG, Value: deployment },
          { Key: RUN_TAG, Value: runId },
        ],
      }),
    );
  } catch (error) {
    throw toWorkError(error, `tag the snapshot ${snapshot.snapshotId} as this deployment's`);
  }
}

/** Deletes a snapshot; one already gone is fine. */
export async function deleteSnapshot(ec2: EC2Client, snapshotId: string): Promise<void> {
  try {
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
  } catch (error) {
    if (error instanceof EC2ServiceException && error.name === 'InvalidSnapshot.NotFound') return;
    throw toWorkError(error, `delete the snapshot ${snapshotId}`);
  }
}

/** The availability zone of the host's subnet, where its data volume must be created. */
export async function subnetZone(ec2: EC2Client, subnetId: string): Promise<string> {
  try {
    const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }));
    const zone = Subnets?.[0]?.AvailabilityZone;
    if (!zone) throw new WorkError(`EC2 did not say which availability zone the subnet ${subnetId} (SUBNET_ID) is in. Whoever deployed team-ide should check SUBNET_ID.`);
    return zone;
  } catch (error) {
    if (error instanceof EC2ServiceException && /^InvalidSubnetID\./.test(error.name)) {
      throw new WorkError(`The subnet ${subnetId} (SUBNET_ID) does not exist in this region, so no host can start there. Whoever deployed team-ide should set SUBNET_ID to a public subnet of VPC_ID and redeploy.`, { cause: error });
    }
    throw toWorkError(error, `look up the subnet ${subnetId}`);
  }
}

/** An EC2 refusal the lead can act on becomes a `WorkError`; faults on AWS's side stay as they are. */
function toWorkError(error: unknown, attempted: string): unknown {
  if (!(error instanceof EC2ServiceException) || error.$fault !== 'client') return error;
  const advice = error.name === 'UnauthorizedOperation'
    ? 'A role of team-ide lacks an EC2 permission: whoever deployed team-ide should redeploy it or check the role.'
    : /Throttl|RequestLimitExceeded/.test(error.name)
      ? 'AWS is busy; try again in a minute.'
      : 'Whoever deployed team-ide can look it up in CloudTrail.';
  return new WorkError(`AWS would not ${attempted}: ${error.name}: ${error.message}. ${advice}`, { cause: error });
}
