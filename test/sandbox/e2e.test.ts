import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { InvocationAttempt } from '../../sandbox/backend/lambda';
import type { SandboxSlackMessage } from '../../sandbox/backend/slack';
import { startSandbox, type RunningSandbox } from '../../sandbox/sandbox';
import { assertPortsFree, SANDBOX } from '../../sandbox/settings';
import { pressButton, sendSlashCommand, type SlashCommandResult } from '../../sandbox/slack-cli';
import { freePorts, sandboxShell, waitFor } from '../helpers/local-servers';

/**
 * How long any one step may take before a test gives up: a safety net for a loaded machine, not
 * a speed target (those are `npm run bench`'s). What the tests assert is what happened, and in
 * which order: which function's attempt did what, during which tick of the sweeper.
 */
const DEADLINE_MS = 60_000;
/** A test's own timeout: its steps' deadlines, and the sandbox's start. */
const TEST_TIMEOUT_MS = 240_000;

/** The attempt of stack-events that handled this status of the team stack. */
const isStackEvent = (attempt: InvocationAttempt, status: string) =>
  attempt.functionName.endsWith('-stackEvents') && (JSON.parse(attempt.payload) as { detail?: { 'status-details'?: { status?: string } } }).detail?.['status-details']?.status === status;

/** One email as aws-ses-v2-local's GET /store lists it. */
interface StoredEmail {
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
}

