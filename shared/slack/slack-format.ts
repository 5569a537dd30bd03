import type { KnownBlock } from '@slack/types';

/** Slack renders `<@U…>` as the person's current display name. */
export const mention = (userId: string): string => `<@${userId}>`;

/** A mrkdwn section block. */
export const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

/** A context block: the small grey line under a message. */
export const context = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });

/** `1 IDE`, `3 IDEs`. */
export const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;

/** Slack's date token shows the time in each reader's own time zone; the fallback is UTC. */
export function slackTime(date: Date): string {
  const seconds = Math.floor(date.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${date.toISOString().replace(/\.\d{3}Z$/, 'Z')}>`;
}

/**
 * Text from elsewhere (CloudFormation reasons, SES messages) shown in mrkdwn: Slack reads
 * `<…>` as links and mentions, so these three characters must be escaped.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
