/**
 * The sandbox's EBS: the data volumes the sandbox's CloudFormation creates and deletes
 * (snapshotting them, as `DeletionPolicy: Snapshot` does), and the EC2 calls the functions
 * make about their snapshots, which the sandbox's one EC2 (./ec2.ts) hands here:
 * DescribeSnapshots, CreateTags and DeleteSnapshot. Everything is kept in memory. It refuses what EC2 refuses (unknown and
 * malformed ids, MaxResults out of range or beside ids, unknown filters, reserved tag keys)
 * and lists what EC2 lists: without `OwnerIds`, every public snapshot of other accounts too.
 * Where the deployment's IAM policies (infra/deploy-resources.yml) narrow a call to this
 * deployment's tagged snapshots, it answers UnauthorizedOperation as IAM would.
 */
import { randomBytes } from 'node:crypto';
import { DEPLOYMENT_TAG } from '../../shared/snapshots/ebs-snapshots';
import type { SandboxAccount } from './account';
import { AwsServiceError, ec2Filters, queryStringList } from './aws-protocols';

export interface SandboxEbsOptions {
  region: string;
  /** Whose snapshots are "self", and the subnets (with their zones) an instance may be in. */
  account: SandboxAccount;
  /** How long a snapshot stays `pending`. */
  snapshotMs: number;
  /** The team stack's name: the value of this deployment's tag on the snapshots it claimed. */
  deployment: string;
  log: (line: string) => void;
  /** The time in ms, for when a snapshot completes; tests pass a clock they move themselves. Default: Date.now. */
  now?: () => number;
}

interface StoredVolume {
  volumeId: string;
  availabilityZone: string;
  sizeGb: number;
  encrypted: boolean;
  /** Bytes written to it so far: what its snapshot's full size will be. */
  writtenBytes: number;
  state: 'in-use' | 'deleted';
}

interface StoredSnapshot {
  snapshotId: string;
  volumeId: string;
  ownerId: string;
  /** Another account's snapshot shared with everyone. */
  public: boolean;
  startTime: Date;
  /** How it ends once no longer pending. */
  outcome: 'completed' | 'error';
  volumeSizeGb: number;
  fullSizeBytes: number;
  encrypted: boolean;
  description: string;
  tags: Map<string, string>;
}

/** What a snapshot looks like to the tests and the sandbox's log. */
export interface SnapshotView {
  snapshotId: string;
  volumeId: string;
  state: string;
  tags: Record<string, string>;
  startTime: Date;
}

/** How the data written by a run is imitated: each run writes this much more. */
const WRITTEN_PER_RUN = 64 * 1024 ** 2;

const hex = (length: number) => randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);

export class SandboxEbs {
  private readonly volumes = new Map<string, StoredVolume>();
  private readonly snapshots = new Map<string, StoredSnapshot>();
  /** Tests set it to make the next snapshots fail: `refused` at CreateSnapshot, `error` once taken. */
  snapshotFailure: 'refused' | 'error' | undefined;

  constructor(private readonly options: SandboxEbsOptions) {
    // Public snapshots anyone may list, as DescribeSnapshots without OwnerIds returns them.
    for (const ownerId of ['099720109477', '137112412989']) {
      const snapshotId = `snap-${hex(17)}`;
      this.snapshots.set(snapshotId, {
        snapshotId,
        volumeId: 'vol-ffffffff',
        ownerId,
        public: true,
        startTime: new Date('2026-01-01T00:00:00Z'),
        outcome: 'completed',
        volumeSizeGb: 8,
        fullSizeBytes: 2 * 1024 ** 3,
        encrypted: false,
        description: 'a public image snapshot of another account',
        tags: new Map(),
      });
    }
  }

