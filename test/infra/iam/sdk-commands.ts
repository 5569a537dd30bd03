/**
 * The AWS SDK commands each function sends, read from its code, and the IAM action and
 * ARN each one needs. The commands are found in the function's bundle as esbuild builds
 * it (tree-shaken, so code a function imports but never runs does not count), so a new
 * command fails the test until this table says what it needs and the role allows it.
 */
import { build } from 'esbuild';
import path from 'node:path';
import { REPO_ROOT } from '../packaged-deployment';
import type { DeploymentContext } from './deployment-context';
import type { DeployedFunction } from './policies';

/** Finds `new XxxCommand(` and the paginators (`paginateXxx(` sends XxxCommand) in a function's bundle. */
export async function commandsSentBy(sourceFile: string): Promise<string[]> {
  const result = await build({
    entryPoints: [path.join(REPO_ROOT, sourceFile)],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    treeShaking: true,
    external: ['@aws-sdk/*', '@smithy/*'],
    loader: { '.yaml': 'text', '.sh': 'text' },
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text ?? '';
  // esbuild renames an import two modules make (`PutParameterCommand as PutParameterCommand2`): the digits go.
  const sent = [...code.matchAll(/new (?:[\w$]+\.)?(\w+Command)\d*\(/g)].map((match) => match[1] as string);
  const paginated = [...code.matchAll(/\bpaginate(\w+?)\d*\(/g)].map((match) => `${match[1] as string}Command`);
  const waited = [...code.matchAll(/\bwaitUntil(\w+?)\d*\(/g)].map((match) => WAITERS[match[1] as string] ?? `waitUntil${match[1] as string} (unknown waiter: add it to WAITERS)`);
  return [...new Set([...sent, ...paginated, ...waited])].sort();
}

/** The command an SDK waiter polls with (the waiter's code is in the SDK, outside the bundle). */
const WAITERS: Record<string, string> = {
  ResourceRecordSetsChanged: 'GetChangeCommand',
};

/** A run's marker parameter, as shared/runs/run-markers.ts names it. */
const marker = (d: DeploymentContext) => d.ssmParameterArn(`${d.runsPath}/51af3dc0-da77-11e4-872e-1234567db123/stopping`);

/** The roster and a claim on one of its versions, as shared/team/roster-store.ts names them. */
const roster = (d: DeploymentContext) => d.ssmParameterArn(d.runsPath.replace(/\/runs$/, '/roster'));
const rosterClaim = (d: DeploymentContext) => d.ssmParameterArn(d.runsPath.replace(/\/runs$/, '/roster-claims/7-0'));

const functionBase = (fn: DeployedFunction) => path.basename(fn.sourceFile, '.ts');

/** A fact of saved work, as shared/snapshots/work-records.ts names it. */
const workFact = (d: DeploymentContext) => d.ssmParameterArn(`${d.workPath}/51af3dc0-da77-11e4-872e-1234567db123/run`);

/** Who reads the roster (every function that seats or emails people, and the certificate function for the seats' previews), and who changes it. */
const READS_ROSTER = new Set(['slack-command', 'launcher', 'notifier', 'certificate']);
const CHANGES_ROSTER = new Set(['launcher']);
/**
 * Under /<prefix>/runs: who writes run markers, who reads (and gives back) the cost guard's
 * state and the delete retries beside them (the notifier only writes), and who lists (and
 * deletes) the markers at a stop. The sweeper replays stack-events' failed jobs, so it does
 * what stack-events does.
 */
const WRITES_MARKERS = new Set(['launcher', 'stack-events', 'notifier', 'sweeper', 'slack-interactions']);
const READS_LIFETIME = new Set(['launcher', 'stack-events', 'sweeper', 'slack-interactions']);
const LISTS_MARKERS = new Set(['stack-events', 'sweeper']);
/** Who writes the saved-work records under /<prefix>/work, and who lists (and deletes) them. */
const WRITES_WORK_RECORDS = new Set(['launcher', 'stack-events', 'sweeper', 'slack-interactions']);
const LISTS_WORK_RECORDS = new Set(['launcher', 'stack-events', 'sweeper']);
/** Who reads the host's seat report: the idle stop, and /ide status. */
const READS_SEAT_REPORT = new Set(['launcher', 'sweeper']);

/** The SSM parameters a function names in a command: its markers, the roster, the roster's claims, the work records. */
function parametersOf(d: DeploymentContext, fn: DeployedFunction, kinds: { markers?: ReadonlySet<string>; roster?: boolean; claims?: boolean; work?: boolean }): string[] {
  const base = functionBase(fn);
  return [
    ...(kinds.markers?.has(base) ? [marker(d)] : []),
    ...(kinds.roster && (READS_ROSTER.has(base) || CHANGES_ROSTER.has(base)) ? [roster(d)] : []),
    ...(kinds.claims && CHANGES_ROSTER.has(base) ? [rosterClaim(d)] : []),
    ...(kinds.work && WRITES_WORK_RECORDS.has(base) ? [workFact(d)] : []),
  ];
}

/** What a function lists and deletes by path: the run markers, the work records (a parameter under each, or the path itself). */
function listedBy(fn: DeployedFunction, markers: string, work: string): string[] {
  const base = functionBase(fn);
  return [...(LISTS_MARKERS.has(base) ? [markers] : []), ...(LISTS_WORK_RECORDS.has(base) ? [work] : [])];
}

/** The tags a function claims a snapshot with (shared/snapshots/ebs-snapshots.ts). */
const claimTags = (d: DeploymentContext) => ({
  'aws:RequestTag/team-ide:deployment': [d.teamStackName],
  'aws:RequestTag/team-ide:run-id': ['run-1'],
  'aws:TagKeys': ['team-ide:deployment', 'team-ide:run-id'],
});

/** Which Slack secret a function reads at cold start (README, "Secrets"). */
const SLACK_SECRET_READ_BY: Record<string, string> = {
  'slack-command': 'SLACK_SIGNING_SECRET_PARAMETER',
  'slack-interactions': 'SLACK_SIGNING_SECRET_PARAMETER',
  // For users.info, at `/ide roster add`.
  launcher: 'SLACK_BOT_TOKEN_PARAMETER',
  'stack-events': 'SLACK_BOT_TOKEN_PARAMETER',
  notifier: 'SLACK_BOT_TOKEN_PARAMETER',
  sweeper: 'SLACK_BOT_TOKEN_PARAMETER',
  certificate: 'SLACK_BOT_TOKEN_PARAMETER',
};

/** The certificate function's own parameters: the certificate with its key, its status, the ACME account key, the renewal lease (a dead holder's stepped over). */
function certificateParameters(d: DeploymentContext, fn: DeployedFunction): { certificate: string; status: string; accountKey: string; lease: string; nextLease: string } {
  const certificate = fn.environment.CERTIFICATE_PARAMETER as string;
  return {
    certificate: d.ssmParameterArn(certificate),
    status: d.ssmParameterArn(`${certificate}-status`),
    accountKey: d.ssmParameterArn(fn.environment.ACME_ACCOUNT_KEY_PARAMETER as string),
    lease: d.ssmParameterArn(`${certificate}-renewing-0`),
    nextLease: d.ssmParameterArn(`${certificate}-renewing-1`),
  };
}

const leaseParameters = (d: DeploymentContext, fn: DeployedFunction) => [certificateParameters(d, fn).lease, certificateParameters(d, fn).nextLease];

const isCertificateFunction = (fn: DeployedFunction) => functionBase(fn) === 'certificate';

/** Which function a function hands work to. */
const INVOKES: Record<string, string> = {
  'slack-command': 'LAUNCHER_FUNCTION_NAME',
  // A roster add whose new seat the certificate does not name (shared/team/roster-commands.ts).
  launcher: 'CERTIFICATE_FUNCTION_NAME',
  'stack-events': 'NOTIFIER_FUNCTION_NAME',
  // The repair of a run nobody emailed, and of a failed notifier job (shared/runs/run-repair.ts).
  sweeper: 'NOTIFIER_FUNCTION_NAME',
};

function fromEnvironment(fn: DeployedFunction, table: Record<string, string>, command: string): string {
  const setting = table[functionBase(fn)];
  const value = setting ? fn.environment[setting] : undefined;
  if (!value) throw new Error(`${fn.sourceFile} sends ${command}, which the command table does not expect of it`);
  return value;
}

export interface CommandNeed {
  action: string;
  resources: (d: DeploymentContext, fn: DeployedFunction) => string[];
  /** The request context AWS sets for the call, where the role's conditions read it. */
  context?: (d: DeploymentContext) => Record<string, string | string[]>;
}

/** Every SDK command the functions send: the IAM action it is authorized as, and the ARNs it names. */
export const SDK_COMMANDS: Record<string, CommandNeed> = {
  CreateStackCommand: { action: 'cloudformation:CreateStack', resources: (d) => [d.stack.arn] },
  DeleteStackCommand: { action: 'cloudformation:DeleteStack', resources: (d) => [d.stack.arn] },
  DescribeStacksCommand: { action: 'cloudformation:DescribeStacks', resources: (d) => [d.stack.arn] },
  DescribeStackEventsCommand: { action: 'cloudformation:DescribeStackEvents', resources: (d) => [d.stack.arn] },
  GetParametersCommand: {
    action: 'ssm:GetParameters',
    resources: (d, fn) => [
      d.ssmParameterArn(fromEnvironment(fn, SLACK_SECRET_READ_BY, 'GetParametersCommand')),
      // The certificate function reads its certificate and status in one call.
      ...(isCertificateFunction(fn) ? [certificateParameters(d, fn).certificate, certificateParameters(d, fn).status] : []),
    ],
  },
  GetParameterCommand: {
    action: 'ssm:GetParameter',
    resources: (d, fn) => {
      if (isCertificateFunction(fn)) return [certificateParameters(d, fn).accountKey, ...leaseParameters(d, fn), ...parametersOf(d, fn, { roster: true })];
      const parameters = [...parametersOf(d, fn, { markers: READS_LIFETIME, roster: true, claims: true }), ...(READS_SEAT_REPORT.has(functionBase(fn)) ? [d.stack.seatReportArn] : [])];
      // /ide status shows the certificate's status.
      if (functionBase(fn) === 'launcher') return [...parameters, d.ssmParameterArn(`${fn.environment.CERTIFICATE_PARAMETER as string}-status`)];
      return parameters;
    },
  },
  PutParameterCommand: {
    action: 'ssm:PutParameter',
    resources: (d, fn) =>
      isCertificateFunction(fn) ? Object.values(certificateParameters(d, fn)) : parametersOf(d, fn, { markers: WRITES_MARKERS, roster: CHANGES_ROSTER.has(functionBase(fn)), claims: true, work: true }),
  },
  GetHostedZoneCommand: { action: 'route53:GetHostedZone', resources: (d) => [d.stack.hostedZoneArn] },
  // shared/dns/hosted-zone.ts: a more specific public zone that would hide the records; IAM has no resource to scope it to.
  ListHostedZonesByNameCommand: { action: 'route53:ListHostedZonesByName', resources: () => ['*'] },
  ChangeResourceRecordSetsCommand: {
    action: 'route53:ChangeResourceRecordSets',
    resources: (d) => [d.stack.hostedZoneArn],
    // shared/certificate/dns-challenge.ts: the DNS-01 record, written and then deleted.
    context: (d) => ({
      'route53:ChangeResourceRecordSetsNormalizedRecordNames': [`_acme-challenge.${d.stack.domainName}`],
      'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'],
      'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
    }),
  },
  GetChangeCommand: { action: 'route53:GetChange', resources: (d) => [d.stack.changeArn] },
  DeleteParameterCommand: {
    action: 'ssm:DeleteParameter',
    resources: (d, fn) => (isCertificateFunction(fn) ? leaseParameters(d, fn) : parametersOf(d, fn, { markers: READS_LIFETIME, claims: true })),
  },
  DeleteParametersCommand: { action: 'ssm:DeleteParameters', resources: (d, fn) => listedBy(fn, marker(d), workFact(d)) },
  // Authorized on the path itself (run-markers.ts and work-records.ts ask for everything under their path).
  GetParametersByPathCommand: { action: 'ssm:GetParametersByPath', resources: (d, fn) => listedBy(fn, d.ssmParameterArn(d.runsPath), d.ssmParameterArn(d.workPath)) },
  DescribeStackResourceCommand: { action: 'cloudformation:DescribeStackResource', resources: (d) => [d.stack.arn] },
  // EC2 authorizes Describe calls on no narrower resource.
  DescribeSubnetsCommand: { action: 'ec2:DescribeSubnets', resources: () => ['*'] },
  DescribeSnapshotsCommand: { action: 'ec2:DescribeSnapshots', resources: () => ['*'] },
  CreateTagsCommand: { action: 'ec2:CreateTags', resources: (d) => [d.stack.snapshotArn], context: claimTags },
  DeleteSnapshotCommand: { action: 'ec2:DeleteSnapshot', resources: (d) => [d.stack.snapshotArn], context: (d) => ({ 'aws:ResourceTag/team-ide:deployment': d.teamStackName }) },
  GetSecretValueCommand: { action: 'secretsmanager:GetSecretValue', resources: (d) => [d.stack.secretArn] },
  // SES v1 authorizes SendEmail on the sender's identity (address or domain).
  SendEmailCommand: { action: 'ses:SendEmail', resources: (d) => [d.sesIdentityArn(d.settings.SES_FROM_ADDRESS as string), d.sesIdentityArn((d.settings.SES_FROM_ADDRESS as string).split('@')[1] as string)] },
  InvokeCommand: { action: 'lambda:InvokeFunction', resources: (d, fn) => [d.functionArn(fromEnvironment(fn, INVOKES, 'InvokeCommand'))] },
  // The sweeper reads the failed-jobs queue (shared/runs/failed-jobs.ts).
  ReceiveMessageCommand: { action: 'sqs:ReceiveMessage', resources: (d) => [d.failedJobsQueueArn] },
  DeleteMessageCommand: { action: 'sqs:DeleteMessage', resources: (d) => [d.failedJobsQueueArn] },
};