// `npm start` on free ports, driven by the functions of `npm run slack`: the real functions in
// serverless-offline, the real template, a real local SES; nothing reaches AWS or Slack.
describe('the sandbox, end to end', () => {
  let sandbox: RunningSandbox | undefined;
  const output: string[] = [];
  let ports: number[];

  beforeAll(async () => {
    ports = await freePorts(4);
    const [http, lambda, backend, ses] = ports.map(String);
    sandbox = await startSandbox({
      // Only what a shell has: the settings come from .env.sandbox, as for `npm start`.
      shellEnv: { PATH: process.env.PATH, HOME: process.env.HOME, SANDBOX_HTTP_PORT: http, SANDBOX_LAMBDA_PORT: lambda, SANDBOX_BACKEND_PORT: backend, SANDBOX_SES_PORT: ses, SANDBOX_STACK_DELAY_MS: '1000' },
      log: (line) => output.push(line),
    });
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
    // Every listener is gone: the same check `npm start` makes before it starts.
    await assertPortsFree({ http: ports[0]!, lambda: ports[1]!, backend: ports[2]!, ses: ports[3]! });
  }, 30_000);

  const send = (commandLine: string): Promise<SlashCommandResult> => {
    const { urls, sender } = sandbox!;
    return sendSlashCommand({ commandsUrl: urls.commands, backendUrl: urls.backend, commandLine, user: { id: sender.member.userId, name: sender.member.name }, channelId: sender.channelId, teamId: sender.teamId });
  };

  const emails = async (): Promise<StoredEmail[]> => ((await (await fetch(`${sandbox!.urls.inbox}/store`)).json()) as { emails: StoredEmail[] }).emails;

  /** The first Slack message that matches, as the sandbox's Slack received it. */
  const slackMessage = (what: string, matches: (message: SandboxSlackMessage) => boolean) =>
    waitFor(what, async () => sandbox!.backend.slack.list().find(matches), DEADLINE_MS);

  it('emails 3 developers their own link and password, stops, and then says nothing runs', async () => {
    // What the functions and the backend printed is the first thing to read when this fails.
    onTestFailed(() => console.error(`Sandbox output, last 80 lines:\n${output.slice(-80).join('\n')}`));
    const { config, urls, backend } = sandbox!;
    const credentials = { accessKeyId: SANDBOX.credentials.AWS_ACCESS_KEY_ID, secretAccessKey: SANDBOX.credentials.AWS_SECRET_ACCESS_KEY };
    const cloudFormation = new CloudFormationClient({ region: config.region, endpoint: urls.backend, credentials });
    const secretsManager = new SecretsManagerClient({ region: config.region, endpoint: urls.backend, credentials });

    // Act: /ide start 3
    const start = await send('/ide start 3');
    const delivered = await waitFor('3 emails in the inbox', async () => {
      const stored = await emails();
      return stored.length >= 3 ? stored : undefined;
    }, DEADLINE_MS);
    await slackMessage('the "ready" message', (message) => message.channel === sandbox!.sender.channelId && message.rendered.includes('every developer got an email'));

    // Assess: one email to each of the roster's first 3, each with its own link and password, sent by the notifier
    // stack-events ran on CREATE_COMPLETE, at its first attempt: no retry, no failed job, no repair by the sweeper.
    expect(start.status).toBe(200);
    expect(start.answer).toMatch(/^On it: starting 3 IDEs/);
    // One schedule for the sweeper, the sandbox's own clock: serverless-offline's is off.
    expect(output).toEqual(expect.arrayContaining(['[offline] Scheduling [sweeper] cron: disabled', '[offline] Scheduling [certificate] cron: disabled']));
    const [notifier, ...more] = backend.lambda!.attempts(config.notifierFunctionName);
    const created = backend.lambda!.attempts().find((attempt) => isStackEvent(attempt, 'CREATE_COMPLETE'));
    expect(more).toEqual([]);
    expect(await backend.lambda!.whenSettled(notifier!.requestId)).toMatchObject({ attempt: 1, outcome: 'succeeded' });
    expect(notifier!.startedSeq).toBeGreaterThan(created!.startedSeq);
    expect(notifier!.startedSeq).toBeLessThan((await backend.lambda!.whenSettled(created!.requestId)).endedSeq!);
    const seated = config.roster.slice(0, 3);
    expect(delivered.map((email) => email.destination.to)).toEqual(seated.map((member) => [member.email]));
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: `${config.stackNamePrefix}-ides` }));
    const outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
    const passwords: string[] = [];
    for (const [index, member] of seated.entries()) {
      const text = delivered[index]!.body.text ?? '';
      const password = /^Password: (\S+)$/m.exec(text)?.[1] ?? '';
      const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: outputs[`DevPasswordSecret${member.slot}`] }));
      expect(text).toContain(`Open:     https://dev-${member.slot}.${config.team.domainName}\n`);
      // No certificate function has run in this sandbox: no previews, the path through the IDE instead.
      expect(text).toContain(`A web app you run on port 3000 opens at https://dev-${member.slot}.${config.team.domainName}/proxy/3000/\n`);
      expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
      expect(password).toBe(SecretString);
      expect(delivered[index]!.body.html).toContain(password);
      passwords.push(password);
    }
    expect(new Set(passwords).size).toBe(3);
    expect(JSON.parse(notifier!.payload)).toEqual({ stackId: Stacks?.[0]?.StackId });

    // Act: /ide stop, until CloudFormation says the stack is deleted.
    const stop = await send('/ide stop');
    const stackId = Stacks?.[0]?.StackId;
    await waitFor('DELETE_COMPLETE', async () => {
      const { Stacks: byId } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackId }));
      return byId?.[0]?.StackStatus === 'DELETE_COMPLETE' ? true : undefined;
    }, DEADLINE_MS);
    const status = await send('/ide status');
    const statusAnswer = await slackMessage('the status answer', (message) => message.responseUrlId === status.responseUrlId);

    // Assess: stopped, the passwords deleted with the stack, and nothing runs.
    expect(stop.answer).toMatch(/^On it: looking for the run to stop/);
    expect(backend.secretsManager.list()).toEqual([]);
    expect(statusAnswer.responseType).toBe('ephemeral');
    expect(statusAnswer.rendered).toMatch(/^No team IDEs are running/);
    expect(statusAnswer.rendered).toContain('Previews are off: the certificate function has not reported a certificate yet');

    // Every function said at its cold start that it talks to the sandbox; no log line holds a password or a Slack secret.
    for (const service of ['slack-command', 'launcher', 'stack-events', 'notifier']) {
      expect(output.some((line) => line.startsWith(`[${service}] WARN IDE_BACKEND=sandbox`)), `${service} cold-start notice`).toBe(true);
    }
    for (const secret of [...passwords, SANDBOX.signingSecret, SANDBOX.botToken]) {
      expect(output.filter((line) => line.includes(secret))).toEqual([]);
    }
  }, TEST_TIMEOUT_MS);
});