  /**
   * CloudFormation creating a data volume with the deployment's service role: returns why it
   * fails, as the stack event would say it, or undefined.
   */
  createVolume(input: { volumeId: string; availabilityZone: string; sizeGb: number; encrypted: boolean; snapshotId?: string }): string | undefined {
    if (!new RegExp(`^${this.options.region}[a-f]$`).test(input.availabilityZone)) {
      return `Invalid availability zone: [${input.availabilityZone}] (Service: Ec2, Status Code: 400, Error Code: InvalidParameterValue)`;
    }
    let writtenBytes = 0;
    if (input.snapshotId) {
      const snapshot = this.snapshots.get(input.snapshotId);
      if (!snapshot || (snapshot.ownerId !== this.options.account.accountId && !snapshot.public)) return `The snapshot '${input.snapshotId}' does not exist. (Service: Ec2, Status Code: 400, Error Code: InvalidSnapshot.NotFound)`;
      // The service role may create volumes only from this deployment's tagged snapshots.
      if (snapshot.tags.get(DEPLOYMENT_TAG) !== this.options.deployment) return 'You are not authorized to perform this operation. (Service: Ec2, Status Code: 403, Error Code: UnauthorizedOperation)';
      const state = this.stateOf(snapshot);
      if (state !== 'completed') return `Snapshot '${input.snapshotId}' is in state '${state}': a volume is created only from a completed snapshot. (Service: Ec2, Status Code: 400, Error Code: IncorrectState)`;
      if (input.sizeGb < snapshot.volumeSizeGb) return `Volume of ${input.sizeGb}GiB is smaller than snapshot '${input.snapshotId}', expect size >= ${snapshot.volumeSizeGb}GiB (Service: Ec2, Status Code: 400, Error Code: InvalidParameterValue)`;
      writtenBytes = snapshot.fullSizeBytes;
    }
    if (!input.encrypted) return 'The service role creates encrypted volumes only: You are not authorized to perform this operation. (Service: Ec2, Status Code: 403, Error Code: UnauthorizedOperation)';
    this.volumes.set(input.volumeId, { volumeId: input.volumeId, availabilityZone: input.availabilityZone, sizeGb: input.sizeGb, encrypted: true, writtenBytes: writtenBytes + WRITTEN_PER_RUN, state: 'in-use' });
    return undefined;
  }

  /** The zone of a subnet of the account (EC2 puts an instance in its subnet's zone). */
  subnetZone(subnetId: string): string | undefined {
    return this.options.account.subnets.find((subnet) => subnet.subnetId === subnetId)?.availabilityZone;
  }

  /** The zone of a volume this sandbox created, for the instance that attaches it. */
  zoneOf(volumeId: string): string | undefined {
    return this.volumes.get(volumeId)?.availabilityZone;
  }

  /**
   * `DeletionPolicy: Snapshot`: CloudFormation takes a snapshot (untagged: it does not copy the
   * volume's tags), then deletes the volume while the snapshot is still pending. Returns why it
   * failed, in which case the volume stays.
   */
  snapshotAndDeleteVolume(volumeId: string): string | undefined {
    const volume = this.volumes.get(volumeId);
    if (!volume || volume.state === 'deleted') return undefined;
    if (this.snapshotFailure === 'refused') return `Snapshot of ${volumeId} failed: the volume is in an error state (Service: Ec2, Status Code: 400, Error Code: IncorrectState)`;
    const snapshotId = `snap-${hex(17)}`;
    this.snapshots.set(snapshotId, {
      snapshotId,
      volumeId,
      ownerId: this.options.account.accountId,
      public: false,
      startTime: new Date(this.now()),
      outcome: this.snapshotFailure === 'error' ? 'error' : 'completed',
      volumeSizeGb: volume.sizeGb,
      fullSizeBytes: volume.writtenBytes,
      encrypted: volume.encrypted,
      description: `Created by CloudFormation for the stack ${this.options.deployment}`,
      tags: new Map(),
    });
    volume.state = 'deleted';
    this.options.log(`${volumeId} snapshotted as ${snapshotId} (completes in ${this.options.snapshotMs} ms) and deleted`);
    return undefined;
  }

  /** A volume deleted without a snapshot (DeletionPolicy Delete). */
  deleteVolume(volumeId: string): void {
    const volume = this.volumes.get(volumeId);
    if (volume) volume.state = 'deleted';
  }

