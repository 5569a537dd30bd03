import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsDeps, makeHandler } from '../../functions/slack-command';
import { loadConfig } from '../../shared/core/config';
import { createLogger } from '../../shared/core/logger';
import { answerClients, HAND_OFF_NOT_CONFIRMED, ROSTER_NOT_READ_IN_TIME } from '../../shared/slack/answer-budget';
import { encodeRoster } from '../../shared/team/roster-document';
import { rosterParameterName } from '../../shared/team/roster-store';
import { signedHeaders, slashCommandBody } from '../../sandbox/slack-request';
import type { SandboxBackend } from '../../sandbox/backend/server';
import { validEnv } from '../fixtures';
import { httpApiEvent } from '../helpers/http-api-event';
import { startTestBackend } from '../helpers/sandbox-backend';
import { type FunctionsStandIn, operationOf, type SlowAws, startFunctionsStandIn, startSlowAws } from '../helpers/slow-aws';

const SIGNING_SECRET = 'fake-signing-secret-0123456789abcdef';
/** Slack's limit for the answer: what the AWS calls' limits are there to keep. */
const SLACK_LIMIT_MS = 3_000;

/**
 * slack-command as deployed (its own AWS clients and their limits, signed requests), against
 * the sandbox backend's SSM and Lambda Invoke, reached through an endpoint that can make
 * any call hang as a slow AWS would.
 */