// The cost guard, watched as `SANDBOX_RUN_SECONDS=120 WARNING_MINUTES=1 npm start` shows it, on a shorter
// clock: the sweeper warns once the run is inside its warning window, then deletes it at its end.
describe('the sandbox\'s cost guard, end to end', () => {
  let sandbox: RunningSandbox | undefined;
  const output: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({
      // A snapshot done within the stop's first look at it (2 s), so "stopped" follows at once, not after its 4 s and 8 s looks.
      shellEnv: await sandboxShell({ SANDBOX_STACK_DELAY_MS: '500', SANDBOX_SNAPSHOT_MS: '500', SANDBOX_RUN_SECONDS: '15', SANDBOX_SWEEP_SECONDS: '1', WARNING_MINUTES: '1' }),
      log: (line) => output.push(line),
    });
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('warns the channel with Extend and Stop buttons, then stops the run at its end', async () => {
    onTestFailed(() => console.error(`Sandbox output, last 80 lines:\n${output.slice(-80).join('\n')}`));
    const { urls, sender, backend } = sandbox!;
    const inChannel = (what: string, pattern: RegExp) =>
      waitFor(what, async () => backend.slack.list().find((message) => message.channel === sender.channelId && pattern.test(message.rendered)), DEADLINE_MS);

    // Act
    const startedAt = Date.now();
    await sendSlashCommand({ commandsUrl: urls.commands, backendUrl: urls.backend, commandLine: '/ide start 1', user: { id: sender.member.userId, name: sender.member.name }, channelId: sender.channelId, teamId: sender.teamId });
    const warning = await inChannel('the warning', /stop in/);
    const ended = await inChannel('the stop at the end', /reached their end/);
    const stopped = await inChannel('"stopped"', /are stopped and deleted/);

    // Assess: one warning with both buttons, the stop not before the run's 15 seconds, then the deletion.
    expect(JSON.stringify(warning)).toContain('extend_run');
    expect(JSON.stringify(warning)).toContain('stop_run');
    expect(backend.slack.list().filter((message) => /stop in/.test(message.rendered))).toHaveLength(1);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(15_000);
    expect(backend.slack.list().indexOf(ended)).toBeLessThan(backend.slack.list().indexOf(stopped));
  }, TEST_TIMEOUT_MS);
});


