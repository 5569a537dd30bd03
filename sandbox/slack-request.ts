import { slackSignature } from '../shared/slack/request-signature';

export { slackSignature };

export interface SlashCommandFields {
  command: string;
  text: string;
  userId: string;
  userName: string;
  channelId: string;
  responseUrl: string;
  teamId?: string;
}

/** The form body Slack posts for a slash command. */
export function slashCommandBody(fields: SlashCommandFields): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: fields.teamId ?? 'T0000TEAM',
    team_domain: 'example',
    channel_id: fields.channelId,
    channel_name: 'team',
    user_id: fields.userId,
    user_name: fields.userName,
    command: fields.command,
    text: fields.text,
    api_app_id: 'A0000APP1',
    response_url: fields.responseUrl,
    trigger_id: '1111.2222.3333',
  }).toString();
}

/** The headers Slack sends with a signed request. */
export function signedHeaders(signingSecret: string, rawBody: string, timestamp: number, retryNum?: number): Record<string, string> {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(signingSecret, timestamp, rawBody),
    ...(retryNum === undefined ? {} : { 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': 'http_timeout' }),
  };
}

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
  /** The actions block the button is in. */
  blockId?: string;
  /** True for a button in an ephemeral message (only its reader sees it). */
  ephemeral?: boolean;
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
    container: { type: 'message', message_ts: messageTs, channel_id: fields.channelId, is_ephemeral: fields.ephemeral ?? false },
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
        block_id: fields.blockId ?? 'run_lifetime',
        text: { type: 'plain_text', text: fields.buttonText ?? fields.actionId, emoji: true },
        value: fields.value,
        type: 'button',
        action_ts: '1795884400.123456',
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
