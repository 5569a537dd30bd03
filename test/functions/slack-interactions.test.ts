import {
  CloudFormationClient,
  CloudFormationServiceException,
  DeleteStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeHandler, type SlackInteractionsDeps } from '../../functions/slack-interactions';
import { makeHandler as makeSweeper } from '../../functions/sweeper';
import { loadConfig } from '../../shared/core/config';
import { encodeButtonValue } from '../../shared/runs/lifetime-messages';
import { encodeDiscardValue } from '../../shared/snapshots/work-messages';
import { signedHeaders } from '../../sandbox/slack-request';
import { validEnv } from '../fixtures';
import { httpApiEvent } from '../helpers/http-api-event';
import { recordingResponder } from '../helpers/recording-slack';
import { fakeParameterStore, recordingLogger, recordingPoster, runStack, STACK_ID, STACK_UUID } from '../helpers/run-fixtures';
import { blockActionsBody } from '../../sandbox/slack-request';
import { recordingFetch } from '../helpers/slack-interaction';

const cloudFormation = mockClient(CloudFormationClient);
const ssm = mockClient(SSMClient);
// The sweeper racing the buttons reads an empty failed-jobs queue.
mockClient(SQSClient).on(ReceiveMessageCommand).resolves({ Messages: [] });
const SIGNING_SECRET = 'fake-signing-secret-0123456789abcdef';
const RUN_ID = '6f1c2d3e-0000-4000-8000-000000000001';
const RESPONSE_URL = 'https://hooks.slack.com/actions/T0000TEAM/2222/secretpart';
const markers = `/team-ide-test/runs/${STACK_UUID}`;
const at = (time: string) => new Date(`2026-11-28T${time}Z`);
const seconds = () => Math.floor(Date.now() / 1000);
const shownFor17 = encodeButtonValue({ runId: RUN_ID, endsAt: '2026-11-28T17:00:00.000Z' });

function setup(options: { env?: Record<string, string>; markers?: Record<string, string>; now?: Date } = {}) {
  const clock = { now: options.now ?? at('16:50:00') };
  const logger = recordingLogger();
  const fetch = recordingFetch();
  const store = fakeParameterStore(ssm, options.markers);
  const deps: SlackInteractionsDeps = {
    config: loadConfig(validEnv(options.env)),
    logger,
    cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
    ssm: new SSMClient({ region: 'eu-west-1' }),
    now: () => clock.now,
    loadSigningSecret: vi.fn(async () => SIGNING_SECRET),
    fetch,
  };
  const handler = makeHandler(deps);
  /** Presses a button as Slack posts it: form body `payload=<json>`, signed. */
  const press = async (actionId: string, overrides: { userId?: string; value?: string; teamId?: string; headers?: Record<string, string> } = {}) => {
    const body = blockActionsBody({ actionId, value: overrides.value ?? shownFor17, userId: overrides.userId ?? 'U0000AAA1', channelId: 'C0000TEAM', responseUrl: RESPONSE_URL, ...(overrides.teamId ? { teamId: overrides.teamId } : {}) });
    const response = await handler(httpApiEvent(body, overrides.headers ?? signedHeaders(SIGNING_SECRET, body, seconds()), { path: '/slack/interactions' }), {});
    return response.statusCode;
  };
  return { clock, logger, fetch, store, deps, press };
}

/** What the sweeper needs besides the buttons' dependencies: an empty failed-jobs queue, a responder, a notifier that is never needed. */
const sweeperOnly = () => ({
  sqs: new SQSClient({ region: 'eu-west-1' }),
  ec2: new EC2Client({ region: 'eu-west-1' }),
  responder: recordingResponder(),
  dispatchNotifier: vi.fn(async () => undefined),
  sleep: async () => undefined,
  workWaitMs: 0,
});

const stackIs = (status: string, extra = {}) => cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack(status, extra)] });
const endsAtWrites = () => ssm.commandCalls(PutParameterCommand).filter((call) => call.args[0].input.Name === `${markers}/ends-at`);

