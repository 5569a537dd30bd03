import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pebbleInstalled } from '../../sandbox/pebble';
import { startSandbox, type RunningSandbox } from '../../sandbox/sandbox';
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

  it('starts with a certificate from Pebble for the wildcard and the apex, which /ide status shows', async () => {
    // Prepare
    const { urls, sender, certificate, backend } = sandbox!;

    // Act
    const status = await sendSlashCommand({ commandsUrl: urls.commands, backendUrl: urls.backend, commandLine: '/ide status', user: { id: sender.member.userId, name: sender.member.name }, channelId: sender.channelId, teamId: sender.teamId });
    const answer = await waitFor('the status answer', async () => backend.slack.list().find((message) => message.responseUrlId === status.responseUrlId && /No team IDEs/.test(message.rendered)), 15_000);

    // Assess
    expect(certificate).toEqual({ subject: 'CN=*.code.example.com', names: 'DNS:*.code.example.com, DNS:code.example.com', issuer: expect.stringMatching(/^CN=Pebble Intermediate CA/), notAfter: expect.any(String) });
    expect(output.join('\n')).toContain('UPSERT TXT _acme-challenge.code.example.com.');
    expect(answer.rendered).toContain('HTTPS certificate (*.code.example.com, code.example.com): valid until');
  }, 30_000);
});
