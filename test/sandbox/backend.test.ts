import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DeleteParametersCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ParameterAlreadyExists,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queryStringList, queryStructList } from '../../sandbox/backend/aws-protocols';
import { type SandboxBackend, startBackend } from '../../sandbox/backend/server';
import { plainText } from '../../sandbox/backend/slack';
import { teamTemplateBody } from '../../infra/team-template';
import { loadConfig } from '../../shared/core/config';
import { StackRequestError, StackStateError } from '../../shared/core/errors';
import { createTeamStack, deleteTeamStack, describeRunStack, describeTeamStack, findFirstFailedResource } from '../../shared/stack/stack-gateway';
import { readTeamStackStatusChange, type StackStatusChangeEvent } from '../../shared/stack/stack-status-event';
import { NO_DATA_VOLUME, teamStackParameters } from '../../shared/stack/team-stack';
import { shareHost } from '../../shared/team/host-shares';
import { seatsFor, validEnv } from '../fixtures';
import { waitFor } from '../helpers/local-servers';
import { cloudFormationEvent } from '../helpers/run-fixtures';

const STACK_NAME = 'team-ide-test-ides';
const BOT_TOKEN = 'xoxb-backend';
const credentials = { accessKeyId: 'AKIDSANDBOXTEST', secretAccessKey: 'sandbox-test' };
const config = loadConfig(validEnv());

