/**
 * What the CloudFormation service role must be allowed to create and delete a team stack:
 * for each resource type the stack holds, the create and delete permissions of the
 * registry schemas (../shared/schemas/cloudformation-registry), or a hand-kept list for
 * the types that publish none, each turned into the IAM requests CloudFormation's handler
 * makes, with the ARNs and request context AWS gives them.
 *
 * Later resources extend the tables here: a new type needs its hand-kept list (if it has
 * no handlers), and a new action its requests in `requestsFor`, or the test says so.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { teamTemplateBody } from '../../../infra/team-template';
import { checkTemplate } from '../../../sandbox/backend/cloudformation/template';
import { loadConfig } from '../../../shared/core/config';
import { NO_DATA_VOLUME, TAG, teamStackParameters } from '../../../shared/stack/team-stack';
import { shareHost } from '../../../shared/team/host-shares';
import { seatsFor, validEnv } from '../../fixtures';
import { REPO_ROOT } from '../packaged-deployment';
import type { DeploymentContext } from './deployment-context';
import type { IamRequest } from './simulate';

export const REGISTRY_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'schemas', 'cloudformation-registry');

/** The operations a team stack goes through: created, then deleted (never updated in place). */
const OPERATIONS = ['create', 'delete'] as const;

/**
 * The types AWS publishes no handler permissions for (the registry README), with what they
 * need, kept by hand from the Service Authorization Reference and common practice.
 */
export const HAND_KEPT_PERMISSIONS: Record<string, { permissions: string[]; source: string }> = {
  'AWS::CloudFormation::WaitCondition': { permissions: [], source: 'handled inside CloudFormation, which names no IAM action for it' },
  'AWS::CloudFormation::WaitConditionHandle': { permissions: [], source: 'handled inside CloudFormation (a presigned URL), which names no IAM action for it' },
  'AWS::Route53::RecordSet': {
    // The template gives HostedZoneId, so no ListHostedZones(ByName) to find the zone by name.
    permissions: ['route53:ChangeResourceRecordSets', 'route53:GetChange', 'route53:ListResourceRecordSets'],
    source: 'Service Authorization Reference (ChangeResourceRecordSets); GetChange and ListResourceRecordSets by common practice, to check against CloudTrail',
  },
  'AWS::Route53::RecordSetGroup': {
    permissions: ['route53:ChangeResourceRecordSets', 'route53:GetChange', 'route53:ListResourceRecordSets'],
    source: 'as AWS::Route53::RecordSet',
  },
  'AWS::DLM::LifecyclePolicy': {
    permissions: ['dlm:CreateLifecyclePolicy', 'dlm:TagResource', 'iam:PassRole', 'dlm:DeleteLifecyclePolicy', 'dlm:GetLifecyclePolicy'],
    source: 'Service Authorization Reference, operations table of Amazon Data Lifecycle Manager',
  },
};

/**
 * Permissions a registry schema lists that the team stack does not need, because they
 * belong to a property the template does not set (the test checks it does not).
 */
export const NOT_NEEDED: Record<string, Record<string, { property: string; why: string }>> = {
  'AWS::EC2::Instance': {
    'ssm:CreateAssociation': { property: 'SsmAssociations', why: 'Systems Manager documents associated at launch' },
  },
  'AWS::EC2::Volume': {
    'ec2:CopyVolumes': { property: 'SourceVolumeId', why: 'a volume made as a copy of another volume' },
  },
  'AWS::SecretsManager::Secret': {
    'secretsmanager:ReplicateSecretToRegions': { property: 'ReplicaRegions', why: 'copies of the secret in other regions' },
  },
};