describe('slack-interactions', () => {
  beforeEach(() => {
    cloudFormation.reset();
    ssm.reset();
    cloudFormation.on(DeleteStackCommand).resolves({});
  });

  describe('request verification', () => {
    it('refuses an unsigned press with 401 and does nothing', async () => {
      const { press, fetch } = setup();

      expect(await press('extend_run', { headers: { 'content-type': 'application/x-www-form-urlencoded' } })).toBe(401);
      expect(cloudFormation.calls()).toHaveLength(0);
      expect(ssm.calls()).toHaveLength(0);
      expect(fetch.calls).toEqual([]);
    });

    it('refuses a press signed 6 minutes ago, or with another secret, with 401', async () => {
      const { press } = setup();
      const body = blockActionsBody({ actionId: 'extend_run', value: shownFor17, userId: 'U0000AAA1', channelId: 'C0000TEAM', responseUrl: RESPONSE_URL });

      expect(await press('extend_run', { headers: signedHeaders(SIGNING_SECRET, body, seconds() - 6 * 60) })).toBe(401);
      expect(await press('extend_run', { headers: signedHeaders('another-secret', body, seconds()) })).toBe(401);
      expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
    });

    it('refuses a press dated 6 minutes ahead with 401', async () => {
      const { press, fetch } = setup();
      const body = blockActionsBody({ actionId: 'stop_run', value: shownFor17, userId: 'U0000AAA1', channelId: 'C0000TEAM', responseUrl: RESPONSE_URL });

      expect(await press('stop_run', { headers: signedHeaders(SIGNING_SECRET, body, seconds() + 6 * 60) })).toBe(401);
      expect(cloudFormation.calls()).toHaveLength(0);
      expect(fetch.calls).toEqual([]);
    });

    it('refuses a press from another Slack workspace, to the presser only, and changes nothing', async () => {
      stackIs('CREATE_COMPLETE');
      const { press, fetch } = setup();

      expect(await press('stop_run', { teamId: 'T0000ELSE' })).toBe(200);

      expect(cloudFormation.calls()).toHaveLength(0);
      expect(fetch.calls).toEqual([expect.objectContaining({ body: expect.objectContaining({ response_type: 'ephemeral', text: expect.stringContaining('another Slack workspace') }) })]);
    });
  });

  describe('Extend', () => {
    it('moves the end by EXTEND_HOURS and turns the warning into who extended it until when', async () => {
      // Prepare
      stackIs('CREATE_COMPLETE');
      const { press, fetch, store } = setup();

      // Act
      const status = await press('extend_run');

      // Assess
      expect(status).toBe(200);
      expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: `${markers}/ends-at`, Value: '2026-11-28T19:00:00.000Z', Overwrite: true });
      expect(store.get(`${markers}/end-20261128T170000Z`)).toBe('extended 2026-11-28T19:00:00.000Z');
      expect(fetch.calls).toHaveLength(1);
      expect(fetch.calls[0]?.url).toBe(RESPONSE_URL);
      expect(fetch.calls[0]?.body).toMatchObject({ replace_original: true, text: expect.stringContaining('<@U0000AAA1> extended the team IDEs <@U0000LEAD> started until <!date^1795892400') });
    });

    it('extends once when the button is pressed twice', async () => {
      stackIs('CREATE_COMPLETE');
      const { press, fetch } = setup();

      await Promise.all([press('extend_run'), press('extend_run')]);
      await press('extend_run');

      expect(endsAtWrites()).toHaveLength(1);
      expect(fetch.calls.filter((call) => call.body.replace_original === true)).toHaveLength(1);
      const others = fetch.calls.filter((call) => call.body.replace_original === false);
      expect(others).toHaveLength(2);
      expect(others.every((call) => call.body.response_type === 'ephemeral' && String(call.body.text).startsWith('Already extended: the team IDEs now run until <!date^1795892400'))).toBe(true);
    });

    it('does not extend past MAX_HOURS from the run\'s start, and says it was capped', async () => {
      stackIs('CREATE_COMPLETE');
      const { press, fetch } = setup({ env: { MAX_HOURS: '9' } });

      await press('extend_run');

      expect(endsAtWrites()[0]?.args[0].input.Value).toBe('2026-11-28T18:00:00.000Z');
      expect(JSON.stringify(fetch.calls[0]?.body)).toContain('That is as long as a run may live: 9 h from its start.');
    });

    it('refuses, to the presser only, when the run already lives MAX_HOURS', async () => {
      stackIs('CREATE_COMPLETE');
      const { press, fetch } = setup({ env: { MAX_HOURS: '8' } });

      await press('extend_run');

      expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
      expect(fetch.calls[0]?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false, text: expect.stringContaining('already run as long as a run may: 8 h from their start') });
    });

    it('answers a press on an older warning with the end the run has now', async () => {
      stackIs('CREATE_COMPLETE');
      const { press, fetch } = setup({ markers: { [`${markers}/ends-at`]: '2026-11-28T19:00:00.000Z' } });

      await press('extend_run');

      expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
      expect(fetch.calls[0]?.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Already extended') });
    });

    it.each([
      ['no stack is left', () => cloudFormation.on(DescribeStacksCommand).rejects(new CloudFormationServiceException({ name: 'ValidationError', message: 'Stack with id team-ide-test-ides does not exist', $fault: 'client', $metadata: {} }))],
      ['the stack is being deleted', () => stackIs('DELETE_IN_PROGRESS')],
      ['a newer run holds the stack name', () => stackIs('CREATE_COMPLETE', { Tags: runStack('CREATE_COMPLETE').Tags?.map((tag) => (tag.Key === 'team-ide:run-id' ? { ...tag, Value: 'a-newer-run' } : tag)) })],
    ])('answers "already stopped" when %s', async (_case, arrange) => {
      arrange();
      const { press, fetch } = setup();

      await press('extend_run');

      expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
      expect(fetch.calls[0]?.body).toMatchObject({ replace_original: true, text: expect.stringContaining('have already stopped') });
    });

    it('answers "already stopped" once the sweeper reached the end first', async () => {
      stackIs('CREATE_COMPLETE');
      const { press, fetch } = setup({ now: at('17:00:20'), markers: { [`${markers}/end-20261128T170000Z`]: 'reached' } });

      await press('extend_run');

      expect(endsAtWrites()).toHaveLength(0);
      expect(fetch.calls[0]?.body.text).toContain('have already stopped');
    });

    it('refuses someone not on ALLOWED_USERS, to them only, and changes nothing', async () => {
      stackIs('CREATE_COMPLETE');
      const { press, fetch } = setup();

      const status = await press('extend_run', { userId: 'U0000BBB2' });

      expect(status).toBe(200);
      expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
      expect(fetch.calls[0]?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false, text: expect.stringContaining('You are not allowed to start or stop team IDEs') });
    });
  });

  describe('Stop now', () => {
    it('deletes the run by its id and turns the warning into who stopped it', async () => {
      stackIs('CREATE_COMPLETE');
      const { press, fetch, store } = setup();

      await press('stop_run');

      expect(cloudFormation).toHaveReceivedCommandExactlyOnceWith(DeleteStackCommand, { StackName: STACK_ID });
      expect(store.has(`${markers}/stopping`)).toBe(true);
      expect(fetch.calls[0]?.body).toMatchObject({ replace_original: true, text: expect.stringContaining('<@U0000AAA1> is stopping the team IDEs started by <@U0000LEAD>') });
    });

    it('makes one DeleteStack and one channel message when it races the sweeper at the end', async () => {
      // Prepare: the button and the sweeper share the markers, as in AWS.
      stackIs('CREATE_COMPLETE');
      const { press, fetch, deps } = setup({ now: at('17:00:05'), markers: { [`${markers}/notified`]: 't' } });
      const slack = recordingPoster();
      const sweep = makeSweeper({ ...deps, ...sweeperOnly(), slack });

      // Act
      const [outcome] = await Promise.all([sweep({}), press('stop_run')]);

      // Assess
      expect(cloudFormation).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
      const buttonStopped = fetch.calls[0]?.body.replace_original === true && String(fetch.calls[0]?.body.text).includes('is stopping');
      expect(Number(buttonStopped) + slack.posts.length).toBe(1);
      expect(outcome.action === 'stopped').toBe(!buttonStopped);
    });

    it('refuses someone not on ALLOWED_USERS and deletes nothing', async () => {
      stackIs('CREATE_COMPLETE');
      const { press, fetch } = setup();

      await press('stop_run', { userId: 'U0000BBB2' });

      expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
      expect(fetch.calls[0]?.body.text).toContain('not allowed');
    });
  });

  describe('Stop and discard the work (the confirmation of /ide stop --discard)', () => {
    const discardValue = encodeDiscardValue(RUN_ID);
    const work = `/team-ide-test/work/${STACK_UUID}`;

    it('marks the run\'s work as discarded before it deletes the run, then removes the confirmation and tells the channel', async () => {
      stackIs('CREATE_COMPLETE');
      const { press, fetch, store } = setup();

      await press('discard_stop', { value: discardValue });

      expect(store.get(`${work}/discard`)).toBe('2026-11-28T16:50:00.000Z');
      expect(JSON.parse(store.get(`${work}/run`) ?? '{}')).toMatchObject({ stackId: STACK_ID, runId: RUN_ID });
      expect(cloudFormation).toHaveReceivedCommandExactlyOnceWith(DeleteStackCommand, { StackName: STACK_ID });
      expect(fetch.calls.map((call) => call.body)).toEqual([
        { delete_original: true },
        expect.objectContaining({ response_type: 'in_channel', replace_original: false, text: expect.stringContaining('Their work is discarded: no snapshot of this run is kept.') }),
      ]);
    });

    it('still discards the work of a run that is already stopping, without a second deletion', async () => {
      stackIs('DELETE_IN_PROGRESS');
      const { press, fetch, store } = setup();

      await press('discard_stop', { value: discardValue });

      expect(store.has(`${work}/discard`)).toBe(true);
      expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
      expect(fetch.calls[1]?.body.text).toContain('they were already stopping, and no snapshot of them is kept');
    });

    it('discards nothing for a confirmation of another run, or someone not on ALLOWED_USERS', async () => {
      stackIs('CREATE_COMPLETE');
      const { press, fetch, store } = setup();

      await press('discard_stop', { value: encodeDiscardValue('an-earlier-run') });
      await press('discard_stop', { value: discardValue, userId: 'U0000BBB2' });

      expect(store.has(`${work}/discard`)).toBe(false);
      expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
      expect(fetch.calls.map((call) => call.body.text)).toEqual([expect.stringContaining('already stopped'), expect.stringContaining('not allowed')]);
    });
  });

  it('extends or stops, never both, when Extend races the sweeper at the end', async () => {
    stackIs('CREATE_COMPLETE');
    const { press, fetch, deps } = setup({ now: at('17:00:01'), markers: { [`${markers}/notified`]: 't' } });
    const sweep = makeSweeper({ ...deps, ...sweeperOnly(), slack: recordingPoster() });

    const [outcome] = await Promise.all([sweep({}), press('extend_run')]);

    const extended = String(fetch.calls[0]?.body.text).includes('extended the team IDEs');
    expect(extended).toBe(outcome.action === 'waiting');
    expect(cloudFormation.commandCalls(DeleteStackCommand)).toHaveLength(extended ? 0 : 1);
  });

  it('apologizes with an error id when AWS fails, and logs no payload or response_url', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(new Error('socket hang up'));
    const { press, fetch, logger } = setup();

    await press('extend_run');

    expect(fetch.calls[0]?.body.text).toMatch(/Sorry, something went wrong on our side.*`[0-9a-f]{8}`/);
    expect(logger.text()).not.toContain('secretpart');
    expect(logger.text()).not.toContain(SIGNING_SECRET);
  });

  it('reads the signing secret once, not on every press', async () => {
    stackIs('CREATE_COMPLETE');
    const { press, deps } = setup();

    await press('extend_run');
    await press('extend_run');

    expect(deps.loadSigningSecret).toHaveBeenCalledTimes(1);
  });
});
