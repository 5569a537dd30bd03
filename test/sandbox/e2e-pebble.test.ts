import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateFacts, parseBundle } from '../../shared/certificate/certificate-bundle';
import { pebbleInstalled } from '../../sandbox/pebble';
import { startSandbox, type RunningSandbox } from '../../sandbox/sandbox';
import { sandboxMembers } from '../../sandbox/settings';
import { sendSlashCommand } from '../../sandbox/slack-cli';
import { sandboxShell, waitFor } from '../helpers/local-servers';

// `SANDBOX_ACME=pebble npm start` on free ports: the certificate function, in serverless-offline,
// gets a certificate from Pebble through the sandbox's Route 53 and SSM. (CI fails without Pebble
// in test/integration/certificate-pebble.test.ts; here it is skipped like there.)
describe.skipIf(!pebbleInstalled())('the sandbox with SANDBOX_ACME=pebble', () => {
  let sandbox: RunningSandbox | undefined;
  const output: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({
      shellEnv: await sandboxShell({ SANDBOX_ACME: 'pebble' }),
      log: (line) => output.push(line),
    });
  }, 90_000);

  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('starts with a certificate from Pebble for the wildcard, the apex and each seat\'s previews, which /ide status shows', async () => {
    // Prepare
    const { urls, sender, certificate, backend } = sandbox!;

    // Act
    const status = await sendSlashCommand({ commandsUrl: urls.commands, backendUrl: urls.backend, commandLine: '/ide status', user: { id: sender.member.userId, name: sender.member.name }, channelId: sender.channelId, teamId: sender.teamId });
    const answer = await waitFor('the status answer', async () => backend.slack.list().find((message) => message.responseUrlId === status.responseUrlId && /No team IDEs/.test(message.rendered)), 15_000);

    // Assess
    const seats = sandbox!.config.roster.map((member) => member.slot);
    expect(certificate).toEqual({
      subject: 'CN=*.code.example.com',
      names: ['*.code.example.com', 'code.example.com', ...seats.map((slot) => `*.dev-${slot}.code.example.com`)].map((name) => `DNS:${name}`).join(', '),
      issuer: expect.stringMatching(/^CN=Pebble Intermediate CA/),
      notAfter: expect.any(String),
    });
    expect(output.join('\n')).toContain('UPSERT TXT _acme-challenge.code.example.com.');
    expect(output.join('\n')).toContain('UPSERT TXT _acme-challenge.dev-1.code.example.com.');
    expect(answer.rendered).toContain('HTTPS certificate (*.code.example.com, code.example.com and *.dev-N.code.example.com for dev-1 to dev-5): valid until');
    expect(answer.rendered).toContain('Previews: an app a developer runs on a port opens at `https://<port>.dev-N.code.example.com`');
  }, 30_000);

  it('starts a run with previews, and emails each developer their preview address', async () => {
    // Prepare
    const { urls, sender } = sandbox!;

    // Act
    await sendSlashCommand({ commandsUrl: urls.commands, backendUrl: urls.backend, commandLine: '/ide start 2', user: { id: sender.member.userId, name: sender.member.name }, channelId: sender.channelId, teamId: sender.teamId });
    const delivered = await waitFor('2 emails in the inbox', async () => {
      const { emails } = (await (await fetch(`${urls.inbox}/store`)).json()) as { emails: { body: { text?: string } }[] };
      return emails.length >= 2 ? emails : undefined;
    }, 20_000);

    // Assess: the launcher turned previews on (the notifier writes what the stack's Previews parameter says).
    for (const [index, email] of delivered.entries()) {
      expect(email.body.text).toContain(`A web app you run on port 3000 opens at https://3000.dev-${index + 1}.code.example.com\n`);
    }
  }, 40_000);

  it('has the certificate re-issued naming a seat added to the roster, without waiting for the daily check', async () => {
    // Prepare
    const { urls, sender, backend, config } = sandbox!;
    const storedNames = () => {
      const parsed = parseBundle(backend.parameterStore.peek(config.team.certificateParameter)?.value ?? '');
      return 'bundle' in parsed ? certificateFacts(parsed.bundle).names : [];
    };
    expect(storedNames()).not.toContain('*.dev-6.code.example.com');

    // Act
    const add = await sendSlashCommand({ commandsUrl: urls.commands, backendUrl: urls.backend, commandLine: '/ide roster add @frank', user: { id: sender.member.userId, name: sender.member.name }, channelId: sender.channelId, teamId: sender.teamId, members: sandboxMembers(config.roster) });
    const answer = await waitFor('the roster add answer', async () => backend.slack.list().find((message) => message.responseUrlId === add.responseUrlId && /added dev-6/.test(message.rendered)), 15_000);
    const started = await waitFor('the certificate function started', async () => backend.lambda?.attempts(config.certificateFunctionName)[0], 15_000);
    const settled = await backend.lambda!.whenSettled(started.requestId);

    // Assess
    expect(answer.rendered).toContain('Previews for dev-6 (`https://<port>.dev-6.code.example.com`) come once the certificate is re-issued to name that seat, in a few minutes');
    expect(settled).toMatchObject({ payload: '{}', outcome: 'succeeded' });
    expect(storedNames()).toEqual(['*.code.example.com', 'code.example.com', ...[1, 2, 3, 4, 5, 6].map((slot) => `*.dev-${slot}.code.example.com`)]);
    expect(backend.lambda?.attempts(config.certificateFunctionName)).toHaveLength(1);
  }, 60_000);
});