/** The create and delete permissions of a type, from its registry schema or the hand-kept list. */
export function permissionsOf(type: string): string[] {
  const handKept = HAND_KEPT_PERMISSIONS[type];
  if (handKept) return handKept.permissions;
  const file = path.join(REGISTRY_DIR, `${type.toLowerCase().replace(/::/g, '-')}.json`);
  const schema = JSON.parse(readFileSync(file, 'utf8')) as { handlers?: Record<string, { permissions?: string[] }> };
  if (!schema.handlers) throw new Error(`${type} publishes no handler permissions: add it to HAND_KEPT_PERMISSIONS with its source`);
  return [...new Set(OPERATIONS.flatMap((operation) => schema.handlers?.[operation]?.permissions ?? []))].sort();
}

/** What the type needs in this stack: its permissions less the commented exceptions. */
export function requiredPermissions(type: string): string[] {
  const exceptions = NOT_NEEDED[type] ?? {};
  return permissionsOf(type).filter((action) => !(action in exceptions));
}

/** The tags the launcher puts on the stack, which CloudFormation passes on to what it creates. */
function requestTags(d: DeploymentContext): Record<string, string | string[]> {
  const tags = { Name: `team-ide ${d.teamStackName}`, [TAG.runId]: 'run-1', [TAG.requestedBy]: 'U0000LEAD' };
  return { ...Object.fromEntries(Object.entries(tags).map(([key, value]) => [`aws:RequestTag/${key}`, value])), 'aws:TagKeys': Object.keys(tags) };
}

/** The host as RunInstances launches it (infra/team-stack.yaml, Instance). */
function launchedInstance(d: DeploymentContext): Record<string, string | string[]> {
  return {
    'ec2:InstanceType': 't3.large',
    'ec2:InstanceProfile': d.instanceProfileArn('HostInstanceProfile'),
    'ec2:MetadataHttpTokens': 'required',
    'ec2:MetadataHttpPutResponseHopLimit': '1',
    'ec2:MetadataHttpEndpoint': 'enabled',
    ...requestTags(d),
  };
}

/** The host once launched: it carries the stack's tags. */
function existingInstance(d: DeploymentContext): Record<string, string | string[]> {
  return { ...d.stack.stackTag, 'ec2:InstanceProfile': d.instanceProfileArn('HostInstanceProfile'), 'ec2:InstanceType': 't3.large' };
}