describe('slack-command when AWS is slow', () => {
  let backend: SandboxBackend;
  let functions: FunctionsStandIn;
  let aws: SlowAws;
  const config = loadConfig(validEnv());
  /** A deployment whose role may not read its roster: SSM refuses it (an IAM mistake, not slowness). */
  const deniedConfig = loadConfig(validEnv({ STACK_NAME_PREFIX: 'team-ide-denied' }));

  beforeEach(async () => {
    functions = await startFunctionsStandIn();
    backend = await startTestBackend({
      parameters: { [config.slackSigningSecretParameter]: SIGNING_SECRET },
      faults: [{ operation: 'GetParameter', target: rosterParameterName(deniedConfig.stackNamePrefix), code: 'AccessDeniedException', times: 10 }],
      lambda: { offlineUrl: functions.url, functions: { [config.launcherFunctionName]: { maximumRetryAttempts: 0, onFailure: false } }, retryDelaysMs: [0] },
    });
    // The team's roster as `/ide roster add` stored it: dev-7 is on no ROSTER setting.
    backend.parameterStore.put(rosterParameterName(config.stackNamePrefix), encodeRoster([...config.roster, { slot: 7, userId: 'U0000NEW7', name: 'newbie', email: 'newbie@example.com' }]), 'String');
    aws = await startSlowAws(backend.url);
  });

  afterEach(async () => {
    await aws.close();
    await backend.close();
    await functions.close();
  });

  function slackCommand(deployment = config) {
    const handler = makeHandler(awsDeps(deployment, createLogger('slack-command-aws-limits-test'), answerClients({ region: config.region, endpoint: aws.url })));
    return async (text: string) => {
      const body = slashCommandBody({ command: '/ide', text, userId: 'U0000LEAD', userName: 'lead', channelId: 'C0000TEAM', responseUrl: 'https://hooks.slack.com/commands/T0000TEAM/1/abc' });
      const startedAt = performance.now();
      const response = await handler(httpApiEvent(body, signedHeaders(SIGNING_SECRET, body, Math.floor(Date.now() / 1000))), {});
      return { status: response.statusCode, text: (JSON.parse(response.body ?? '{}') as { text?: string }).text, ms: performance.now() - startedAt };
    };
  }

  const holding = (operation: string) => aws.answerWith((request) => (operationOf(request) === operation ? 'hold' : 'forward'));

  it('reads the secret and the stored roster from SSM and hands the start to the launcher when AWS answers', async () => {
    const send = slackCommand();

    const answer = await send('start <@U0000NEW7|newbie>');

    expect(answer.text).toMatch(/^On it: starting 1 IDE/);
    await expect.poll(() => functions.payloads).toEqual([expect.objectContaining({ action: 'start', request: { seats: { kind: 'people', people: [{ userId: 'U0000NEW7', label: '@newbie' }] } } })]);
  });

  it('answers `/ide start` in time with a plain "try again" when SSM does not hand over the roster, and starts nothing', async () => {
    holding('GetParameter');
    const send = slackCommand();

    const answer = await send('start 2');

    expect(aws.held()).toBeGreaterThan(0);
    expect(answer).toMatchObject({ status: 200, text: ROSTER_NOT_READ_IN_TIME });
    expect(answer.ms).toBeLessThan(SLACK_LIMIT_MS);
    expect(functions.payloads).toEqual([]);
  });

  it('answers `/ide roster` in time with the same "try again"', async () => {
    const send = slackCommand();
    await send('help');
    holding('GetParameter');

    const answer = await send('roster');

    expect(answer).toMatchObject({ status: 200, text: ROSTER_NOT_READ_IN_TIME });
    expect(answer.ms).toBeLessThan(SLACK_LIMIT_MS);
  });

  it('says the command may or may not run when Lambda does not confirm the hand-off in time', async () => {
    holding('Invoke');
    const send = slackCommand();

    const answer = await send('stop');

    expect(aws.held()).toBeGreaterThan(0);
    expect(answer).toMatchObject({ status: 200, text: HAND_OFF_NOT_CONFIRMED });
    expect(answer.ms).toBeLessThan(SLACK_LIMIT_MS);
  });

  it('hands a command on once when Lambda accepts it late, within the call\'s limit', async () => {
    aws.answerWith((request) => (operationOf(request) === 'Invoke' ? { lateMs: 400 } : 'forward'));
    const send = slackCommand();

    const answer = await send('stop');
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    expect(answer.text).toMatch(/^On it/);
    expect(functions.payloads).toEqual([expect.objectContaining({ action: 'stop' })]);
  });

  it('never sends the hand-off again after Lambda was slow to confirm it: the job may be queued', async () => {
    aws.answerWith((request) => (operationOf(request) === 'Invoke' ? { lateMs: 700 } : 'forward'));
    const send = slackCommand();

    const answer = await send('stop');
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    expect(answer.text).toBe(HAND_OFF_NOT_CONFIRMED);
    expect(functions.payloads).toEqual([expect.objectContaining({ action: 'stop' })]);
  });

  it('fails a cold start in time when SSM does not hand over the signing secret, and reads it again on the next request', async () => {
    holding('GetParameters');
    const send = slackCommand();
    const startedAt = performance.now();

    await expect(send('help')).rejects.toThrow(/did not answer|timeout/i);
    const failedAfterMs = performance.now() - startedAt;
    aws.answerWith(() => 'forward');
    const next = await send('help');

    expect(failedAfterMs).toBeLessThan(SLACK_LIMIT_MS);
    expect(next.text).toBe('How to use /ide');
  });

  it('answers with an apology and an error id when SSM refuses the roster, which no second try mends', async () => {
    const send = slackCommand(deniedConfig);

    const answer = await send('start 2');

    expect(answer.text).toMatch(/^Sorry, something went wrong on our side\. .*`[\w-]+`\.$/);
    expect(functions.payloads).toEqual([]);
  });

  it('tries a call again at once when its connection is closed under it, as a kept-alive socket may be after the function was frozen', async () => {
    let dropped = 0;
    aws.answerWith((request) => (operationOf(request) === 'GetParameter' && dropped++ === 0 ? 'drop' : 'forward'));
    const send = slackCommand();

    const answer = await send('start <@U0000NEW7|newbie>');

    expect(dropped).toBe(2);
    expect(answer.text).toMatch(/^On it: starting 1 IDE/);
  });

  it('tries the hand-off again at once when its connection is closed before Lambda answered, and hands it on once', async () => {
    let dropped = 0;
    aws.answerWith((request) => (operationOf(request) === 'Invoke' && dropped++ === 0 ? 'drop' : 'forward'));
    const send = slackCommand();

    const answer = await send('stop');

    expect(answer.text).toMatch(/^On it/);
    await expect.poll(() => functions.payloads).toEqual([expect.objectContaining({ action: 'stop' })]);
    expect(dropped).toBe(2);
  });
});