describe('the sandbox backend, through the real AWS SDK clients', () => {
  let backend: SandboxBackend;
  let published: StackStatusChangeEvent[];
  let cloudFormation: CloudFormationClient;
  let secretsManager: SecretsManagerClient;
  let ssm: SSMClient;
  const log: string[] = [];

  async function start(options: { failSlot?: number } = {}): Promise<void> {
    published = [];
    backend = await startBackend({
      host: '127.0.0.1',
      port: 0,
      region: 'eu-west-1',
      accountId: '000000000000',
      // Long enough that the describe right after CreateStack still finds the stack starting on a busy machine.
      stackDelayMs: 150,
      snapshotMs: 50,
      deployment: STACK_NAME,
      botToken: BOT_TOKEN,
      parameters: { '/team-ide/test/slack-bot-token': BOT_TOKEN },
      nameOf: (userId) => (userId === 'U0000AAA1' ? 'alice' : undefined),
      publish: async (event) => {
        published.push(event);
      },
      log: (source, line) => log.push(`[${source}] ${line}`),
      ...options,
    });
    cloudFormation = new CloudFormationClient({ region: 'eu-west-1', endpoint: backend.url, credentials });
    secretsManager = new SecretsManagerClient({ region: 'eu-west-1', endpoint: backend.url, credentials });
    ssm = new SSMClient({ region: 'eu-west-1', endpoint: backend.url, credentials });
  }

  const createRun = (slots: number[], token = 'run-1') =>
    createTeamStack(cloudFormation, {
      stackName: STACK_NAME,
      templateBody: teamTemplateBody,
      parameters: teamStackParameters(config.team, { runId: token, seats: seatsFor(slots), instanceType: 't3.large', share: shareHost('t3.large', slots.length)!, dataVolume: NO_DATA_VOLUME }),
      tags: [{ Key: 'team-ide:run-id', Value: token }],
      clientRequestToken: token,
      serviceRoleArn: 'arn:aws:iam::000000000000:role/team-ide-test-stack',
    });

  const statusOf = async (stackId: string) => (await describeRunStack(cloudFormation, stackId))?.status;
  const publishedStatuses = () => published.map((event) => event.detail['status-details'].status);

  beforeEach(() => start());
  afterEach(() => backend.close());

  describe('CloudFormation (awsQuery)', () => {
    it('creates the stack after a delay, with the template\'s outputs and a readable password per slot', async () => {
      const stackId = await createRun([1, 2, 5]);
      const starting = await describeTeamStack(cloudFormation, STACK_NAME);

      await waitFor('CREATE_COMPLETE', async () => ((await statusOf(stackId)) === 'CREATE_COMPLETE' ? true : undefined), 5_000, 10);
      const stack = await describeTeamStack(cloudFormation, STACK_NAME);
      const { SecretString, Name } = await secretsManager.send(new GetSecretValueCommand({ SecretId: stack?.outputs.DevPasswordSecret5 }));

      expect(stackId).toMatch(/^arn:aws:cloudformation:eu-west-1:000000000000:stack\/team-ide-test-ides\/[0-9a-f-]{36}$/);
      expect(starting).toMatchObject({ stackId, status: 'CREATE_IN_PROGRESS', outputs: {} });
      expect(stack?.outputs).toMatchObject({ DevUrl1: 'https://dev-1.code.example.com', DevUrl5: 'https://dev-5.code.example.com', PublicIp: '127.0.0.1' });
      expect(stack?.parameters).toMatchObject({ Slots: '1,2,5', RunId: 'run-1', InstanceType: 't3.large' });
      expect(stack?.run).toBeUndefined(); // only one of the launcher's tags was given
      expect(Name).toBe('team-ide-test-ides/run-1/dev-5');
      expect(SecretString).toMatch(/^[A-Za-z0-9]{24}$/);
    });

    it('sends each terminal status to stack-events as EventBridge does, in the shape of test/events', async () => {
      const stackId = await createRun([1]);
      await waitFor('CREATE_COMPLETE', async () => (published.length > 0 ? true : undefined), 5_000, 10);

      const [event] = published;

      expect(Object.keys(event!).sort()).toEqual(Object.keys(cloudFormationEvent('create-complete')).sort());
      expect(event).toMatchObject({ source: 'aws.cloudformation', 'detail-type': 'CloudFormation Stack Status Change', resources: [stackId] });
      expect(readTeamStackStatusChange(event, STACK_NAME)).toMatchObject({ stackId, status: 'CREATE_COMPLETE' });
      expect(event!.detail['client-request-token']).toBe('run-1');
    });

    it('answers a retried CreateStack (same token) with the same stack, and any other with AlreadyExistsException', async () => {
      const first = await createRun([1], 'run-1');

      const retried = await createRun([1], 'run-1');
      const other = createRun([1], 'run-2');

      expect(retried).toBe(first);
      await expect(other).rejects.toThrow(StackStateError);
    });

    it('refuses parameters the template does not allow with a ValidationError, before creating anything', async () => {
      const act = cloudFormation.send(
        new CreateStackCommand({ StackName: STACK_NAME, TemplateBody: teamTemplateBody, Parameters: [{ ParameterKey: 'Slots', ParameterValue: '0' }], Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'] }),
      );

      await expect(act).rejects.toMatchObject({ name: 'ValidationError', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: expect.stringContaining('Parameter \'Slots\' failed to satisfy constraint') });
      expect(await describeTeamStack(cloudFormation, STACK_NAME)).toBeUndefined();
    });

    it('shows the launcher\'s user what CloudFormation refused (the error goes through shared/stack-gateway)', async () => {
      const act = createTeamStack(cloudFormation, {
        stackName: STACK_NAME,
        templateBody: teamTemplateBody,
        parameters: [],
        tags: [],
        clientRequestToken: 'run-3',
        serviceRoleArn: '',
      });

      await expect(act).rejects.toThrow(StackRequestError);
      await expect(act).rejects.toThrow(/AWS would not create the team stack: ValidationError: Parameters: \[.*Slots.*\] must have values \(AWS request id [0-9a-f-]{36}\)/);
    });

    it('deletes the stack and its secrets; by id it stays readable as DELETE_COMPLETE', async () => {
      const stackId = await createRun([1, 2]);
      await waitFor('CREATE_COMPLETE', async () => ((await statusOf(stackId)) === 'CREATE_COMPLETE' ? true : undefined), 5_000, 10);
      const secretArn = (await describeRunStack(cloudFormation, stackId))?.outputs.DevPasswordSecret1;

      await deleteTeamStack(cloudFormation, STACK_NAME);
      const deleting = await statusOf(stackId);
      await waitFor('DELETE_COMPLETE', async () => ((await statusOf(stackId)) === 'DELETE_COMPLETE' ? true : undefined), 5_000, 10);

      expect(deleting).toBe('DELETE_IN_PROGRESS');
      expect(await describeTeamStack(cloudFormation, STACK_NAME)).toBeUndefined();
      await expect(secretsManager.send(new GetSecretValueCommand({ SecretId: secretArn }))).rejects.toThrow(ResourceNotFoundException);
      expect(publishedStatuses()).toEqual(['CREATE_COMPLETE', 'DELETE_COMPLETE']);
    });

    it('answers a call it does not emulate with an error that says so', async () => {
      await expect(cloudFormation.send(new UpdateStackCommand({ StackName: STACK_NAME }))).rejects.toThrow(/emulates CreateStack, DescribeStacks, DeleteStack, DescribeStackEvents and DescribeStackResource, not UpdateStack/);
      await expect(cloudFormation.send(new DescribeStacksCommand({ StackName: 'nothing-here' }))).rejects.toThrow('Stack with id nothing-here does not exist');
    });
  });

  describe('a failed start (SANDBOX_FAIL_SLOT)', () => {
    beforeEach(async () => {
      await backend.close();
      await start({ failSlot: 5 });
    });

    it('fails the host\'s wait condition, rolls back, and findFirstFailedResource names the cause', async () => {
      const stackId = await createRun([1, 5]);
      await waitFor('ROLLBACK_COMPLETE', async () => ((await statusOf(stackId)) === 'ROLLBACK_COMPLETE' ? true : undefined), 5_000, 10);

      const failure = await findFirstFailedResource(cloudFormation, stackId);

      expect(failure).toEqual({
        logicalId: 'WaitCondition',
        physicalId: expect.stringContaining('waitcondition/WaitCondition'),
        resourceType: 'AWS::CloudFormation::WaitCondition',
        status: 'CREATE_FAILED',
        reason: expect.stringMatching(/^WaitCondition received failed message: 'team-ide boot failed at step wait-healthy-dev-5 \(exit 28\)' for uniqueId: i-[0-9a-f]{17}$/),
      });
      expect(published.map((event) => [event.detail['status-details'].status, event.detail['status-details']['status-reason']])).toEqual([
        ['ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to create: [WaitCondition]. Rollback requested by user.'],
        ['ROLLBACK_COMPLETE', ''],
      ]);
      expect(backend.secretsManager.list()).toEqual([]);
    });

    it('starts a run without that slot normally', async () => {
      const stackId = await createRun([1, 2]);

      await waitFor('CREATE_COMPLETE', async () => ((await statusOf(stackId)) === 'CREATE_COMPLETE' ? true : undefined), 5_000, 10);
    });
  });

  describe('SSM and Secrets Manager (awsJson1_1)', () => {
    it('holds the seeded Slack token, and reports the names it does not have', async () => {
      const { Parameters, InvalidParameters } = await ssm.send(new GetParametersCommand({ Names: ['/team-ide/test/slack-bot-token', '/team-ide/test/missing'], WithDecryption: true }));

      expect(Parameters?.map(({ Name, Value }) => [Name, Value])).toEqual([['/team-ide/test/slack-bot-token', BOT_TOKEN]]);
      expect(InvalidParameters).toEqual(['/team-ide/test/missing']);
    });

    it('creates a marker once (Overwrite: false), pages by path, and deletes', async () => {
      const put = (name: string) => ssm.send(new PutParameterCommand({ Name: name, Value: 'x', Type: 'String', Overwrite: false }));
      for (let index = 1; index <= 12; index++) await put(`/team-ide-test/runs/uuid-1/marker-${index}`);
      await put('/team-ide-test/elsewhere');

      const again = await put('/team-ide-test/runs/uuid-1/marker-1').catch((error: unknown) => error);
      const firstPage = await ssm.send(new GetParametersByPathCommand({ Path: '/team-ide-test/runs', Recursive: true }));
      const secondPage = await ssm.send(new GetParametersByPathCommand({ Path: '/team-ide-test/runs', Recursive: true, NextToken: firstPage.NextToken }));
      const notRecursive = await ssm.send(new GetParametersByPathCommand({ Path: '/team-ide-test/runs' }));
      const deleted = await ssm.send(new DeleteParametersCommand({ Names: ['/team-ide-test/elsewhere', '/team-ide-test/never'] }));

      expect(again).toBeInstanceOf(ParameterAlreadyExists);
      expect(firstPage.Parameters).toHaveLength(10);
      expect(secondPage.Parameters).toHaveLength(2);
      expect(secondPage.NextToken).toBeUndefined();
      expect(notRecursive.Parameters).toEqual([]);
      expect(deleted).toMatchObject({ DeletedParameters: ['/team-ide-test/elsewhere'], InvalidParameters: ['/team-ide-test/never'] });
    });

    it('answers an unknown secret as Secrets Manager does', async () => {
      await expect(secretsManager.send(new GetSecretValueCommand({ SecretId: 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:nope-AbCdEf' }))).rejects.toThrow(ResourceNotFoundException);
    });
  });

  describe('Slack', () => {
    const post = (body: unknown, token?: string) =>
      fetch(`${backend.url}/api/chat.postMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      }).then(async (response) => (await response.json()) as { ok: boolean; error?: string; ts?: string });

    it('posts with the bot token only, and keeps each message readable', async () => {
      const posted = await post({ channel: 'C0000TEAM', text: '<@U0000AAA1> started it' }, BOT_TOKEN);

      expect(posted).toMatchObject({ ok: true, ts: expect.stringMatching(/^\d+\.\d{6}$/) });
      expect(await post({ channel: 'C0000TEAM', text: 'x' })).toEqual({ ok: false, error: 'not_authed' });
      expect(await post({ channel: 'C0000TEAM', text: 'x' }, 'xoxb-wrong')).toEqual({ ok: false, error: 'invalid_auth' });
      expect(backend.slack.list().map((message) => [message.channel, message.rendered])).toEqual([['C0000TEAM', '@alice started it']]);
      expect(log).toContain('[slack] #C0000TEAM: @alice started it');
    });

    it('takes five messages on a response_url, as Slack allows, and refuses a sixth', async () => {
      const respond = () => fetch(`${backend.url}/slack/respond/abc-123`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response_type: 'ephemeral', text: 'hi' }) });

      const statuses = [];
      for (let use = 1; use <= 6; use++) statuses.push((await respond()).status);

      expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
      expect(backend.slack.list()).toHaveLength(5);
    });

    it('renders mrkdwn as plain text', () => {
      expect(plainText('<@U0000AAA1> at <!date^1795860000^{time}|2026-11-28T09:00Z>: <https://x.example|link> &lt;b&gt;', () => 'alice')).toBe('@alice at 2026-11-28T09:00Z: link (https://x.example) <b>');
    });
  });
});

describe('the awsQuery form', () => {
  it('reads lists of structures and of strings in member order', () => {
    const form = new URLSearchParams('Parameters.member.2.ParameterKey=B&Parameters.member.1.ParameterKey=A&Parameters.member.1.ParameterValue=1&Parameters.member.2.ParameterValue=2&Capabilities.member.2=CAPABILITY_AUTO_EXPAND&Capabilities.member.1=CAPABILITY_IAM');

    expect(queryStructList(form, 'Parameters')).toEqual([{ ParameterKey: 'A', ParameterValue: '1' }, { ParameterKey: 'B', ParameterValue: '2' }]);
    expect(queryStringList(form, 'Capabilities')).toEqual(['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND']);
  });
});
