import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DeleteParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ParameterAlreadyExists,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseFaultSwitches } from '../../sandbox/backend/faults';
import { queryStringList, queryStructList } from '../../sandbox/backend/aws-protocols';
import { type BackendOptions, type SandboxBackend, startBackend } from '../../sandbox/backend/server';
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
import { credentials } from '../helpers/sandbox-backend';

const STACK_NAME = 'team-ide-test-ides';
const BOT_TOKEN = 'xoxb-backend';
const config = loadConfig(validEnv());

describe('the sandbox backend, through the real AWS SDK clients', () => {
  let backend: SandboxBackend;
  let published: StackStatusChangeEvent[];
  let cloudFormation: CloudFormationClient;
  let secretsManager: SecretsManagerClient;
  let ssm: SSMClient;
  const log: string[] = [];
  /** While set, every stack operation waits for it before it finishes (the backend's stackGate). */
  let held: Promise<void> | undefined;
  /** Holds every stack operation in progress until the returned function is called. */
  const holdStacks = (): (() => void) => {
    let release = () => {};
    held = new Promise<void>((resolve) => {
      release = () => {
        held = undefined;
        resolve();
      };
    });
    return release;
  };

  async function start(options: Partial<Pick<BackendOptions, 'failSlot' | 'faults' | 'privateChannels' | 'lambda'>> = {}): Promise<void> {
    published = [];
    backend = await startBackend({
      host: '127.0.0.1',
      port: 0,
      region: 'eu-west-1',
      accountId: '000000000000',
      stackDelayMs: 20,
      // A test that looks at a stack in progress holds it there (holdStacks), however busy the machine.
      stackGate: () => held ?? Promise.resolve(),
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
      parameters: teamStackParameters(config.team, { runId: token, seats: seatsFor(slots), instanceType: 't3.large', share: shareHost('t3.large', slots.length)!, dataVolume: NO_DATA_VOLUME, previews: true }),
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
      const release = holdStacks();
      const stackId = await createRun([1, 2, 5]);
      const starting = await describeTeamStack(cloudFormation, STACK_NAME);
      release();

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

    it('fails an AWS::SSM::Parameter that is not String or StringList, as CloudFormation makes no SecureString', async () => {
      const secureSeatReport = teamTemplateBody.replace(/(SeatReport:\s+Type: 'AWS::SSM::Parameter'\s+Properties:[^]*?\n\s+Type: )String/, '$1SecureString');
      expect(secureSeatReport).not.toBe(teamTemplateBody);

      const stackId = await createTeamStack(cloudFormation, {
        stackName: STACK_NAME,
        templateBody: secureSeatReport,
        parameters: teamStackParameters(config.team, { runId: 'run-1', seats: seatsFor([1]), instanceType: 't3.large', share: shareHost('t3.large', 1)!, dataVolume: NO_DATA_VOLUME, previews: false }),
        tags: [],
        clientRequestToken: 'run-1',
        serviceRoleArn: '',
      });
      await waitFor('ROLLBACK_COMPLETE', async () => ((await statusOf(stackId)) === 'ROLLBACK_COMPLETE' ? true : undefined), 5_000, 10);

      expect(await findFirstFailedResource(cloudFormation, stackId)).toMatchObject({ logicalId: 'SeatReport', reason: expect.stringContaining('#/Type: SecureString is not a valid enum value') });
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

      const release = holdStacks();
      await deleteTeamStack(cloudFormation, STACK_NAME);
      const deleting = await statusOf(stackId);
      release();
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

  describe('Slack, refusing what Slack refuses', () => {
    beforeEach(async () => {
      await backend.close();
      await start({ privateChannels: ['C0PRIVATE1'] });
    });

    const post = (body: unknown) =>
      fetch(`${backend.url}/api/chat.postMessage`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${BOT_TOKEN}` }, body: JSON.stringify(body) }).then(
        async (response) => (await response.json()) as { ok: boolean; error?: string },
      );

    it('answers channel_not_found in a private channel the bot is not in, and takes a direct message to a user', async () => {
      expect(await post({ channel: 'C0PRIVATE1', text: 'ready' })).toEqual({ ok: false, error: 'channel_not_found' });
      expect(await post({ channel: 'U0000AAA1', text: 'ready, in private' })).toMatchObject({ ok: true });
      expect(backend.slack.list().map((message) => [message.channel, message.rendered])).toEqual([['U0000AAA1', 'ready, in private']]);
      expect(log).toContain('[slack] DM to @alice: ready, in private');
    });

    it('refuses a message over Block Kit\'s limits with invalid_blocks, on chat.postMessage and on a response_url', async () => {
      const tooLong = { text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }] };

      const posted = await post({ channel: 'C0000TEAM', ...tooLong });
      const responded = await fetch(`${backend.url}/slack/respond/abc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tooLong) });

      expect(posted).toMatchObject({ ok: false, error: 'invalid_blocks' });
      expect(responded.status).toBe(400);
      expect(backend.slack.list()).toEqual([]);
    });
  });

  describe('SANDBOX_FAULTS', () => {
    beforeEach(async () => {
      await backend.close();
      await start({ faults: parseFaultSwitches('DescribeStacks(arn:*):Throttling:2,GetParameter:InternalFailure:1') });
    });

    it('throttles the named operation on the named targets only, as often as it says, then answers as usual', async () => {
      const once = new CloudFormationClient({ region: 'eu-west-1', endpoint: backend.url, credentials, maxAttempts: 1 });
      const stackId = await createRun([1]);

      const byName = await describeTeamStack(once, STACK_NAME);
      const byId = [await describeRunStack(once, stackId).catch((error: unknown) => error), await describeRunStack(once, stackId).catch((error: unknown) => error)];
      const third = await describeRunStack(once, stackId);

      expect(byName?.stackId).toBe(stackId);
      expect(byId).toEqual([expect.objectContaining({ awsErrorName: 'Throttling' }), expect.objectContaining({ awsErrorName: 'Throttling' })]);
      expect(third?.stackId).toBe(stackId);
      expect(backend.faults.remaining()).toEqual([0, 1]);
      expect(log).toContain(`[faults] DescribeStacks ${stackId} answered Throttling (2 of 2)`);
    });

    it('fails an SSM call with a server error the SDK retries', async () => {
      await ssm.send(new PutParameterCommand({ Name: '/team-ide-test/runs/u/notified', Value: 't', Type: 'String' }));

      const { Parameter } = await ssm.send(new GetParameterCommand({ Name: '/team-ide-test/runs/u/notified' }));

      expect(Parameter?.Value).toBe('t');
      expect(backend.faults.remaining()).toEqual([2, 0]);
    });

    it('matches a GetParameters call by the first of its Names', async () => {
      await backend.close();
      await start({ faults: parseFaultSwitches('GetParameters(/team-ide-test/tls-*):InternalFailure:1') });
      const once = new SSMClient({ region: 'eu-west-1', endpoint: backend.url, credentials, maxAttempts: 1 });

      const other = await once.send(new GetParametersCommand({ Names: ['/team-ide-test/slack-bot-token', '/team-ide-test/tls-certificate'] }));
      const named = await once.send(new GetParametersCommand({ Names: ['/team-ide-test/tls-certificate', '/team-ide-test/tls-certificate-status'] })).catch((error: unknown) => error);

      expect(other.InvalidParameters).toHaveLength(2);
      expect(named).toMatchObject({ name: 'InternalFailure' });
      expect(backend.faults.remaining()).toEqual([0]);
    });

    it('refuses a switch it cannot read, saying what it expects', () => {
      expect(() => parseFaultSwitches('DescribeStacks:6')).toThrow('"DescribeStacks:6" is not Operation[(target)]:ErrorCode:times, e.g. DescribeStacks(arn:*):Throttling:6');
    });
  });

  describe('SQS (the failed-jobs queue)', () => {
    const queueUrl = () => `${backend.url}/000000000000/failed-jobs`;

    it('hides a received message for its visibility timeout, counts its reads, and deletes it by its latest receipt handle only', async () => {
      const sqs = new SQSClient({ region: 'eu-west-1', endpoint: backend.url, credentials });
      backend.failedJobs.send('{"job":1}');

      const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(), MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
      const second = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(), MaxNumberOfMessages: 10, VisibilityTimeout: 60, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
      const hidden = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(), MaxNumberOfMessages: 10 }));
      const stale = await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl(), ReceiptHandle: first.Messages?.[0]?.ReceiptHandle })).catch((error: unknown) => error);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl(), ReceiptHandle: second.Messages?.[0]?.ReceiptHandle }));

      expect(first.Messages?.map((message) => [message.Body, message.Attributes?.ApproximateReceiveCount])).toEqual([['{"job":1}', '1']]);
      expect(second.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
      expect(hidden.Messages ?? []).toEqual([]);
      expect(stale).toMatchObject({ name: 'ReceiptHandleIsInvalid' });
      expect(backend.failedJobs.list()).toEqual([]);
    });

    it('answers a queue it does not hold, and more than 10 messages a read, as SQS does', async () => {
      const sqs = new SQSClient({ region: 'eu-west-1', endpoint: backend.url, credentials });

      await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl: `${backend.url}/000000000000/other` }))).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
      await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(), MaxNumberOfMessages: 11 }))).rejects.toThrow(/Must be between 1 and 10/);
    });

    it('returns only the attributes a receive names, and none when it names none, as SQS does', async () => {
      const sqs = new SQSClient({ region: 'eu-west-1', endpoint: backend.url, credentials });
      backend.failedJobs.send('{"job":1}');

      const unnamed = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(), VisibilityTimeout: 0 }));
      const named = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(), VisibilityTimeout: 0, MessageSystemAttributeNames: ['SentTimestamp'] }));
      const all = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(), VisibilityTimeout: 0, MessageSystemAttributeNames: ['All'] }));

      expect(unnamed.Messages?.[0]?.Attributes).toBeUndefined();
      expect(Object.keys(named.Messages?.[0]?.Attributes ?? {})).toEqual(['SentTimestamp']);
      expect(all.Messages?.[0]?.Attributes).toMatchObject({ ApproximateReceiveCount: '3', ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/), SentTimestamp: expect.stringMatching(/^\d+$/) });
    });

    it('refuses a visibility timeout outside 0 to 43200 seconds, or not a number, and keeps the message visible', async () => {
      const sqs = new SQSClient({ region: 'eu-west-1', endpoint: backend.url, credentials });
      backend.failedJobs.send('{"job":1}');

      for (const timeout of [-1, 43_201, Number.NaN]) {
        await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(), VisibilityTimeout: timeout }))).rejects.toMatchObject({
          name: 'InvalidParameterValue',
          message: expect.stringMatching(/parameter VisibilityTimeout is invalid\. Reason: Must be between 0 and 43200/),
        });
      }
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(), VisibilityTimeout: 43_200 }));
      expect(received.Messages?.map((message) => message.Body)).toEqual(['{"job":1}']);
    });
  });

  describe('Lambda Invoke, in front of serverless-offline', () => {
    let offline: Server;
    let calls: { name: string; type: string; body: string }[];
    let failuresLeft: number;

    /** A stand-in for serverless-offline: each call fails with StackNotReadyError while `failuresLeft` lasts. */
    async function startOffline(): Promise<string> {
      calls = [];
      offline = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          calls.push({ name: decodeURIComponent(request.url?.split('/')[3] ?? ''), type: String(request.headers['x-amz-invocation-type']), body });
          if (failuresLeft-- > 0) {
            response.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
            response.end(JSON.stringify({ errorMessage: 'The run\'s stack is CREATE_IN_PROGRESS', errorType: 'Error', trace: ['StackNotReadyError: The run\'s stack is CREATE_IN_PROGRESS', '    at x'] }));
            return;
          }
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end('null');
        });
      });
      await new Promise<void>((resolve) => offline.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(offline.address() as AddressInfo).port}`;
    }

    beforeEach(async () => {
      await backend.close();
      const offlineUrl = await startOffline();
      await start({
        lambda: {
          offlineUrl,
          functions: { 'team-ide-test-notifier': { maximumRetryAttempts: 1, onFailure: true }, 'team-ide-test-sweeper': { maximumRetryAttempts: 0, onFailure: false } },
          retryDelaysMs: [10, 20],
        },
      });
    });

    afterEach(() => new Promise((resolve) => offline.close(resolve)));

    const lambda = () => new LambdaClient({ region: 'eu-west-1', endpoint: backend.url, credentials });
    const invokeAsync = (name: string, payload: unknown) => lambda().send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }));

    it('retries a failed asynchronous job as often as the function allows, then writes Lambda\'s record to the failed-jobs queue', async () => {
      failuresLeft = 2;

      const accepted = await invokeAsync('team-ide-test-notifier', { stackId: 'arn-1' });
      const [entry] = await waitFor('the record', async () => (backend.failedJobs.list().length > 0 ? backend.failedJobs.list() : undefined), 5_000, 10);

      expect(accepted.StatusCode).toBe(202);
      expect(calls.map((call) => [call.name, call.type, call.body])).toEqual([
        ['team-ide-test-notifier', 'RequestResponse', '{"stackId":"arn-1"}'],
        ['team-ide-test-notifier', 'RequestResponse', '{"stackId":"arn-1"}'],
      ]);
      expect(JSON.parse(entry!.body)).toMatchObject({
        requestContext: { functionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:team-ide-test-notifier:$LATEST', condition: 'RetriesExhausted', approximateInvokeCount: 2 },
        requestPayload: { stackId: 'arn-1' },
        responsePayload: { errorType: 'StackNotReadyError', errorMessage: 'The run\'s stack is CREATE_IN_PROGRESS' },
      });
    });

    it('runs a job once when it succeeds, and drops the failure of a function without a destination', async () => {
      failuresLeft = 1;

      await invokeAsync('team-ide-test-sweeper', {});
      await waitFor('the sweeper\'s job given up', async () => (log.some((line) => line.includes('team-ide-test-sweeper failed 1 time(s)')) ? true : undefined), 5_000, 10);
      await invokeAsync('team-ide-test-notifier', { stackId: 'arn-2' });
      await waitFor('the notifier\'s run', async () => (calls.length === 2 ? true : undefined), 5_000, 10);

      expect(backend.failedJobs.list()).toEqual([]);
      await expect(invokeAsync('team-ide-test-nope', {})).rejects.toThrow(/Function not found/);
    });

    it('keeps a journal of the attempts in the order they started and ended, under the request id its answer gave', async () => {
      failuresLeft = 3;

      const retried = await invokeAsync('team-ide-test-notifier', { stackId: 'arn-3' });
      const dropped = await invokeAsync('team-ide-test-sweeper', {});
      const [lastRetried, lastDropped] = await Promise.all([backend.lambda!.whenSettled(retried.$metadata.requestId!), backend.lambda!.whenSettled(dropped.$metadata.requestId!)]);
      const done = await invokeAsync('team-ide-test-sweeper', {});
      const lastDone = await backend.lambda!.whenSettled(done.$metadata.requestId!);

      const journal = backend.lambda!.attempts();
      expect(journal.map((attempt) => [attempt.functionName, attempt.attempt, attempt.outcome])).toEqual([
        ['team-ide-test-notifier', 1, 'retrying'],
        ['team-ide-test-sweeper', 1, 'dropped'],
        ['team-ide-test-notifier', 2, 'queued'],
        ['team-ide-test-sweeper', 1, 'succeeded'],
      ]);
      expect(journal.filter((attempt) => attempt.functionName === 'team-ide-test-notifier').map((attempt) => attempt.requestId)).toEqual([retried.$metadata.requestId, retried.$metadata.requestId]);
      expect([lastRetried, lastDropped, lastDone]).toEqual([journal[2], journal[1], journal[3]]);
      // One order for starts and ends: each attempt ends after it starts, and a retry starts after its attempt ended.
      for (const attempt of journal) expect(attempt.endedSeq).toBeGreaterThan(attempt.startedSeq);
      expect(journal[2]!.startedSeq).toBeGreaterThan(journal[0]!.endedSeq!);
      expect(JSON.parse(lastRetried.record!)).toMatchObject({ requestContext: { requestId: retried.$metadata.requestId, approximateInvokeCount: 2 } });
      expect(backend.failedJobs.list().map((entry) => entry.body)).toEqual([lastRetried.record]);
      expect(backend.lambda!.attempts('team-ide-test-sweeper')).toHaveLength(2);
    });
  });
});

describe('the awsQuery form', () => {
  it('reads lists of structures and of strings in member order', () => {
    const form = new URLSearchParams('Parameters.member.2.ParameterKey=B&Parameters.member.1.ParameterKey=A&Parameters.member.1.ParameterValue=1&Parameters.member.2.ParameterValue=2&Capabilities.member.2=CAPABILITY_AUTO_EXPAND&Capabilities.member.1=CAPABILITY_IAM');

    expect(queryStructList(form, 'Parameters')).toEqual([{ ParameterKey: 'A', ParameterValue: '1' }, { ParameterKey: 'B', ParameterValue: '2' }]);
    expect(queryStringList(form, 'Capabilities')).toEqual(['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND']);
  });

  it('reads EC2\'s lists, numbered without the member segment', () => {
    const form = new URLSearchParams('VpcId.2=vpc-b&VpcId.1=vpc-a&Other.member.1=x');

    expect(queryStringList(form, 'VpcId', '.')).toEqual(['vpc-a', 'vpc-b']);
    expect(queryStringList(form, 'Other', '.')).toEqual([]);
  });
});
