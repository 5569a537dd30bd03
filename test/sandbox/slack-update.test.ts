import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxBackend } from '../../sandbox/backend/server';
import { createSlackPoster, SlackApiError } from '../../shared/slack/slack-api';
import { startTestBackend } from '../helpers/sandbox-backend';

const BOT_TOKEN = 'xoxb-update-test';

// The idle warning is edited once settled (chat.update). The sandbox's Slack takes that as
// Slack does, and refuses what Slack refuses, through the functions' own client.
describe('the sandbox\'s Slack: chat.update', () => {
  let backend: SandboxBackend;
  const log: string[] = [];

  beforeEach(async () => {
    backend = await startTestBackend({ botToken: BOT_TOKEN, privateChannels: ['C0PRIVATE1'], nameOf: (userId) => (userId === 'U0000LEAD' ? 'lead' : undefined), log: (_source, line) => log.push(line) });
  });

  afterEach(async () => {
    await backend.close();
  });

  const poster = (token = BOT_TOKEN) => createSlackPoster({ botToken: token, apiUrl: `${backend.url}/api`, fetch });
  const call = (method: string, body: unknown) =>
    fetch(`${backend.url}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${BOT_TOKEN}` }, body: JSON.stringify(body) }).then(
      async (response) => (await response.json()) as { ok: boolean; error?: string },
    );

  it('edits the bot\'s post in place: new text, new blocks, the buttons gone', async () => {
    const posted = await poster().postMessage('C0000TEAM', { text: 'Nobody has used them', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Nobody has used them' } }, { type: 'actions', elements: [{ type: 'button', action_id: 'keep_running', text: { type: 'plain_text', text: 'Keep running' }, value: '{}' }] }] });

    await poster().updateMessage(posted, { text: 'Someone is back', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Someone is back' } }] });

    const [message] = backend.slack.list();
    expect(backend.slack.list()).toHaveLength(1);
    expect(message).toMatchObject({ channel: 'C0000TEAM', ts: posted.ts, text: 'Someone is back', rendered: 'Someone is back', editedAt: expect.any(String) });
    expect(JSON.stringify(message?.blocks)).not.toContain('keep_running');
    expect(log).toContain('edited in #C0000TEAM: Someone is back');
  });

  it('answers a direct message with its D… conversation, and edits it only by that id', async () => {
    const posted = await poster().postMessage('U0000LEAD', { text: 'warning' });

    const byUser = poster().updateMessage({ channel: 'U0000LEAD', ts: posted.ts }, { text: 'settled' });

    expect(posted.channel).toBe('D0000LEAD');
    await expect(byUser).rejects.toThrow(new SlackApiError('chat.update', 'channel_not_found'));
    await poster().updateMessage(posted, { text: 'settled' });
    expect(backend.slack.list()[0]?.rendered).toBe('settled');
  });

  it('refuses what Slack refuses: an unknown ts, another channel, no text, a bad token, blocks over the limits', async () => {
    const posted = await poster().postMessage('C0000TEAM', { text: 'warning' });

    expect(await call('chat.update', { channel: 'C0000TEAM', ts: '1.000001', text: 'x' })).toEqual({ ok: false, error: 'message_not_found' });
    expect(await call('chat.update', { channel: 'C0000OTHR', ts: posted.ts, text: 'x' })).toEqual({ ok: false, error: 'message_not_found' });
    expect(await call('chat.update', { channel: 'C0PRIVATE1', ts: posted.ts, text: 'x' })).toEqual({ ok: false, error: 'channel_not_found' });
    expect(await call('chat.update', { channel: 'C0000TEAM', ts: posted.ts })).toEqual({ ok: false, error: 'no_text' });
    expect(await call('chat.update', { channel: 'C0000TEAM', ts: posted.ts, text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }] })).toMatchObject({ ok: false, error: 'invalid_blocks' });
    await expect(poster('xoxb-other').updateMessage(posted, { text: 'x' })).rejects.toThrow(new SlackApiError('chat.update', 'invalid_auth'));
    expect(backend.slack.list()[0]?.rendered).toBe('warning');
  });

  it('drops the old blocks for a text alone, as Slack does', async () => {
    const posted = await poster().postMessage('C0000TEAM', { text: 'old', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'old blocks' } }] });

    expect(await call('chat.update', { channel: 'C0000TEAM', ts: posted.ts, text: 'new text' })).toMatchObject({ ok: true });

    expect(backend.slack.list()[0]).toMatchObject({ text: 'new text', rendered: 'new text' });
    expect(backend.slack.list()[0]?.blocks).toBeUndefined();
  });
});
