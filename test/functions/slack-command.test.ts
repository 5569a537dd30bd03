import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetParameterCommand, GetParametersCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeHandler, type SlackCommandDeps } from '../../functions/slack-command';
import { loadConfig } from '../../shared/core/config';
import { createLogger } from '../../shared/core/logger';
import type { LauncherJob } from '../../shared/runs/launcher-job';
import { signedHeaders, slackSignature, slashCommandBody } from '../../sandbox/slack-request';
import { validEnv } from '../fixtures';
import { httpApiEvent } from '../helpers/http-api-event';
import { checkSlackMessage } from '../helpers/slack-limits';

const SIGNING_SECRET = 'fake-signing-secret-0123456789abcdef';
const now = () => Math.floor(Date.now() / 1000);

function commandBody(text: string, overrides: { userId?: string; channelId?: string; teamId?: string } = {}): string {
  return slashCommandBody({
    teamId: overrides.teamId ?? 'T0000TEAM',
    command: '/ide',
    text,
    userId: overrides.userId ?? 'U0000LEAD',
    userName: 'lead',
    channelId: overrides.channelId ?? 'C0000TEAM',
    responseUrl: 'https://hooks.slack.com/commands/T0000TEAM/1/abc',
  });
}

function setup(envOverrides: Record<string, string> = {}) {
  const dispatched: LauncherJob[] = [];
  const config = loadConfig(validEnv(envOverrides));
  const deps: SlackCommandDeps = {
    config,
    loadRoster: async () => config.roster,
    logger: createLogger('slack-command-test'),
    loadSigningSecret: vi.fn(async () => SIGNING_SECRET),
    dispatch: vi.fn(async (job: LauncherJob) => {
      dispatched.push(job);
    }),
  };
  return { deps, dispatched, handler: makeHandler(deps) };
}

async function send(handler: ReturnType<typeof makeHandler>, rawBody: string, headers = signedHeaders(SIGNING_SECRET, rawBody, now())) {
  const response = await handler(httpApiEvent(rawBody, headers), {});
  const answer = response.body ? (JSON.parse(response.body) as { response_type: string; text: string }) : undefined;
  if (answer) checkSlackMessage(answer, 'the acknowledgement');
  return { status: response.statusCode, answer };
}

