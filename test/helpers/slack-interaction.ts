import { checkSlackMessage } from './slack-limits';

/** What a press of one button of a bot message carries. */
export interface ButtonPressFields {
  actionId: string;
  value: string;
  userId: string;
  channelId: string;
  responseUrl: string;
  /** The presser's workspace; default T0000TEAM, the tests' SLACK_TEAM_ID. */
  teamId?: string;
  /** The pressed message's ts. */
  messageTs?: string;
  buttonText?: string;
}

/**
 * The `block_actions` payload Slack posts to the Interactivity Request URL when someone
 * presses a button in a message the bot posted: a form body with one field, `payload`,
 * holding the JSON. Signed like a slash command (sandbox/slack-request.ts signedHeaders).
 */
export function blockActionsBody(fields: ButtonPressFields): string {
  const messageTs = fields.messageTs ?? '1795884300.000100';
  const teamId = fields.teamId ?? 'T0000TEAM';
  const payload = {
    type: 'block_actions',
    user: { id: fields.userId, username: 'someone', name: 'someone', team_id: teamId },
    api_app_id: 'A0000APP1',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: messageTs, channel_id: fields.channelId, is_ephemeral: false },
    trigger_id: '1111.2222.3333',
    team: { id: teamId, domain: 'example' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: fields.channelId, name: 'team' },
    message: { type: 'message', subtype: 'bot_message', text: 'The team IDEs stop soon.', ts: messageTs, bot_id: 'B0000BOT1', blocks: [] },
    state: { values: {} },
    response_url: fields.responseUrl,
    actions: [
      {
        action_id: fields.actionId,
        block_id: 'run_lifetime',
        text: { type: 'plain_text', text: fields.buttonText ?? fields.actionId, emoji: true },
        value: fields.value,
        type: 'button',
        action_ts: '1795884400.123456',
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A fetch that records what bolt's `respond()` posts to a response_url (checked against Slack's limits), and answers 200. */
export function recordingFetch(): typeof fetch & { calls: { url: string; body: Record<string, unknown> }[] } {
  const calls: { url: string; body: Record<string, unknown> }[] = [];
  const fake = async (url: string | URL | Request, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown>;
    checkSlackMessage(body, 'response_url');
    calls.push({ url: String(url), body });
    return new Response('ok', { status: 200 });
  };
  return Object.assign(fake as typeof fetch, { calls });
}
