import type { Parameter, Tag } from '@aws-sdk/client-cloudformation';
import type { TeamStackSettings } from '../core/config';
import type { IdeShare } from '../team/host-shares';
import type { InstanceType } from '../team/instance-types';

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
  return {
    runId,
    requestedBy,
    requestedByName: value(TAG.requestedByName) ?? requestedBy,
    channel,
    slots: slots.split(' ').filter(Boolean).map(Number),
    hours: Number(value(TAG.hours) ?? 0),
    endsAt: value(TAG.endsAt) ?? '',
  };
}

export const OUTPUT = {
  devUrl: (slot: number) => `DevUrl${slot}`,
  devPasswordSecret: (slot: number) => `DevPasswordSecret${slot}`,
  dashboardUrl: 'DashboardUrl',
  instanceId: 'InstanceId',
  publicIp: 'PublicIp',
} as const;

/**
 * The addresses of the host's Docker networks (infra/host/boot.sh): the range Docker's own
 * bridge has always used, which AWS asks VPCs not to use for that reason.
 */
export const CONTAINER_ADDRESSES = '172.17.0.0/16';

/** The team template's parameters for one run. */
export function teamStackParameters(
  settings: TeamStackSettings,
  run: { runId: string; slots: readonly number[]; instanceType: InstanceType; share: IdeShare; previews: boolean },
): Parameter[] {
  const values: Record<string, string> = {
    Slots: run.slots.join(','),
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
  };
  return Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
}