/** The default key policy KMS gives a key the account creates: access is up to IAM policies. */
export function keyPolicyLeavingAccessToIam(d: DeploymentContext): unknown {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:${d.partition}:iam::${d.accountId}:root` }, Action: 'kms:*', Resource: '*' }],
  };
}

/** The data volume once created: it carries the stack's tags. */
function existingVolume(d: DeploymentContext): Record<string, string | string[]> {
  return { ...d.stack.stackTag, 'ec2:Encrypted': 'true', 'ec2:VolumeType': 'gp3' };
}

/** A snapshot of an earlier run, claimed with this deployment's tag before it is restored. */
export function claimedSnapshot(d: DeploymentContext, deployment = d.teamStackName): Record<string, string> {
  return { 'aws:ResourceTag/team-ide:deployment': deployment, 'ec2:Owner': d.accountId, 'ec2:Encrypted': 'true' };
}

function existingGroup(d: DeploymentContext): Record<string, string | string[]> {
  return { ...d.stack.stackTag, 'ec2:Vpc': d.stack.vpcArn, 'ec2:SecurityGroupID': d.stack.securityGroupArn.split('/')[1] as string };
}

/**
 * A record name as Route 53 gives it to the `route53:ChangeResourceRecordSetsNormalizedRecordNames`
 * condition key (Route 53 Developer Guide, "Using IAM policy conditions for fine-grained access
 * control"): lower case, no trailing dot, and every character but a-z, 0-9, `-`, `_` and the
 * dots between labels as `\` and its three-digit octal code (`*` is `\052`).
 */
export function normalizedRecordName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '').replace(/[^a-z0-9_.-]/g, (character) => `\\${(character.codePointAt(0) ?? 0).toString(8).padStart(3, '0')}`);
}

/**
 * The records the template creates, as Route 53 normalizes their names: planned from the
 * template itself for slots 1, 42 and 254, with previews and the dashboard on, so every kind of
 * record is there (dev-N, *.dev-N, monitor, the instance's name).
 */
export function stackRecordNames(d: DeploymentContext): string[] {
  const config = loadConfig(validEnv({ DOMAIN_NAME: d.stack.domainName, ADMIN_CIDR: '203.0.113.7/32' }));
  const parameters = teamStackParameters(config.team, { runId: 'run-1', seats: seatsFor([1, 42, 254]), instanceType: 't3.large', share: shareHost('t3.large', 3)!, dataVolume: NO_DATA_VOLUME, previews: true });
  const plan = checkTemplate(
    teamTemplateBody,
    parameters.map(({ ParameterKey = '', ParameterValue = '' }) => ({ key: ParameterKey, value: ParameterValue })),
    ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
    { stackName: d.teamStackName, stackId: d.stack.arn, region: d.region, accountId: d.accountId },
  );
  return plan.resources.filter((resource) => resource.type === 'AWS::Route53::RecordSet').map((resource) => normalizedRecordName(String(resource.properties.Name)));
}

/**
 * The requests CloudFormation's handler makes for one permission of one type: the ARN it
 * names and the request context AWS sets. Throws for a permission nobody described yet.
 */
export function requestsFor(type: string, action: string, d: DeploymentContext, wildcardOnly: boolean): Omit<IamRequest, 'action'>[] {
  const { stack } = d;
  switch (`${type} ${action}`) {
    case 'AWS::EC2::Instance ec2:RunInstances':
      return [
        { resource: stack.instanceArn, context: launchedInstance(d) },
        { resource: stack.subnetArn, context: { 'ec2:Vpc': stack.vpcArn } },
        { resource: stack.networkInterfaceArn, context: { 'ec2:Subnet': stack.subnetArn, 'ec2:Vpc': stack.vpcArn, 'ec2:AssociatePublicIpAddress': 'true', ...requestTags(d) } },
        { resource: stack.securityGroupArn, context: existingGroup(d) },
        { resource: stack.volumeArn, context: { 'ec2:Encrypted': 'true', 'ec2:VolumeType': 'gp3', 'ec2:VolumeSize': '30' } },
        { resource: stack.imageArn, context: { 'ec2:Owner': 'amazon', 'ec2:Public': 'true' } },
        { resource: stack.keyPairArn, context: {} },
      ];
    case 'AWS::EC2::Instance ec2:CreateTags':
      return [
        ...[stack.instanceArn, stack.volumeArn, stack.networkInterfaceArn].map((resource) => ({ resource, context: { 'ec2:CreateAction': 'RunInstances', ...requestTags(d) } })),
        { resource: stack.instanceArn, context: { ...existingInstance(d), ...requestTags(d) } },
      ];
    case 'AWS::EC2::Instance ec2:AttachVolume':
    case 'AWS::EC2::Instance ec2:DetachVolume':
      // The data volume in the instance's Volumes.
      return [
        { resource: stack.instanceArn, context: existingInstance(d) },
        { resource: stack.volumeArn, context: existingVolume(d) },
      ];
    case 'AWS::EC2::Volume ec2:CreateVolume':
      return [
        { resource: stack.volumeArn, context: { 'ec2:Encrypted': 'true', 'ec2:VolumeType': 'gp3', 'ec2:VolumeSize': '20', 'ec2:AvailabilityZone': `${d.region}a`, ...requestTags(d) } },
        // Restored from a snapshot this deployment claimed (shared/snapshots/ebs-snapshots.ts).
        { resource: stack.snapshotArn, context: claimedSnapshot(d) },
      ];
    case 'AWS::EC2::Volume ec2:CreateTags':
      return [
        { resource: stack.volumeArn, context: { 'ec2:CreateAction': 'CreateVolume', ...requestTags(d) } },
        { resource: stack.volumeArn, context: { ...existingVolume(d), ...requestTags(d) } },
      ];
    case 'AWS::EC2::Volume ec2:CreateSnapshot':
      // DeletionPolicy Snapshot: the stack's volume, and the new snapshot.
      return [
        { resource: stack.volumeArn, context: existingVolume(d) },
        { resource: stack.snapshotArn, context: { 'ec2:ParentVolume': stack.volumeArn } },
      ];
    case 'AWS::EC2::Volume ec2:DescribeVolumeAttribute':
      return [{ resource: stack.volumeArn, context: { 'ec2:Encrypted': 'true' } }];
    case 'AWS::EC2::Instance iam:PassRole':
      return [{ resource: d.roleArn('HostRole'), context: { 'iam:PassedToService': 'ec2.amazonaws.com' } }];
    case 'AWS::EC2::Instance ssm:DescribeAssociation':
      return [{ resource: stack.instanceArn, context: {} }];
    case 'AWS::EC2::SecurityGroup ec2:CreateSecurityGroup':
      return [
        { resource: stack.vpcArn, context: { 'ec2:VpcID': stack.vpcArn.split('/')[1] as string } },
        { resource: stack.securityGroupArn, context: requestTags(d) },
      ];
    case 'AWS::EC2::SecurityGroup ec2:CreateTags':
      return [{ resource: stack.securityGroupArn, context: { 'ec2:CreateAction': 'CreateSecurityGroup', ...requestTags(d) } }];
    case 'AWS::Route53::RecordSet route53:ChangeResourceRecordSets':
      return stackRecordNames(d).flatMap((name) =>
        ['CREATE', 'DELETE'].map((change) => ({
          resource: stack.hostedZoneArn,
          context: { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [name], 'route53:ChangeResourceRecordSetsRecordTypes': ['A'], 'route53:ChangeResourceRecordSetsActions': [change] },
        })),
      );
    case 'AWS::Route53::RecordSet route53:GetChange':
      return [{ resource: stack.changeArn }];
    case 'AWS::Route53::RecordSet route53:ListResourceRecordSets':
      return [{ resource: stack.hostedZoneArn }];
    default:
  }
  if (type === 'AWS::EC2::Instance' && action.startsWith('ec2:') && !wildcardOnly) return [{ resource: stack.instanceArn, context: existingInstance(d) }];
  if (type === 'AWS::EC2::Volume' && action.startsWith('ec2:') && !wildcardOnly) return [{ resource: stack.volumeArn, context: existingVolume(d) }];
  // EC2 encrypts the volume with a KMS key, calling KMS on the handler's behalf. KMS always reads the key's
  // own policy: a key whose policy leaves access to IAM (the default policy of a key the account creates)
  // needs the role's permission; the AWS managed aws/ebs key's policy allows access through EC2 itself.
  if (type === 'AWS::EC2::Volume' && action.startsWith('kms:')) {
    return [{ resource: stack.kmsKeyArn, context: { 'kms:ViaService': `ec2.${d.region}.amazonaws.com`, 'kms:CallerAccount': d.accountId }, resourcePolicy: keyPolicyLeavingAccessToIam(d) }];
  }
  if (type === 'AWS::EC2::SecurityGroup' && action.startsWith('ec2:') && !wildcardOnly) return [{ resource: stack.securityGroupArn, context: existingGroup(d) }];
  if (action.startsWith('secretsmanager:') && !wildcardOnly) return [{ resource: stack.secretArn, context: { ...requestTags(d) } }];
  // The seat report, created with the tag naming the instance beside the stack's own tags.
  if (type === 'AWS::SSM::Parameter' && !wildcardOnly) return [{ resource: stack.seatReportArn, context: { ...requestTags(d), 'aws:RequestTag/team-ide:host': stack.instanceArn } }];
  if (wildcardOnly) return [{ resource: '*' }];
  throw new Error(`no request described for ${action} of ${type}: add how CloudFormation calls it to requestsFor (test/infra/iam/team-stack-permissions.ts)`);
}
