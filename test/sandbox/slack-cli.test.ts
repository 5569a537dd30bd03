import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxBackend } from '../../sandbox/backend/server';
import type { SandboxSlackMessage } from '../../sandbox/backend/slack';
import { followCommand, SandboxNotRunningError, sendSlashCommand, splitCommandLine } from '../../sandbox/slack-cli';
import { freePorts } from '../helpers/local-servers';
import { startTestBackend } from '../helpers/sandbox-backend';

describe('splitCommandLine', () => {
  it.each([
    ['/ide start 3', { command: '/ide', text: 'start 3' }],
    ['  /ide   stop ', { command: '/ide', text: 'stop' }],
    ['status', { command: '/ide', text: 'status' }],
  ])('reads %j', (line, expected) => {
    expect(splitCommandLine(line)).toEqual(expected);
  });
});

describe('npm run slack', () => {
  let backend: SandboxBackend;

  beforeEach(async () => {
    backend = await startTestBackend({ stackDelayMs: 10, botToken: 'xoxb-cli-test' });
  });

  afterEach(() => backend.close());

  it('says to run `npm start` first when nothing answers', async () => {
    const [closedPort] = await freePorts(1);

    const act = sendSlashCommand({ commandsUrl: `http://127.0.0.1:${closedPort}/slack/commands`, backendUrl: `http://127.0.0.1:${closedPort}`, commandLine: '/ide status', user: { id: 'U0SANDBOX1', name: 'alice' }, channelId: 'C0SANDBOX1', teamId: 'T0SANDBOX1' });

    await expect(act).rejects.toThrow(SandboxNotRunningError);
    await expect(act).rejects.toThrow(`nothing answers at http://127.0.0.1:${closedPort}: start the sandbox with \`npm start\` in another terminal first`);
  });

  it('follows the command\'s response_url and channel until the sandbox is quiet', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${backend.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    await post('/slack/respond/earlier', { text: 'an earlier command' });
    const result = { status: 200, answer: 'On it', responseUrlId: 'this-one', afterSeq: 1 };
    const seen: SandboxSlackMessage[] = [];
    setTimeout(() => {
      void post('/slack/respond/this-one', { response_type: 'in_channel', text: 'starting' })
        .then(() => post('/slack/respond/someone-else', { text: 'not ours' }))
        .then(() => post('/api/chat.postMessage', { channel: 'C0SANDBOX1', text: 'ready' }, { authorization: 'Bearer xoxb-cli-test' }));
    }, 100);

    const started = Date.now();
    await followCommand({ backendUrl: backend.url, result, channelId: 'C0SANDBOX1', quietMs: 600, maxWaitMs: 10_000, onMessage: (message) => seen.push(message) });

    expect(seen.map((message) => message.rendered)).toEqual(['starting', 'ready']);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
