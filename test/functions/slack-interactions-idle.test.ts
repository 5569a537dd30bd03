import { CloudFormationClient, DeleteStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeHandler, type SlackInteractionsDeps } from '../../functions/slack-interactions';
import { loadConfig } from '../../shared/core/config';
import { encodeKeepValue } from '../../shared/idle/idle-messages';
import { blockActionsBody, signedHeaders } from '../../sandbox/slack-request';
import { validEnv } from '../fixtures';
import { httpApiEvent } from '../helpers/http-api-event';
import { fakeParameterStore, recordingLogger, runStack, STACK_UUID } from '../helpers/run-fixtures';
import { recordingFetch } from '../helpers/slack-interaction';

const cloudFormation = mockClient(CloudFormationClient);
const ssm = mockClient(SSMClient);
const SIGNING_SECRET = 'fake-signing-secret-0123456789abcdef';
const RUN_ID = '6f1c2d3e-0000-4000-8000-000000000001';
const RESPONSE_URL = 'https://hooks.slack.com/actions/T0000TEAM/3333/secretpart';
const markers = `/team-ide-test/runs/${STACK_UUID}`;
const IDLE_SINCE = '2026-11-28T09:03:00.000Z';
const warningOut = JSON.stringify({ idleSince: IDLE_SINCE, warnedAt: '2026-11-28T09:33:00.000Z', channel: 'C0000TEAM', ts: '1764320000.000001' });

/** slack-interactions at 09:35, the idle warning of 09:33 out for a run idle since 09:03. */
function setup() {
  cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE', { Parameters: [{ ParameterKey: 'RunId', ParameterValue: RUN_ID }] })] });
  const store = fakeParameterStore(ssm, { [`${markers}/idle-warning`]: warningOut });
  const fetch = recordingFetch();
  const deps: SlackInteractionsDeps = {
    config: loadConfig(validEnv()),
    logger: recordingLogger(),
    cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
    ssm: new SSMClient({ region: 'eu-west-1' }),
    now: () => new Date('2026-11-28T09:35:00Z'),
    loadSigningSecret: vi.fn(async () => SIGNING_SECRET),
    fetch,
  };
  const handler = makeHandler(deps);
  const pressKeep = async (userId: string) => {
    const body = blockActionsBody({ actionId: 'keep_running', value: encodeKeepValue({ runId: RUN_ID, idleSince: IDLE_SINCE }), userId, channelId: 'C0000TEAM', responseUrl: RESPONSE_URL });
    return (await handler(httpApiEvent(body, signedHeaders(SIGNING_SECRET, body, Math.floor(Date.now() / 1000)), { path: '/slack/interactions' }), {})).statusCode;
  };
  return { store, fetch, pressKeep };
}

describe('slack-interactions: "Keep running" on the idle warning', () => {
  beforeEach(() => {
    cloudFormation.reset();
    ssm.reset();
  });

  it('turns the warning into who kept the run, and starts the idle clock again from the press', async () => {
    const { store, fetch, pressKeep } = setup();

    expect(await pressKeep('U0000AAA1')).toBe(200);

    expect(fetch.calls[0]?.url).toBe(RESPONSE_URL);
    expect(fetch.calls[0]?.body).toMatchObject({ replace_original: true, text: '<@U0000AAA1> kept the team IDEs <@U0000LEAD> started running.' });
    expect(store.get(`${markers}/idle-kept`)).toBe('2026-11-28T09:35:00.000Z');
    expect(store.has(`${markers}/idle-warning`)).toBe(false);
    expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
  });

  it('keeps the run once when pressed twice, and tells the second presser alone', async () => {
    const { fetch, pressKeep } = setup();

    await pressKeep('U0000AAA1');
    await pressKeep('U0000LEAD');

    expect(fetch.calls[1]?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false, text: 'Already kept running by <@U0000AAA1>: the idle clock starts again only once.' });
  });

  it('refuses someone who may not start and stop runs, and changes nothing', async () => {
    const { store, fetch, pressKeep } = setup();

    await pressKeep('U0000BBB2');

    expect(fetch.calls[0]?.body).toMatchObject({ response_type: 'ephemeral' });
    expect(String(fetch.calls[0]?.body.text)).toMatch(/not allowed|may not|only/i);
    expect(store.has(`${markers}/idle-kept`)).toBe(false);
    expect(store.has(`${markers}/idle-warning`)).toBe(true);
  });
});
