/**
 * A realistic account for the IAM simulation: the packaged deployment (stage ci, .env.ci's
 * settings) as CloudFormation would deploy it in one region, with the ARNs its resources
 * and a team stack's resources get there. Every ARN here has the form AWS gives it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CI_TEAM_STACK_NAME, REPO_ROOT } from '../packaged-deployment';

export const ACCOUNT_ID = '123456789012';
export const PARTITION = 'aws';

/** The regions the simulation runs in: the policies must hold in any. */
export const SIMULATED_REGIONS = ['eu-west-1', 'us-east-1'] as const;

/** .env.ci, the fake settings `serverless package --stage ci` reads. */
export function ciSettings(): Record<string, string> {
  const text = readFileSync(path.join(REPO_ROOT, '.env.ci'), 'utf8');
  return Object.fromEntries([...text.matchAll(/^([A-Z_]+)=(.*)$/gm)].map(([, name, value]) => [name as string, (value as string).trim()]));
}

/** The physical name CloudFormation gives a resource of the deployment stack. */
export const physicalName = (logicalId: string) => `team-ide-ci-${logicalId}-1A2B3C4D5E6F`;

export interface DeploymentContext {
  region: string;
  accountId: string;
  partition: string;
  teamStackName: string;
  settings: Record<string, string>;
  /** arn:…:role/<name> of a role of the deployment, by logical id. */
  roleArn(logicalId: string): string;
  instanceProfileArn(logicalId: string): string;
  functionArn(functionName: string): string;
  queueArn(queueName: string): string;
  /** The failed-jobs queue (serverless.yml names it `<service>-<stage>-failed-jobs`). */
  failedJobsQueueArn: string;
  /** What the team stack holds once created, and where it runs. */
  stack: {
    arn: string;
    instanceArn: string;
    securityGroupArn: string;
    volumeArn: string;
    /** A snapshot of the data volume: EC2 writes snapshot ARNs without an account. */
    snapshotArn: string;
    /** The KMS key EC2 encrypts the data volume with. */
    kmsKeyArn: string;
    networkInterfaceArn: string;
    subnetArn: string;
    vpcArn: string;
    imageArn: string;
    keyPairArn: string;
    secretArn: string;
    /** The host's seat report (infra/team-stack.yaml, SeatReport) of run-1. */
    seatReportArn: string;
    hostedZoneArn: string;
    changeArn: string;
    domainName: string;
    /** The tag CloudFormation puts on what it creates. */
    stackTag: Record<string, string>;
  };
  ssmParameterArn(name: string): string;
  /** A run's marker parameters live under this path (shared/runs/run-markers.ts). */
  runsPath: string;
  /** The records of each run's data volume live under this path (shared/snapshots/work-records.ts). */
  workPath: string;
  sesIdentityArn(identity: string): string;
}

export function deploymentContext(region: string): DeploymentContext {
  const settings = ciSettings();
  const arn = (service: string, resource: string, account = ACCOUNT_ID, inRegion = region) => `arn:${PARTITION}:${service}:${inRegion}:${account}:${resource}`;
  const ec2 = (resource: string) => arn('ec2', resource);
  const stackName = CI_TEAM_STACK_NAME;
  return {
    region,
    accountId: ACCOUNT_ID,
    partition: PARTITION,
    teamStackName: stackName,
    settings,
    roleArn: (logicalId) => arn('iam', `role/${physicalName(logicalId)}`, ACCOUNT_ID, ''),
    instanceProfileArn: (logicalId) => arn('iam', `instance-profile/${physicalName(logicalId)}`, ACCOUNT_ID, ''),
    functionArn: (functionName) => arn('lambda', `function:${functionName}`),
    queueArn: (queueName) => arn('sqs', queueName),
    failedJobsQueueArn: arn('sqs', 'team-ide-ci-failed-jobs'),
    stack: {
      arn: arn('cloudformation', `stack/${stackName}/51af3dc0-da77-11e4-872e-1234567db123`),
      instanceArn: ec2('instance/i-0123456789abcdef0'),
      securityGroupArn: ec2('security-group/sg-0123456789abcdef0'),
      volumeArn: ec2('volume/vol-0123456789abcdef0'),
      snapshotArn: arn('ec2', 'snapshot/snap-0123456789abcdef0', ''),
      kmsKeyArn: arn('kms', 'key/1234abcd-12ab-34cd-56ef-1234567890ab'),
      networkInterfaceArn: ec2('network-interface/eni-0123456789abcdef0'),
      subnetArn: ec2(`subnet/${settings.SUBNET_ID}`),
      vpcArn: ec2(`vpc/${settings.VPC_ID}`),
      imageArn: arn('ec2', 'image/ami-0123456789abcdef0', ''),
      keyPairArn: ec2('key-pair/team-ide-debug'),
      secretArn: arn('secretsmanager', `secret:${stackName}/run-1/dev-1-AbCdEf`),
      seatReportArn: arn('ssm', `parameter/${stackName}/run-1/seats`),
      hostedZoneArn: `arn:${PARTITION}:route53:::hostedzone/${settings.HOSTED_ZONE_ID}`,
      changeArn: `arn:${PARTITION}:route53:::change/C0123456789ABCDEFGHIJ`,
      domainName: settings.DOMAIN_NAME as string,
      stackTag: { 'aws:ResourceTag/aws:cloudformation:stack-name': stackName },
    },
    ssmParameterArn: (name) => arn('ssm', `parameter/${name.replace(/^\//, '')}`),
    runsPath: '/team-ide-ci/runs',
    workPath: '/team-ide-ci/work',
    sesIdentityArn: (identity) => arn('ses', `identity/${identity}`),
  };
}
