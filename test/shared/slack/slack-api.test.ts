import { describe, expect, it, vi } from 'vitest';
import { createSlackPoster, createSlackResponder, isSlackResponseUrl, SlackApiError } from '../../../shared/slack/slack-api';

function fakeFetch(status: number, body: unknown) {
  return vi.fn(async (_url: string | URL | Request, _init?: RequestInit) => new Response(JSON.stringify(body), { status }));
}

describe('createSlackPoster', () => {
  it('posts with the bot token and the channel', async () => {
    const fetch = fakeFetch(200, { ok: true, ts: '1.2' });
    const poster = createSlackPoster({ botToken: 'xoxb-fake', apiUrl: 'http://127.0.0.1:9/api', fetch });

    await poster.postMessage('C0000TEAM', { text: 'hello' });

    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(url).toBe('http://127.0.0.1:9/api/chat.postMessage');
    expect(init?.headers).toMatchObject({ Authorization: 'Bearer xoxb-fake' });
    expect(JSON.parse(String(init?.body))).toMatchObject({ channel: 'C0000TEAM', text: 'hello' });
  });

  it('answers where the post went: Slack\'s channel id and the message\'s ts', async () => {
    const poster = createSlackPoster({ botToken: 'xoxb-fake', apiUrl: 'http://127.0.0.1:9/api', fetch: fakeFetch(200, { ok: true, channel: 'D0000LEAD', ts: '1764320000.000100' }) });

    expect(await poster.postMessage('U0000LEAD', { text: 'hello' })).toEqual({ channel: 'D0000LEAD', ts: '1764320000.000100' });
  });

  it('edits a post with chat.update, giving the text and the blocks so no old block stays', async () => {
    const fetch = fakeFetch(200, { ok: true, channel: 'C0000TEAM', ts: '1764320000.000100' });
    const poster = createSlackPoster({ botToken: 'xoxb-fake', apiUrl: 'http://127.0.0.1:9/api', fetch });

    await poster.updateMessage({ channel: 'C0000TEAM', ts: '1764320000.000100' }, { text: 'back' });

    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(url).toBe('http://127.0.0.1:9/api/chat.update');
    expect(init?.headers).toMatchObject({ Authorization: 'Bearer xoxb-fake' });
    expect(JSON.parse(String(init?.body))).toEqual({ channel: 'C0000TEAM', ts: '1764320000.000100', text: 'back', blocks: [] });
  });

  it('throws Slack\'s error code when chat.update refuses', async () => {
    const poster = createSlackPoster({ botToken: 'xoxb-fake', apiUrl: 'http://127.0.0.1:9/api', fetch: fakeFetch(200, { ok: false, error: 'message_not_found' }) });

    await expect(poster.updateMessage({ channel: 'C0000TEAM', ts: '1.2' }, { text: 'back' })).rejects.toThrow(new SlackApiError('chat.update', 'message_not_found'));
  });

  it('throws Slack\'s error code when Slack answers ok: false', async () => {
    const poster = createSlackPoster({ botToken: 'xoxb-fake', apiUrl: 'http://127.0.0.1:9/api', fetch: fakeFetch(200, { ok: false, error: 'not_in_channel' }) });

    await expect(poster.postMessage('C0000TEAM', { text: 'hello' })).rejects.toThrow(new SlackApiError('chat.postMessage', 'not_in_channel'));
  });
});

describe('createSlackResponder', () => {
  it('posts the message with its visibility to the response_url', async () => {
    const fetch = fakeFetch(200, {});
    const responder = createSlackResponder({ fetch });

    await responder.respond('https://hooks.slack.com/commands/1', { visibility: 'in_channel', text: 'hi' });

    expect(JSON.parse(String(fetch.mock.calls[0]?.[1]?.body))).toEqual({ response_type: 'in_channel', text: 'hi' });
  });

  it('throws when the response_url is spent', async () => {
    const responder = createSlackResponder({ fetch: fakeFetch(404, 'expired_url') });

    await expect(responder.respond('https://hooks.slack.com/commands/1', { visibility: 'ephemeral', text: 'hi' })).rejects.toThrow('http_404');
  });
});

describe('isSlackResponseUrl', () => {
  const aws = { backend: 'aws', slackApiUrl: 'https://slack.com/api' } as const;
  const sandbox = { backend: 'sandbox', slackApiUrl: 'http://127.0.0.1:3004/api' } as const;

  it('takes Slack\'s hooks host, over https only', () => {
    expect(isSlackResponseUrl('https://hooks.slack.com/commands/T0000TEAM/1/abc', aws)).toBe(true);
    expect(isSlackResponseUrl('https://hooks.slack-gov.com/commands/T0000TEAM/1/abc', aws)).toBe(true);
    expect(
      ['http://hooks.slack.com/commands/1', 'https://hooks.slack.com.attacker.example/x', 'https://attacker.example/hooks.slack.com', 'https://hooks.slack.com:8443/x', 'not a url'].filter((url) =>
        isSlackResponseUrl(url, aws),
      ),
    ).toEqual([]);
  });

  it('takes only the stand-in\'s origin in the sandbox', () => {
    expect(isSlackResponseUrl('http://127.0.0.1:3004/slack/respond/1', sandbox)).toBe(true);
    expect(isSlackResponseUrl('https://hooks.slack.com/commands/T0000TEAM/1/abc', sandbox)).toBe(false);
    expect(isSlackResponseUrl('http://127.0.0.1:9999/slack/respond/1', sandbox)).toBe(false);
  });
});