  /** This account's snapshots, oldest first, for tests and the sandbox's checks. */
  list(): SnapshotView[] {
    return [...this.snapshots.values()]
      .filter((snapshot) => snapshot.ownerId === this.options.account.accountId)
      .sort((a, b) => a.startTime.getTime() - b.startTime.getTime())
      .map((snapshot) => ({ snapshotId: snapshot.snapshotId, volumeId: snapshot.volumeId, state: this.stateOf(snapshot), tags: Object.fromEntries(snapshot.tags), startTime: snapshot.startTime }));
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private stateOf(snapshot: StoredSnapshot): 'pending' | 'completed' | 'error' {
    return this.now() - snapshot.startTime.getTime() >= this.options.snapshotMs ? snapshot.outcome : 'pending';
  }

  /** DescribeSnapshots, as the functions' roles may call it. */
  describeSnapshots(form: URLSearchParams): Record<string, unknown> {
    const ids = queryStringList(form, 'SnapshotId', '.');
    const owners = queryStringList(form, 'Owner', '.');
    const maxResults = form.get('MaxResults');
    if (maxResults !== null) {
      if (ids.length > 0) throw new AwsServiceError('InvalidParameterCombination', 'The parameter snapshotIdSet cannot be used with the parameter maxResults');
      if (!/^\d+$/.test(maxResults) || Number(maxResults) < 5 || Number(maxResults) > 1000) {
        throw new AwsServiceError('InvalidParameterValue', `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
      }
    }
    for (const id of ids) {
      if (!/^snap-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id)) throw new AwsServiceError('InvalidParameterValue', `Value (${id}) for parameter snapshotId is invalid. Expected: 'snap-...'.`);
      if (!this.visible(this.snapshots.get(id), [])) throw new AwsServiceError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
    }
    const filters = ec2Filters(form);
    const matches: Record<string, (snapshot: StoredSnapshot) => string[]> = {
      'volume-id': (snapshot) => [snapshot.volumeId],
      'snapshot-id': (snapshot) => [snapshot.snapshotId],
      'owner-id': (snapshot) => [snapshot.ownerId],
      status: (snapshot) => [this.stateOf(snapshot)],
      'tag-key': (snapshot) => [...snapshot.tags.keys()],
    };
    const filterOf = (name: string) => matches[name] ?? (name.startsWith('tag:') ? (snapshot: StoredSnapshot) => [snapshot.tags.get(name.slice(4)) ?? ''].filter(Boolean) : undefined);
    for (const filter of filters) {
      if (!filterOf(filter.name)) throw new AwsServiceError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
      if (filter.values.length > 200) throw new AwsServiceError('FilterLimitExceeded', `The maximum number of filter values specified on a single call is 200`);
    }
    const found = [...this.snapshots.values()]
      .filter((snapshot) => this.visible(snapshot, owners) && (ids.length === 0 || ids.includes(snapshot.snapshotId)))
      .filter((snapshot) => filters.every((filter) => (filterOf(filter.name) as (s: StoredSnapshot) => string[])(snapshot).some((value) => filter.values.includes(value))));
    const start = Number(form.get('NextToken') ?? 0);
    const end = maxResults === null ? found.length : start + Number(maxResults);
    return { snapshotSet: found.slice(start, end).map((snapshot) => this.render(snapshot)), ...(end < found.length ? { nextToken: String(end) } : {}) };
  }

  /** Without OwnerIds, EC2 lists every snapshot the caller may create a volume from: its own, and public ones. */
  private visible(snapshot: StoredSnapshot | undefined, owners: string[]): snapshot is StoredSnapshot {
    if (!snapshot) return false;
    if (owners.length === 0) return snapshot.ownerId === this.options.account.accountId || snapshot.public;
    return owners.some((owner) => (owner === 'self' ? snapshot.ownerId === this.options.account.accountId : owner === snapshot.ownerId && (snapshot.public || owner === this.options.account.accountId)));
  }

  private render(snapshot: StoredSnapshot): Record<string, unknown> {
    const state = this.stateOf(snapshot);
    const elapsed = Math.min(1, (this.now() - snapshot.startTime.getTime()) / Math.max(1, this.options.snapshotMs));
    return {
      snapshotId: snapshot.snapshotId,
      volumeId: snapshot.volumeId,
      status: state,
      ...(state === 'error' ? { statusMessage: 'The sandbox failed this snapshot, as asked' } : {}),
      startTime: snapshot.startTime,
      ...(state === 'completed' ? { completionTime: new Date(snapshot.startTime.getTime() + this.options.snapshotMs) } : {}),
      progress: state === 'pending' ? `${Math.floor(elapsed * 100)}%` : state === 'completed' ? '100%' : '',
      ownerId: snapshot.ownerId,
      description: snapshot.description,
      volumeSize: snapshot.volumeSizeGb,
      fullSnapshotSizeInBytes: snapshot.fullSizeBytes,
      encrypted: snapshot.encrypted,
      ...(snapshot.tags.size > 0 ? { tagSet: [...snapshot.tags].map(([key, value]) => ({ key, value })) } : {}),
    };
  }

  /** CreateTags on snapshots: the functions claim a snapshot with this deployment's tag. */
  createTags(form: URLSearchParams): Record<string, unknown> {
    const resources = queryStringList(form, 'ResourceId', '.');
    const tags = new Map<number, { key?: string; value?: string }>();
    for (const [name, value] of form) {
      const match = /^Tag\.(\d+)\.(Key|Value)$/.exec(name);
      if (!match) continue;
      const tag = tags.get(Number(match[1])) ?? {};
      tags.set(Number(match[1]), { ...tag, [match[2] === 'Key' ? 'key' : 'value']: value });
    }
    if (resources.length === 0) throw new AwsServiceError('MissingParameter', 'The request must contain the parameter resourceIdSet');
    for (const { key } of tags.values()) {
      if (!key) throw new AwsServiceError('InvalidParameterValue', 'Tag keys must not be empty');
      if (key.toLowerCase().startsWith('aws:')) throw new AwsServiceError('InvalidParameterValue', `Tag keys starting with 'aws:' are reserved for internal use`);
    }
    for (const id of resources) {
      const snapshot = this.snapshots.get(id);
      if (!snapshot || snapshot.ownerId !== this.options.account.accountId) throw new AwsServiceError('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
      // The functions may only add this deployment's tag, to a snapshot no other deployment claimed.
      const claimed = snapshot.tags.get(DEPLOYMENT_TAG);
      const claiming = [...tags.values()].find((tag) => tag.key === DEPLOYMENT_TAG)?.value;
      if (claiming !== this.options.deployment || (claimed !== undefined && claimed !== this.options.deployment)) throw unauthorized('ec2:CreateTags');
      if (snapshot.tags.size + tags.size > 50) throw new AwsServiceError('TagLimitExceeded', 'The maximum number of tags per resource is 50');
    }
    for (const id of resources) for (const { key, value } of tags.values()) (this.snapshots.get(id) as StoredSnapshot).tags.set(key as string, value ?? '');
    return { return: true };
  }

  deleteSnapshot(form: URLSearchParams): Record<string, unknown> {
    const snapshotId = required(form, 'SnapshotId');
    const snapshot = this.snapshots.get(snapshotId);
    if (!snapshot || snapshot.ownerId !== this.options.account.accountId) throw new AwsServiceError('InvalidSnapshot.NotFound', `The snapshot '${snapshotId}' does not exist.`);
    if (snapshot.tags.get(DEPLOYMENT_TAG) !== this.options.deployment) throw unauthorized('ec2:DeleteSnapshot');
    // AWS does not document deleting a pending snapshot; team-ide never does, so the sandbox refuses it.
    if (this.stateOf(snapshot) === 'pending') throw new AwsServiceError('IncorrectState', `The snapshot '${snapshotId}' is pending: the sandbox deletes only completed or failed snapshots`);
    this.snapshots.delete(snapshotId);
    this.options.log(`${snapshotId} deleted`);
    return { return: true };
  }
}

function required(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (!value) throw new AwsServiceError('MissingParameter', `The request must contain the parameter ${name}`);
  return value;
}

function unauthorized(action: string): AwsServiceError {
  return new AwsServiceError(
    'UnauthorizedOperation',
    `You are not authorized to perform this operation. The deployment's policies (infra/deploy-resources.yml) allow ${action} only on snapshots this deployment claimed with its ${DEPLOYMENT_TAG} tag.`,
    403,
  );
}
