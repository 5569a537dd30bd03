import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { SeatsAnswer } from '../../sandbox/backend/hosts';
import type { SandboxSlackMessage } from '../../sandbox/backend/slack';
import { startSandbox, type RunningSandbox } from '../../sandbox/sandbox';
import { SANDBOX } from '../../sandbox/settings';
import { pressButton, sendSlashCommand } from '../../sandbox/slack-cli';
import { sandboxShell, waitFor } from '../helpers/local-servers';

/** How long a step may take before the test gives up: a safety net for a loaded machine, not a speed target. */
const DEADLINE_MS = 60_000;
const MINUTE_MS = 1000;
const WARNING_MINUTES = 5;

// The idle stop, as `IDLE_MINUTES=5 WARNING_MINUTES=5 SANDBOX_IDLE_MINUTE_SECONDS=1 npm start` shows it, on a clock
// whose minutes last a second: nobody opens the IDE, so the channel is warned; someone connects, and the warning says
// they are back; they leave, the warning comes again, "Keep running" starts the idle clock over once, and the run
// that is still unused then stops by itself, with the warning edited to say so.
//
// The test runs the sweeper's ticks itself (its clock paused): what a tick decides depends on the idle clock only, never
// on how quickly this test marks a seat or presses a button after a warning, however busy the machine is.
describe('the sandbox\'s idle stop, end to end', () => {
  let sandbox: RunningSandbox | undefined;
  const output: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({
      shellEnv: await sandboxShell({ SANDBOX_STACK_DELAY_MS: '500', IDLE_MINUTES: '5', WARNING_MINUTES: String(WARNING_MINUTES), SANDBOX_IDLE_MINUTE_SECONDS: String(MINUTE_MS / 1000) }),
      log: (line) => output.push(line),
    });
    await sandbox.sweeper.pause();
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('warns when nobody uses the run, says so when someone is back, keeps it once on "Keep running", then stops it', async () => {
    onTestFailed(() => console.error(`Sandbox output, last 100 lines:\n${output.slice(-100).join('\n')}`));
    const { urls, sender, backend, config, sweeper } = sandbox!;
    const user = { id: sender.member.userId, name: sender.member.name };
    const message = (seq: number) => backend.slack.list().find((candidate) => candidate.seq === seq);
    const inChannel = (what: string, matches: (message: SandboxSlackMessage) => boolean) =>
      waitFor(what, async () => backend.slack.list().find((message) => message.channel === sender.channelId && matches(message)), DEADLINE_MS);
    const idleWarnings = () => backend.slack.list().filter((message) => message.channel === sender.channelId && JSON.stringify(message.blocks ?? []).includes('keep_running'));
    /** Runs the sweeper's ticks, a fifth of an idle minute apart, until one of them brought about what `probe` looks for. */
    const tickUntil = <T>(what: string, probe: () => T | undefined) =>
      waitFor(what, async () => {
        await sweeper.tick();
        return probe();
      }, DEADLINE_MS, MINUTE_MS / 5);
    const seats = async (body: object) =>
      (await (await fetch(`${urls.backend}/sandbox/seats`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as SeatsAnswer;
    const cloudFormation = new CloudFormationClient({ region: config.region, endpoint: urls.backend, credentials: { accessKeyId: SANDBOX.credentials.AWS_ACCESS_KEY_ID, secretAccessKey: SANDBOX.credentials.AWS_SECRET_ACCESS_KEY } });
    const stackStatus = async () => (await cloudFormation.send(new DescribeStacksCommand({ StackName: `${config.stackNamePrefix}-ides` })).catch(() => undefined))?.Stacks?.[0]?.StackStatus;

    // Act 1: a run nobody opens is warned of.
    await sendSlashCommand({ commandsUrl: urls.commands, backendUrl: urls.backend, commandLine: '/ide start 1', user, channelId: sender.channelId, teamId: sender.teamId });
    await inChannel('"ready"', (message) => /are ready/.test(message.rendered));
    const first = await tickUntil('the first idle warning', () => idleWarnings()[0]);
    const firstAsPosted = first.rendered;
    // Act 2: someone connects: the next tick edits the warning, and a tick after the time the warning stopped the run at still leaves it.
    const marked = await seats({ status: 'alive' });
    await tickUntil('the warning edited', () => message(first.seq)?.editedAt);
    const wouldHaveStoppedAt = Date.parse(first.at) + WARNING_MINUTES * MINUTE_MS;
    await waitFor('the time the warning said the run stops', async () => (Date.now() > wouldHaveStoppedAt ? true : undefined), DEADLINE_MS, 100);
    const afterThatTime = await sweeper.tick();
    const statusWhileUsed = await stackStatus();
    // Act 3: they leave; the next warning comes, and "Keep running" is pressed.
    await seats({ status: 'idle' });
    const second = await tickUntil('the second idle warning', () => idleWarnings().find((candidate) => candidate.seq > first.seq && !candidate.editedAt));
    const kept = await pressButton({ interactionsUrl: urls.interactions, backendUrl: urls.backend, label: 'Keep running', user, channelId: sender.channelId, teamId: sender.teamId });
    const keptAnswer = await waitFor('the answer to "Keep running"', async () => backend.slack.list().find((candidate) => candidate.responseUrlId === kept.responseUrlId), DEADLINE_MS);
    // Act 4: still nobody: a third warning, then the stop.
    const third = await tickUntil('the third idle warning', () => idleWarnings().find((candidate) => candidate.seq > second.seq));
    await tickUntil('the stop for idleness', () => (/being deleted/.test(message(third.seq)?.rendered ?? '') ? true : undefined));
    const gone = await inChannel('"stopped and deleted"', (candidate) => /are stopped and deleted/.test(candidate.rendered));

    // Assess
    expect(firstAsPosted).toContain('[Keep running]');
    expect(firstAsPosted).toContain('[Stop now]');
    expect(marked.seats['1']?.status).toBe('alive');
    expect(message(first.seq)?.rendered).toMatch(/Someone is using the team IDEs @\w+ started again \(dev-1\): they keep running\./);
    expect(afterThatTime).toMatchObject({ outcome: 'succeeded' });
    expect(afterThatTime.startedAt).toBeGreaterThan(wouldHaveStoppedAt);
    expect(statusWhileUsed).toBe('CREATE_COMPLETE');
    expect(keptAnswer.rendered).toMatch(/kept the team IDEs @\w+ started running/);
    expect(third.seq).toBeGreaterThan(keptAnswer.seq);
    expect(message(third.seq)?.rendered).not.toContain('[Keep running]');
    expect(gone.rendered).toContain('are stopped and deleted');
    // Three warnings in all: the one someone answered by connecting, the one kept, the one the run stopped on.
    expect(backend.slack.list().filter((candidate) => candidate.channel === sender.channelId && /Nobody has used|Someone is using/.test(candidate.rendered))).toHaveLength(3);
    // No sweep failed along the way.
    expect(sweeper.ticks().filter((tick) => tick.outcome !== 'succeeded')).toEqual([]);
  }, 240_000);
});
