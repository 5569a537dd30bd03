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
