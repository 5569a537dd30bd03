import type { Parameter, Tag } from '@aws-sdk/client-cloudformation';
import type { TeamStackSettings } from '../core/config';
import type { IdeShare } from '../team/host-shares';
import type { InstanceType } from '../core/instance-types';

/**
 * The contract between the launcher, the team template and the stack-events / notifier
 * functions: the stack's name, the tags that carry a run's ids (never a secret), and
 * the output keys.
 */

/** One team, one stack: a fixed name makes a second concurrent start fail with AlreadyExists. */
export function teamStackName(prefix: string): string {
  return `${prefix}-ides`;
}

/** The stack's page in the CloudFormation console, on its Resources tab, in the stack's own region and partition. */
export function stackConsoleUrl(stackId: string): string {
  const [, partition = 'aws', , region = 'us-east-1'] = stackId.split(':');
  const host = partition === 'aws-cn' ? `${region}.console.amazonaws.cn` : partition === 'aws-us-gov' ? 'console.amazonaws-us-gov.com' : `${region}.console.aws.amazon.com`;
  return `https://${host}/cloudformation/home?region=${region}#/stacks/resources?stackId=${encodeURIComponent(stackId)}`;
}

export const TAG = {
  runId: 'team-ide:run-id',
  requestedBy: 'team-ide:requested-by',
  requestedByName: 'team-ide:requested-by-name',
  channel: 'team-ide:channel',
  /** Space-separated: commas are not allowed in the tag values of every service the tags propagate to. */
  slots: 'team-ide:slots',
  hours: 'team-ide:hours',
  endsAt: 'team-ide:ends-at',
  /** Where the run's homes came from (`WorkOrigin`), space-separated like the slots. */
  work: 'team-ide:work',
} as const;

/**
 * Where a run's homes came from: a snapshot of an earlier run (`restored`), an empty data
 * volume because no work was saved yet (`blank`) or because the lead asked (`fresh`), or no
 * data volume at all (`off`, KEEP_WORK=false: homes go with the host).
 */
export type WorkOrigin =
  | { kind: 'off' }
  | { kind: 'blank' }
  | { kind: 'fresh' }
  | { kind: 'restored'; snapshotId: string; savedAt: string };

function encodeWorkOrigin(origin: WorkOrigin): string {
  return origin.kind === 'restored' ? `restored ${origin.snapshotId} ${origin.savedAt}` : origin.kind;
}

/** Undefined for a value this version did not write (a stack from before KEEP_WORK). */
function decodeWorkOrigin(value: string | undefined): WorkOrigin | undefined {
  const [kind, snapshotId, savedAt] = (value ?? '').split(' ');
  if (kind === 'off' || kind === 'blank' || kind === 'fresh') return { kind };
  if (kind === 'restored' && /^snap-[0-9a-f]+$/.test(snapshotId ?? '') && !Number.isNaN(new Date(savedAt ?? '').getTime())) {
    return { kind, snapshotId: snapshotId as string, savedAt: savedAt as string };
  }
  return undefined;
}

/** Logical ids of the template's resources that the functions look up. */
export const LOGICAL_ID = {
  /** The data volume holding every seat's home (infra/team-stack.yaml). */
  dataVolume: 'DataVolume',
} as const;

/** What a run records about itself in its stack tags. */
export interface RunTags {
  runId: string;
  /** Slack user id of who started the run. */
  requestedBy: string;
  /** Their Slack handle, for emails, where a user id means nothing. */
  requestedByName: string;
  channel: string;
  slots: number[];
  hours: number;
  endsAt: string;
  /** Undefined for a stack made before the tag existed. */
  work?: WorkOrigin;
}

export function runTagsToStackTags(run: RunTags): Tag[] {
  return [
    { Key: TAG.runId, Value: run.runId },
    { Key: TAG.requestedBy, Value: run.requestedBy },
    { Key: TAG.requestedByName, Value: run.requestedByName },
    { Key: TAG.channel, Value: run.channel },
    { Key: TAG.slots, Value: run.slots.join(' ') },
    { Key: TAG.hours, Value: String(run.hours) },
    { Key: TAG.endsAt, Value: run.endsAt },
    ...(run.work ? [{ Key: TAG.work, Value: encodeWorkOrigin(run.work) }] : []),
  ];
}