// Saved work, as `npm start` shows it: stop saves every home in a snapshot, the next start restores it
// ("restored from the snapshot of <time>" in the ready message), --discard throws a run's work away after
// a confirmation button, --fresh starts empty and keeps the snapshots.
describe('the sandbox\'s saved work, end to end', () => {
  let sandbox: RunningSandbox | undefined;
  const output: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({
      shellEnv: await sandboxShell({ SANDBOX_STACK_DELAY_MS: '500', SANDBOX_SNAPSHOT_MS: '1000' }),
      log: (line) => output.push(line),
    });
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('restores every home on the next start, discards a run\'s work when confirmed, and starts empty with --fresh', async () => {
    onTestFailed(() => console.error(`Sandbox output, last 80 lines:\n${output.slice(-80).join('\n')}`));
    const { urls, sender, backend } = sandbox!;
    const user = { id: sender.member.userId, name: sender.member.name };
    let seen = 0;
    /** Sends a command and waits for the channel message it leads to. */
    const run = async (commandLine: string, pattern: RegExp) => {
      await sendSlashCommand({ commandsUrl: urls.commands, backendUrl: urls.backend, commandLine, user, channelId: sender.channelId, teamId: sender.teamId });
      return inChannel(commandLine, pattern);
    };
    const inChannel = async (what: string, pattern: RegExp) => {
      const message = await waitFor(`after ${what}: ${pattern}`, async () => backend.slack.list(seen).find((candidate) => candidate.channel === sender.channelId && pattern.test(candidate.rendered)), DEADLINE_MS);
      seen = message.seq;
      return message;
    };

    // Act 1: a first run, stopped: its homes are saved.
    const first = await run('/ide start 2', /are ready/);
    const saved = await run('/ide stop', /are stopped and deleted/);
    // Act 2: the next start restores that snapshot.
    const restored = await run('/ide start 2', /are ready/);
    const savedAt = /Every home was saved at (\S+) \(snapshot (snap-[0-9a-f]+)/.exec(saved.rendered);
    // Act 3: stop with --discard, confirmed with the button; the next start goes back to the same snapshot.
    const confirmation = await sendSlashCommand({ commandsUrl: urls.commands, backendUrl: urls.backend, commandLine: '/ide stop --discard', user, channelId: sender.channelId, teamId: sender.teamId });
    const asked = await waitFor('the confirmation', async () => backend.slack.list().find((message) => message.responseUrlId === confirmation.responseUrlId && /Stop and discard the work/.test(message.rendered)), DEADLINE_MS);
    const press = await pressButton({ interactionsUrl: urls.interactions, backendUrl: urls.backend, label: 'Stop and discard', user, channelId: sender.channelId, teamId: sender.teamId });
    const discarded = await inChannel('the press', /are stopped and deleted/);
    const afterDiscard = await run('/ide start 2', /are ready/);
    // Act 4: --fresh starts empty and keeps the snapshot.
    await run('/ide stop', /are stopped and deleted/);
    const kept = backend.ebs.list().filter((snapshot) => snapshot.state === 'completed');
    const fresh = await run('/ide start 1 --fresh', /are ready/);

    // Assess
    expect(first.rendered).toContain('Homes start empty: no work was saved yet.');
    expect(savedAt).not.toBeNull();
    expect(restored.rendered).toContain(`Homes restored from the snapshot of ${savedAt?.[1]}.`);
    expect(asked.responseType).toBe('ephemeral');
    expect(press.status).toBe(200);
    expect(backend.slack.list().some((message) => message.responseUrlId === confirmation.responseUrlId && /Stop and discard the work/.test(message.rendered))).toBe(false);
    expect(discarded.rendered).toContain('Their work was discarded, as asked: no snapshot of this run is kept.');
    expect(afterDiscard.rendered).toContain(`Homes restored from the snapshot of ${savedAt?.[1]}.`);
    expect(kept.map((snapshot) => snapshot.tags['team-ide:deployment'])).toEqual(['team-ide-sandbox-ides', 'team-ide-sandbox-ides']);
    expect(fresh.rendered).toContain('Homes start empty (`--fresh`); the saved snapshots are kept.');
    expect(backend.ebs.list().filter((snapshot) => snapshot.state === 'completed')).toHaveLength(2);
  }, TEST_TIMEOUT_MS);
});

// What the sweeper repairs, watched as `SANDBOX_FAULTS=… SANDBOX_PRIVATE_CHANNELS=C0SANDBOX1 npm start` shows it: the
// notifier's stack read is throttled until its retries are spent (3 SDK attempts × Lambda's 2 invocations), the job
// lands in the failed-jobs queue, and the sweeper's next tick runs the notifier again; the channel is private, so the
// lead hears that the run is ready directly. Which tick did it is read from the Lambda stand-in's journal: a busy
// machine makes every step slower, but the repair still comes from the first or second tick after the job landed.
describe('the sandbox\'s repairs, end to end', () => {
  const SWEEP_SECONDS = 5;
  let sandbox: RunningSandbox | undefined;
  const output: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({
      shellEnv: await sandboxShell({
        SANDBOX_STACK_DELAY_MS: '500',
        SANDBOX_SWEEP_SECONDS: String(SWEEP_SECONDS),
        SANDBOX_FAULTS: 'DescribeStacks(arn:*):Throttling:6',
        SANDBOX_PRIVATE_CHANNELS: 'C0SANDBOX1',
      }),
      log: (line) => output.push(line),
    });
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('emails the developers from the first or second sweeper tick after the notifier\'s retries ran out, and tells the lead directly', async () => {
    onTestFailed(() => console.error(`Sandbox output, last 80 lines:\n${output.slice(-80).join('\n')}`));
    const { urls, sender, backend, config, sweeper } = sandbox!;
    const lambda = backend.lambda!;
    const emails = async () => ((await (await fetch(`${urls.inbox}/store`)).json()) as { emails: StoredEmail[] }).emails;

    // aws-ses-v2-local keeps one inbox per process: the emails of the tests before this one are in it.
    const earlier = (await emails()).length;

    // Act: /ide start 3; follow the notifier's attempts until its job lands in the failed-jobs queue, then its repair.
    await sendSlashCommand({ commandsUrl: urls.commands, backendUrl: urls.backend, commandLine: '/ide start 3', user: { id: sender.member.userId, name: sender.member.name }, channelId: sender.channelId, teamId: sender.teamId });
    const landed = await waitFor('the notifier\'s job in the failed-jobs queue', async () => lambda.attempts(config.notifierFunctionName).find((attempt) => attempt.outcome === 'queued'), DEADLINE_MS);
    const isRepair = (attempt: InvocationAttempt) => (JSON.parse(attempt.payload) as { repair?: boolean }).repair === true;
    const repair = await waitFor('the notifier run again', async () => lambda.attempts(config.notifierFunctionName).find(isRepair), DEADLINE_MS);
    const delivered = await waitFor('3 emails', async () => {
      const stored = await emails();
      return stored.length >= earlier + 3 ? stored.slice(earlier) : undefined;
    }, DEADLINE_MS);

    // Assess: every throttle was spent on the notifier's two invocations, and the sweeper ran it once more, while the
    // first or second of its ticks to start after the job landed was running (or one already running then), and it worked.
    const ticks = sweeper.ticks();
    const landedAt = landed.endedSeq!;
    const firstTwo = ticks.filter((tick) => tick.startedSeq > landedAt).slice(0, 2);
    const runningAtRepair = ticks.filter((tick) => tick.startedSeq < repair.startedSeq && (tick.endedSeq === undefined || tick.endedSeq > repair.startedSeq));
    expect(backend.faults.remaining()).toEqual([0]);
    expect(JSON.parse(landed.record!)).toMatchObject({
      requestContext: { functionArn: expect.stringMatching(/:function:team-ide-sandbox-notifier:\$LATEST$/), condition: 'RetriesExhausted', approximateInvokeCount: 2 },
      responsePayload: { errorType: 'StackRequestError', errorMessage: expect.stringContaining('Throttling') },
    });
    expect(repair.startedSeq).toBeGreaterThan(landedAt);
    expect(
      runningAtRepair.some((tick) => tick.startedSeq < landedAt || firstTwo.includes(tick)),
      `the repair (event ${repair.startedSeq}) came from a tick among the first two after the job landed (event ${landedAt}); ticks: ${JSON.stringify(ticks.map((tick) => [tick.startedSeq, tick.endedSeq]))}`,
    ).toBe(true);
    expect(await lambda.whenSettled(repair.requestId)).toMatchObject({ attempt: 1, outcome: 'succeeded' });
    expect(lambda.attempts(config.notifierFunctionName).map((attempt) => attempt.outcome)).toEqual(['retrying', 'queued', 'succeeded']);
    expect(delivered.map((email) => email.destination.to[0])).toEqual(config.roster.slice(0, 3).map((member) => member.email));
    expect(output.some((line) => line.startsWith('[sweeper] WARN Notifier run again'))).toBe(true);
    const ready = await waitFor('"ready" for the lead', async () => backend.slack.list().find((message) => /are ready/.test(message.rendered)), DEADLINE_MS);
    expect(ready.channel).toBe(sender.member.userId);
    expect(ready.rendered).toContain('I could not post this in #C0SANDBOX1');
  }, TEST_TIMEOUT_MS);
});

// The certificate function's daily run failing, as EventBridge's schedule would invoke it: once unable to tell the
// channel itself (its bot token unreadable), so the sweeper tells it from the failed-jobs queue that the check did not
// finish; once telling the channel itself, so the sweeper, reading that in the job's error, adds nothing.
describe('the sandbox\'s failed certificate checks, end to end', () => {
  let sandbox: RunningSandbox | undefined;
  const output: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({
      shellEnv: await sandboxShell({
        SANDBOX_SWEEP_SECONDS: '1',
        // Every read of the certificate fails; the first read of the bot token fails (its 3 SDK attempts), later ones work.
        SANDBOX_FAULTS: 'GetParameters(*/tls-certificate):InternalFailure:99,GetParameters(*/slack-bot-token):InternalFailure:3',
      }),
      log: (line) => output.push(line),
    });
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('tells the certificate\'s channel once of each failed daily check: by the sweeper when the function could not', async () => {
    onTestFailed(() => console.error(`Sandbox output, last 80 lines:\n${output.slice(-80).join('\n')}`));
    const { urls, backend, config, sweeper } = sandbox!;
    const journal = backend.lambda!;
    const lambda = new LambdaClient({ region: config.region, endpoint: urls.backend, credentials: { accessKeyId: SANDBOX.credentials.AWS_ACCESS_KEY_ID, secretAccessKey: SANDBOX.credentials.AWS_SECRET_ACCESS_KEY } });
    /** The event EventBridge's `rate(1 day)` schedule sends, asynchronously as it does. */
    const runDaily = async () => {
      const scheduled = { version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', account: SANDBOX.accountId, time: new Date().toISOString(), region: config.region, resources: [`arn:aws:events:${config.region}:${SANDBOX.accountId}:rule/team-ide-sandbox-CertificateEventsRuleSchedule1`], detail: {} };
      const { $metadata } = await lambda.send(new InvokeCommand({ FunctionName: config.certificateFunctionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(scheduled)) }));
      return journal.whenSettled($metadata.requestId!);
    };
    /** Waits until a tick that started after the job landed has ended with the queue empty: the job was answered. */
    const answered = (landed: InvocationAttempt) =>
      waitFor('the job answered', async () => (sweeper.ticks().some((tick) => tick.startedSeq > landed.endedSeq! && tick.endedSeq !== undefined) && backend.failedJobs.list().length === 0 ? true : undefined), DEADLINE_MS);
    const certificateNews = () => backend.slack.list().filter((message) => /HTTPS certificate/.test(message.text));

    // Act 1: a check that fails, and cannot tell the channel.
    const silent = await runDaily();
    await answered(silent);
    // Act 2: a check that fails, and tells the channel itself.
    const told = await runDaily();
    await answered(told);

    // Assess
    expect(silent).toMatchObject({ attempt: 1, outcome: 'queued' });
    expect(JSON.parse(silent.record!)).toMatchObject({ requestContext: { functionArn: expect.stringMatching(/:function:team-ide-sandbox-certificate:\$LATEST$/) }, responsePayload: { errorType: 'InternalFailure' } });
    expect(JSON.parse(told.record!)).toMatchObject({ responsePayload: { errorType: 'CertificateCheckReported' } });
    expect(backend.faults.remaining()[1]).toBe(0);
    const [fromSweeper, fromFunction, ...more] = certificateNews();
    expect(more).toEqual([]);
    expect(fromSweeper?.channel).toBe(config.certificate.channel);
    expect(fromSweeper?.text).toMatch(/^The daily check of the HTTPS certificate for .+ did not finish \(error id [0-9a-f]{8}\)\.$/);
    expect(fromSweeper?.rendered).toContain('InternalFailure: Injected by SANDBOX_FAULTS');
    expect(fromSweeper?.rendered).toContain('aws lambda invoke --function-name team-ide-sandbox-certificate /dev/stdout');
    expect(fromFunction?.channel).toBe(config.certificate.channel);
    expect(fromFunction?.text).toMatch(/^The daily check of the HTTPS certificate for .+ failed \(error id [0-9a-f]{8}\)\.$/);
    expect(output.some((line) => line.startsWith('[sweeper] INFO The certificate function told its channel itself'))).toBe(true);
  }, TEST_TIMEOUT_MS);
});
