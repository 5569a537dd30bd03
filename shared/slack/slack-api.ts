import type { KnownBlock } from '@slack/types';

/** A Slack message: `text` is the notification and screen-reader fallback for the blocks. */
export interface SlackMessage {
  text: string;
  blocks?: KnownBlock[];
}

/** Answers the person who typed a command, through its response_url: 5 uses within 30 minutes, no token needed. */
export interface SlackResponder {
  respond(responseUrl: string, message: SlackMessage & { visibility: 'ephemeral' | 'in_channel' }): Promise<void>;
}

/** Where a posted message is: Slack's channel id (a `D…` id for a direct message) and its timestamp. */
export interface PostedMessage {
  channel: string;
  ts: string;
}

/**
 * Posts in a channel with the bot token, for news that comes later than a response_url lives,
 * and edits such a post later (chat.update: the idle warning, once someone is back).
 */
export interface SlackPoster {
  postMessage(channel: string, message: SlackMessage): Promise<PostedMessage>;
  /** `posted` is what postMessage returned: chat.update takes a channel id, never a user id. */
  updateMessage(posted: PostedMessage, message: SlackMessage): Promise<void>;
}

/**
 * Whether a response_url is one Slack made: Slack's hooks host on AWS (GovSlack's too), the
 * stand-in's own origin in the sandbox. The launcher answers only there, so a job invoked
 * with another URL cannot make it post a run's details anywhere else.
 */
export function isSlackResponseUrl(url: string, settings: { backend: 'aws' | 'sandbox'; slackApiUrl: string }): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (settings.backend === 'sandbox') return parsed.origin === new URL(settings.slackApiUrl).origin;
  return parsed.protocol === 'https:' && ['hooks.slack.com', 'hooks.slack-gov.com'].includes(parsed.hostname) && parsed.port === '';
}

export class SlackApiError extends Error {
  constructor(readonly method: string, readonly slackError: string) {
    super(`Slack ${method} failed: ${slackError}`);
    this.name = 'SlackApiError';
  }
}

// A minimal client on fetch: the functions after the acknowledgement need only these two
// calls, and @slack/web-api would add a few hundred KB to bundles that must stay small.

export function createSlackResponder(options: { fetch?: typeof fetch } = {}): SlackResponder {
  const send = options.fetch ?? fetch;
  return {
    async respond(responseUrl, { visibility, ...message }) {
      const response = await send(responseUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ response_type: visibility, ...message }),
      });
      if (!response.ok) throw new SlackApiError('response_url', `http_${response.status}`);
    },
  };
}

export function createSlackPoster(options: { botToken: string; apiUrl: string; fetch?: typeof fetch }): SlackPoster {
  const send = options.fetch ?? fetch;
  const call = async (method: string, payload: Record<string, unknown>) => {
    const response = await send(`${options.apiUrl}/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${options.botToken}` },
      body: JSON.stringify(payload),
    });
    const body = (await response.json().catch(() => ({ ok: false, error: `http_${response.status}` }))) as { ok?: boolean; error?: string; channel?: unknown; ts?: unknown };
    if (!body.ok) throw new SlackApiError(method, body.error ?? `http_${response.status}`);
    return body;
  };
  return {
    async postMessage(channel, message) {
      const body = await call('chat.postMessage', { channel, ...message, unfurl_links: false });
      return { channel: typeof body.channel === 'string' ? body.channel : channel, ts: typeof body.ts === 'string' ? body.ts : '' };
    },
    async updateMessage(posted, message) {
      // Both text and blocks: chat.update keeps the old blocks when given neither, and drops them for a text alone.
      await call('chat.update', { channel: posted.channel, ts: posted.ts, text: message.text, blocks: message.blocks ?? [] });
    },
  };
}

/** A workspace member as users.info describes them, for `/ide roster add`. */
export interface SlackProfile {
  userId: string;
  name: string;
  /** Absent when Slack has none for them, or the bot lacks users:read.email (see `canReadEmails`). */
  email?: string;
  deleted: boolean;
  isBot: boolean;
  /** Whether the bot token holds users:read.email: without it Slack leaves every email out, silently. */
  canReadEmails: boolean;
}

/** Looks people up in the workspace with the bot token. */
export interface SlackDirectory {
  /** undefined when the workspace has no such user. */
  lookUp(userId: string): Promise<SlackProfile | undefined>;
}

export function createSlackDirectory(options: { botToken: string; apiUrl: string; fetch?: typeof fetch }): SlackDirectory {
  const send = options.fetch ?? fetch;
  return {
    async lookUp(userId) {
      const response = await send(`${options.apiUrl}/users.info`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Bearer ${options.botToken}` },
        body: new URLSearchParams({ user: userId }).toString(),
      });
      const body = (await response.json().catch(() => ({ ok: false, error: `http_${response.status}` }))) as {
        ok?: boolean;
        error?: string;
        user?: { id?: string; name?: string; deleted?: boolean; is_bot?: boolean; profile?: { email?: string } };
      };
      if (body.error === 'user_not_found') return undefined;
      if (!body.ok || !body.user) throw new SlackApiError('users.info', body.error ?? `http_${response.status}`);
      const scopes = (response.headers.get('x-oauth-scopes') ?? '').split(',').map((scope) => scope.trim());
      return {
        userId: body.user.id ?? userId,
        name: body.user.name ?? '',
        ...(body.user.profile?.email ? { email: body.user.profile.email } : {}),
        deleted: body.user.deleted === true,
        isBot: body.user.is_bot === true,
        canReadEmails: scopes.includes('users:read.email'),
      };
    },
  };
}