describe('slack-command handler', () => {
  describe('request verification', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('accepts Slack\'s published signing test vector', async () => {
      // Prepare: Slack's example request, at the time it was signed.
      const body = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
      const signature = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
      const deps = { ...setup({ SLACK_TEAM_ID: 'T1DC2JH3J' }).deps, loadSigningSecret: async () => '8f742231b10e8888abcd99yyyzzz85a5' };
      vi.setSystemTime(new Date(1_531_420_618_000 + 30_000));
      const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': '1531420618', 'x-slack-signature': signature };

      // Act
      const accepted = await send(makeHandler(deps), body, headers);
      const tampered = await send(makeHandler(deps), body.replace('user_name=roadrunner', 'user_name=coyote'), headers);

      // Assess: the empty text is answered with the usage; one changed byte is refused.
      expect(slackSignature('8f742231b10e8888abcd99yyyzzz85a5', 1_531_420_618, body)).toBe(signature);
      expect(accepted.status).toBe(200);
      expect(accepted.answer?.text).toBe('How to use /ide');
      expect(tampered.status).toBe(401);
    });

    it('refuses an unsigned request with 401 and does nothing', async () => {
      const { handler, deps } = setup();
      const body = commandBody('start 2');

      const result = await send(handler, body, { 'content-type': 'application/x-www-form-urlencoded' });

      expect(result.status).toBe(401);
      expect(deps.dispatch).not.toHaveBeenCalled();
    });

    it('refuses a request signed with another secret with 401', async () => {
      const { handler, deps } = setup();
      const body = commandBody('start 2');

      const result = await send(handler, body, signedHeaders('another-secret', body, now()));

      expect(result.status).toBe(401);
      expect(deps.dispatch).not.toHaveBeenCalled();
    });

    it('refuses a correctly signed request that is 6 minutes old with 401', async () => {
      const { handler, deps } = setup();
      const body = commandBody('start 2');

      const result = await send(handler, body, signedHeaders(SIGNING_SECRET, body, now() - 6 * 60));

      expect(result.status).toBe(401);
      expect(deps.dispatch).not.toHaveBeenCalled();
    });

    it('refuses a correctly signed request dated 6 minutes ahead with 401, and accepts one 4 minutes ahead', async () => {
      const { handler, deps } = setup();
      const body = commandBody('status');

      const ahead = await send(handler, body, signedHeaders(SIGNING_SECRET, body, now() + 6 * 60));
      const slightlyAhead = await send(handler, body, signedHeaders(SIGNING_SECRET, body, now() + 4 * 60));

      expect(ahead.status).toBe(401);
      expect(slightlyAhead.status).toBe(200);
      expect(deps.dispatch).toHaveBeenCalledTimes(1);
    });

    it('accepts a base64-encoded body, as API Gateway may deliver it', async () => {
      const { handler, dispatched } = setup();
      const body = commandBody('status');

      const response = await handler(httpApiEvent(body, signedHeaders(SIGNING_SECRET, body, now()), { base64: true }), {});

      expect(response.statusCode).toBe(200);
      expect(dispatched).toEqual([expect.objectContaining({ action: 'status' })]);
    });

    it('reads the signing secret once, not on every request', async () => {
      const { handler, deps } = setup();

      await send(handler, commandBody('status'));
      await send(handler, commandBody('status'));

      expect(deps.loadSigningSecret).toHaveBeenCalledTimes(1);
    });
  });

  describe('start', () => {
    it('hands a checked plan to the launcher and acknowledges ephemerally', async () => {
      const { handler, dispatched } = setup();

      const { status, answer } = await send(handler, commandBody('start 2 --size large --hours 3'));

      expect(status).toBe(200);
      expect(answer?.response_type).toBe('ephemeral');
      expect(answer?.text).toContain('starting 2 IDEs (t3.xlarge)');
      expect(dispatched).toEqual([
        {
          action: 'start',
          requester: { teamId: 'T0000TEAM', userId: 'U0000LEAD', userName: 'lead', channelId: 'C0000TEAM', responseUrl: 'https://hooks.slack.com/commands/T0000TEAM/1/abc' },
          request: { seats: { kind: 'count', count: 2 }, size: 'large', hours: 3 },
        },
      ]);
    });

    it('tells the lead alone the memory each developer gets and the addresses the links go to', async () => {
      // Act
      const { answer } = await send(setup().handler, commandBody('start 2'));

      // Assess: 2 IDEs on a t3.large share 8 GiB less the host's 1.25 GiB.
      const shown = JSON.stringify(answer);
      expect(answer?.response_type).toBe('ephemeral');
      expect(shown).toContain('Each developer gets 3.3 GiB of memory and up to 1.5 vCPUs of the t3.large host.');
      expect(shown).toContain('dev-1 <@U0000AAA1>: alice@example.com, dev-2 <@U0000BBB2>: bob@example.com');
    });

    it('refuses a size too small for the seats, naming the smallest that fits', async () => {
      // Act
      const { handler, deps } = setup();
      const { answer } = await send(handler, commandBody('start @alice @bob @erin --size small'));

      // Assess
      expect(answer?.text).toBe('3 IDEs do not fit on t3.medium (4.0 GiB): each IDE needs at least 1.0 GiB of memory and the host keeps some for itself, so it holds at most 2. The smallest size for 3 is `medium` (t3.large): use `--size medium`.');
      expect(deps.dispatch).not.toHaveBeenCalled();
    });

    it('takes a larger size than the default when no size is asked and the default is too small, and says so', async () => {
      // Act
      const { handler, dispatched } = setup({ DEFAULT_SIZE: 'small' });
      const { answer } = await send(handler, commandBody('start @alice @bob @erin'));

      // Assess
      expect(answer?.text).toContain('starting 3 IDEs (t3.large)');
      expect(JSON.stringify(answer)).toContain('larger than the default `small`, t3.medium, which is too small for 3');
      expect(dispatched).toEqual([expect.objectContaining({ request: { seats: expect.objectContaining({ kind: 'people' }) } })]);
    });

    it('seats people named by escaped mention and by plain @name in their own slots', async () => {
      const { handler, dispatched } = setup();

      await send(handler, commandBody('start <@U0000EEE5|erin> @alice'));

      const job = dispatched[0];
      expect(job?.action === 'start' && job.request.seats).toEqual({
        kind: 'people',
        people: [
          { userId: 'U0000EEE5', label: '@erin' },
          { name: 'alice', label: '@alice' },
        ],
      });
      expect(JSON.stringify(await send(setup().handler, commandBody('start <@U0000EEE5|erin> @alice')))).toContain('dev-1 <@U0000AAA1>, dev-5 <@U0000EEE5>');
    });

    it.each([
      ['start 0', 'start at least 1 IDE'],
      ['start -3', 'start at least 1 IDE'],
      ['start abc', 'I could not read `abc`'],
      ['start 1000', 'more than team-ide can run'],
      ['start 5', 'One run holds at most 4 IDEs'],
      ['start 2 --size huge', '`--size huge` is not a size I know'],
      ['start 2 --hours 0', 'a run lives from 1 to 24 hours'],
      ['start 2 --hours -1', 'a run lives from 1 to 24 hours'],
      ['start 2 --hours abc', 'give a whole number of hours'],
      ['start 2 --hours 1000', 'a run lives from 1 to 24 hours'],
      ['start @dave', '@dave is not on the team roster'],
      ['start 3', '@carol (dev-3) has no email in the roster'],
      ['launch', 'I don\'t know `launch`'],
    ])('answers `/ide %s` with what is allowed and creates nothing', async (text, expected) => {
      const { handler, deps } = setup();

      const { status, answer } = await send(handler, commandBody(text));

      expect(status).toBe(200);
      expect(answer?.response_type).toBe('ephemeral');
      expect(answer?.text).toContain(expected);
      expect(deps.dispatch).not.toHaveBeenCalled();
    });

    it('answers a user who is not on the allowlist with "not allowed"', async () => {
      const { handler, deps } = setup();

      const { answer } = await send(handler, commandBody('start 2', { userId: 'U0000EVIL' }));

      expect(answer?.text).toContain('You are not allowed');
      expect(deps.dispatch).not.toHaveBeenCalled();
    });

    it('refuses a request from another Slack workspace, even for help', async () => {
      const { handler, deps } = setup();

      const answers = await Promise.all(['start 2', 'help'].map(async (text) => (await send(handler, commandBody(text, { teamId: 'T0000ELSE' }))).answer?.text));

      expect(answers).toEqual([expect.stringContaining('belongs to another Slack workspace'), expect.stringContaining('belongs to another Slack workspace')]);
      expect(deps.dispatch).not.toHaveBeenCalled();
    });

    it('answers in a channel that is not on the allowlist with "not allowed"', async () => {
      const { handler, deps } = setup();

      const { answer } = await send(handler, commandBody('stop', { channelId: 'C0000RAND' }));

      expect(answer?.text).toContain('not allowed in this channel');
      expect(deps.dispatch).not.toHaveBeenCalled();
    });
  });

  describe('stop, status and help', () => {
    it.each(['stop', 'status'] as const)('hands `/ide %s` to the launcher', async (action) => {
      const { handler, dispatched } = setup();

      const { answer } = await send(handler, commandBody(action));

      expect(answer?.response_type).toBe('ephemeral');
      expect(dispatched).toEqual([expect.objectContaining({ action, requester: expect.objectContaining({ userId: 'U0000LEAD' }) })]);
    });

    it('shows the usage for `/ide help` to anyone, without asking the launcher', async () => {
      const { handler, deps } = setup();

      const { answer } = await send(handler, commandBody('help', { userId: 'U0000EVIL' }));

      expect(JSON.stringify(answer)).toContain('/ide start @alice @bob');
      expect(deps.dispatch).not.toHaveBeenCalled();
    });
  });

  describe('retries and failures', () => {
    it('does not act on a Slack retry of the same command', async () => {
      const { handler, deps } = setup();
      const body = commandBody('start 2');

      const result = await send(handler, body, signedHeaders(SIGNING_SECRET, body, now(), 1));

      expect(result.status).toBe(200);
      expect(result.answer).toBeUndefined();
      expect(deps.dispatch).not.toHaveBeenCalled();
    });

    it('apologizes with an error id when the launcher cannot be invoked', async () => {
      const { deps } = setup();
      const handler = makeHandler({ ...deps, dispatch: async () => Promise.reject(new Error('Rate exceeded')) });

      const { status, answer } = await send(handler, commandBody('stop'));

      expect(status).toBe(200);
      expect(answer?.text).toMatch(/something went wrong on our side.*`[0-9a-f]{8}`/);
    });
  });
});

