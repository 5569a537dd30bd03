import { describe, expect, it, vi } from 'vitest';
import { createBotPoster } from '../../../shared/slack/bot-poster';

function slackApi() {
  const calls: { url: string; authorization: string; body: unknown }[] = [];
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), authorization: new Headers(init?.headers).get('authorization') ?? '', body: JSON.parse(String(init?.body)) });
    return new Response(JSON.stringify({ ok: true, ts: '1.2' }), { status: 200 });
  });
  return { calls, fetch: fetch as unknown as typeof globalThis.fetch };
}

describe('createBotPoster', () => {
  it('reads the token once and posts with it', async () => {
    const api = slackApi();
    const loadBotToken = vi.fn(async () => 'xoxb-test');
    const poster = createBotPoster({ loadBotToken, apiUrl: 'https://slack.example.test/api', fetch: api.fetch });

    await poster.postMessage('C0000TEAM', { text: 'one' });
    await poster.postMessage('C0000TEAM', { text: 'two' });

    expect(loadBotToken).toHaveBeenCalledTimes(1);
    expect(api.calls.map((call) => call.url)).toEqual(['https://slack.example.test/api/chat.postMessage', 'https://slack.example.test/api/chat.postMessage']);
    expect(api.calls[0]).toMatchObject({ authorization: 'Bearer xoxb-test', body: { channel: 'C0000TEAM', text: 'one' } });
  });

  it('edits a post with the same token, read once', async () => {
    const api = slackApi();
    const loadBotToken = vi.fn(async () => 'xoxb-test');
    const poster = createBotPoster({ loadBotToken, apiUrl: 'https://slack.example.test/api', fetch: api.fetch });

    const posted = await poster.postMessage('C0000TEAM', { text: 'one' });
    await poster.updateMessage({ channel: 'C0000TEAM', ts: posted.ts }, { text: 'two' });

    expect(loadBotToken).toHaveBeenCalledTimes(1);
    expect(api.calls[1]).toMatchObject({ url: 'https://slack.example.test/api/chat.update', authorization: 'Bearer xoxb-test', body: { channel: 'C0000TEAM', ts: '1.2', text: 'two' } });
  });

  it('reads the token again after a failed read', async () => {
    const api = slackApi();
    const loadBotToken = vi.fn<() => Promise<string>>().mockRejectedValueOnce(new Error('ThrottlingException')).mockResolvedValue('xoxb-test');
    const poster = createBotPoster({ loadBotToken, apiUrl: 'https://slack.example.test/api', fetch: api.fetch });

    await expect(poster.postMessage('C0000TEAM', { text: 'one' })).rejects.toThrow('ThrottlingException');
    await poster.postMessage('C0000TEAM', { text: 'two' });

    expect(loadBotToken).toHaveBeenCalledTimes(2);
    expect(api.calls).toHaveLength(1);
  });
});
