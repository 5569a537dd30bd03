import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { SeatsAnswer } from '../../sandbox/backend/hosts';
import type { SandboxSlackMessage } from '../../sandbox/backend/slack';
import { startSandbox, type RunningSandbox } from '../../sandbox/sandbox';
import { SANDBOX } from '../../sandbox/settings';
import { pressButton, sendSlashCommand } from '../../sandbox/slack-cli';
import { sandboxShell, waitFor } from '../helpers/local-servers';

// The idle stop, as `IDLE_MINUTES=5 WARNING_MINUTES=5 SANDBOX_IDLE_MINUTE_SECONDS=1 npm start` shows it, on a clock
// whose minutes last a second: nobody opens the IDE, so the channel is warned; someone connects, and the warning says
// they are back; they leave, the warning comes again, "Keep running" starts the idle clock over once, and the run
// that is still unused then stops by itself, with the warning edited to say so.
describe('the sandbox\'s idle stop, end to end', () => {
  let sandbox: RunningSandbox | undefined;
  const output: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({
      shellEnv: await sandboxShell({ SANDBOX_STACK_DELAY_MS: '500', SANDBOX_SWEEP_SECONDS: '1', IDLE_MINUTES: '5', WARNING_MINUTES: '5', SANDBOX_IDLE_MINUTE_SECONDS: '1' }),
      log: (line) => output.push(line),
    });
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('warns when nobody uses the run, says so when someone is back, keeps it once on "Keep running", then stops it', async () => {
    onTestFailed(() => console.error(`Sandbox output, last 100 lines:\n${output.slice(-100).join('\n')}`));
    const { urls, sender, backend, config } = sandbox!;
    const user = { id: sender.member.userId, name: sender.member.name };
    const inChannel = (what: string, matches: (message: SandboxSlackMessage) => boolean, timeoutMs = 20_000) =>
      waitFor(what, async () => backend.slack.list().find((message) => message.channel === sender.channelId && matches(message)), timeoutMs);
    const idleWarnings = () => backend.slack.list().filter((message) => message.channel === sender.channelId && JSON.stringify(message.blocks ?? []).includes('keep_running'));
    const seats = async (body: object) =>
      (await (await fetch(`${urls.backend}/sandbox/seats`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as SeatsAnswer;
    const cloudFormation = new CloudFormationClient({ region: config.region, endpoint: urls.backend, credentials: { accessKeyId: SANDBOX.credentials.AWS_ACCESS_KEY_ID, secretAccessKey: SANDBOX.credentials.AWS_SECRET_ACCESS_KEY } });
    const stackStatus = async () => (await cloudFormation.send(new DescribeStacksCommand({ StackName: `${config.stackNamePrefix}-ides` })).catch(() => undefined))?.Stacks?.[0]?.StackStatus;

    // Act 1: a run nobody opens is warned of.
    await sendSlashCommand({ commandsUrl: urls.commands, backendUrl: urls.backend, commandLine: '/ide start 1', user, channelId: sender.channelId, teamId: sender.teamId });
    await inChannel('"ready"', (message) => /are ready/.test(message.rendered));
    const first = await inChannel('the first idle warning', (message) => /Nobody has used the team IDEs/.test(message.rendered));
    const firstAsPosted = first.rendered;
    // Act 2: someone connects: the warning is edited, and the run outlives its 5-second warning.
    const marked = await seats({ status: 'alive' });
    await waitFor('the warning edited', async () => (backend.slack.list().find((message) => message.seq === first.seq)?.editedAt ? true : undefined), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    const statusWhileUsed = await stackStatus();
    // Act 3: they leave; the next warning comes, "Keep running" is pressed twice.
    await seats({ status: 'idle' });
    const second = await waitFor('the second idle warning', async () => idleWarnings().find((message) => message.seq > first.seq && !message.editedAt), 20_000);
    const kept = await pressButton({ interactionsUrl: urls.interactions, backendUrl: urls.backend, label: 'Keep running', user, channelId: sender.channelId, teamId: sender.teamId });
    const keptAnswer = await waitFor('the answer to "Keep running"', async () => backend.slack.list().find((message) => message.responseUrlId === kept.responseUrlId), 10_000);
    // Act 4: still nobody: a third warning, then the stop.
    const third = await waitFor('the third idle warning', async () => idleWarnings().find((message) => message.seq > second.seq), 20_000);
    const stopped = await waitFor('the stop for idleness', async () => (backend.slack.list().find((message) => message.seq === third.seq && /being deleted/.test(message.rendered)) ? true : undefined), 20_000);
    const gone = await inChannel('"stopped and deleted"', (message) => /are stopped and deleted/.test(message.rendered));

    // Assess
    expect(firstAsPosted).toContain('[Keep running]');
    expect(firstAsPosted).toContain('[Stop now]');
    expect(marked.seats['1']?.status).toBe('alive');
    expect(backend.slack.list().find((message) => message.seq === first.seq)?.rendered).toMatch(/Someone is using the team IDEs @\w+ started again \(dev-1\): they keep running\./);
    expect(statusWhileUsed).toBe('CREATE_COMPLETE');
    expect(keptAnswer.rendered).toMatch(/kept the team IDEs @\w+ started running/);
    expect(third.seq).toBeGreaterThan(keptAnswer.seq);
    expect(stopped).toBe(true);
    expect(backend.slack.list().find((message) => message.seq === third.seq)?.rendered).not.toContain('[Keep running]');
    expect(gone.rendered).toContain('are stopped and deleted');
    // Three warnings in all: the one someone answered by connecting, the one kept, the one the run stopped on.
    expect(backend.slack.list().filter((message) => message.channel === sender.channelId && /Nobody has used|Someone is using/.test(message.rendered))).toHaveLength(3);
  }, 120_000);
});