describe('the exported handler', () => {
  const ssm = mockClient(SSMClient);
  const lambda = mockClient(LambdaClient);

  beforeEach(() => {
    ssm.reset();
    lambda.reset();
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        { Name: '/team-ide/test/slack-signing-secret', Value: SIGNING_SECRET },
        { Name: '/team-ide/test/slack-bot-token', Value: 'xoxb-fake' },
      ],
    });
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    // No `/ide roster` change yet: the team's roster is the ROSTER setting.
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: {} }));
  });

  it('verifies a signed HTTP API v2 event and invokes the launcher asynchronously', async () => {
    // Prepare: the module reads process.env (test/setup-env.ts) and builds real SDK clients, mocked here.
    vi.resetModules();
    const { handler } = await import('../../functions/slack-command');
    const body = commandBody('start 2');

    // Act
    const response = await handler(httpApiEvent(body, signedHeaders(SIGNING_SECRET, body, now())), {});

    // Assess
    expect(response.statusCode).toBe(200);
    expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, { WithDecryption: true });
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/team-ide-test/roster' });
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: 'team-ide-test-launcher', InvocationType: 'Event' });
    const payload = lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload;
    expect(JSON.parse(Buffer.from(payload as Uint8Array).toString())).toEqual({ action: 'start', requester: expect.objectContaining({ teamId: 'T0000TEAM' }), request: { seats: { kind: 'count', count: 2 } } });
  });
});