/** Reads a run's tags back; undefined when the stack was not created by the launcher. */
export function stackTagsToRunTags(tags: readonly Tag[] | undefined): RunTags | undefined {
  const value = (key: string) => tags?.find((tag) => tag.Key === key)?.Value;
  const runId = value(TAG.runId);
  const requestedBy = value(TAG.requestedBy);
  const channel = value(TAG.channel);
  const slots = value(TAG.slots);
  if (!runId || !requestedBy || !channel || !slots) return undefined;
  const work = decodeWorkOrigin(value(TAG.work));
  return {
    runId,
    requestedBy,
    requestedByName: value(TAG.requestedByName) ?? requestedBy,
    channel,
    slots: slots.split(' ').filter(Boolean).map(Number),
    hours: Number(value(TAG.hours) ?? 0),
    endsAt: value(TAG.endsAt) ?? '',
    ...(work ? { work } : {}),
  };
}

export const OUTPUT = {
  devUrl: (slot: number) => `DevUrl${slot}`,
  devPasswordSecret: (slot: number) => `DevPasswordSecret${slot}`,
  dashboardUrl: 'DashboardUrl',
  instanceId: 'InstanceId',
  publicIp: 'PublicIp',
} as const;

/** The data volume of one run, as the template takes it; `keep: false` makes none. */
export interface DataVolumePlan {
  keep: boolean;
  /** The subnet's zone: the volume must be where the host is. Empty without a volume. */
  availabilityZone: string;
  /** Empty: a blank volume. */
  snapshotId: string;
  sizeGb: number;
}

/** No data volume: homes live on the host's disk and go with it (KEEP_WORK=false). */
export const NO_DATA_VOLUME: DataVolumePlan = { keep: false, availabilityZone: '', snapshotId: '', sizeGb: 1 };

/** A seat of one run: its slot (`dev-N`) and the Slack member who holds it, whose home the slot mounts. */
export interface RunSeat {
  slot: number;
  userId: string;
}

/** The team template's parameters for one run. */
export function teamStackParameters(
  settings: TeamStackSettings,
  run: { runId: string; seats: readonly RunSeat[]; instanceType: InstanceType; share: IdeShare; dataVolume: DataVolumePlan; previews: boolean },
): Parameter[] {
  const values: Record<string, string> = {
    Slots: run.seats.map((seat) => seat.slot).join(','),
    // Homes belong to members, not to slots: a slot freed and given to someone else gets them their own home.
    SlotMembers: run.seats.map((seat) => seat.userId).join(','),
    RunId: run.runId,
    Previews: run.previews ? 'on' : 'off',
    InstanceType: run.instanceType,
    IdeMemoryMiB: String(run.share.memoryMiB),
    IdeCpuLimit: String(run.share.cpus),
    IdePidsLimit: String(run.share.pids),
    DomainName: settings.domainName,
    HostedZoneId: settings.hostedZoneId,
    VpcId: settings.vpcId,
    SubnetId: settings.subnetId,
    SourceIP: settings.sourceCidr,
    AdminCidr: settings.adminCidr,
    ExposedPort: String(settings.exposedPort),
    TraefikDashboardPort: String(settings.dashboardPort),
    CertificateParameterName: settings.certificateParameter,
    DashboardUsersParameterName: settings.dashboardUsersParameter,
    RootVolumeDimension: String(settings.rootVolumeGb),
    KeyPairName: settings.keyPairName,
    InstanceProfileName: settings.instanceProfileName,
    KeepWork: String(run.dataVolume.keep),
    AvailabilityZone: run.dataVolume.availabilityZone,
    DataSnapshotId: run.dataVolume.snapshotId,
    DataVolumeDimension: String(run.dataVolume.sizeGb),
  };
  return Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}
