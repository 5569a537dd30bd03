import type { KnownBlock } from '@slack/types';

/**
 * Slack's published Block Kit limits (docs.slack.dev, Block Kit reference): a message over
 * any of them is refused whole (`invalid_blocks`, `msg_too_long`), ephemeral answers
 * included. The builders here stay under them; sandbox/backend/slack-limits.ts refuses
 * what Slack refuses, and the tests check every message against it.
 */
export const SLACK_LIMITS = {
  /** Characters of a section's text, and of a context element's. */
  sectionText: 3000,
  blocksPerMessage: 50,
  /** Characters of a whole message: its fallback text and every text in its blocks. */
  messageText: 40_000,
} as const;

/** How much of something a user typed is shown back to them: enough to recognise it. */
const ECHO_MAX = 40;

/** Slack renders `<@U…>` as the person's current display name. */
export const mention = (userId: string): string => `<@${userId}>`;

/** `text`, or its first `max - 1` characters and an ellipsis. */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Text the user typed, shown back to them in mrkdwn: cut to a readable length (a
 * 10,000-character word would make Slack refuse the whole answer) and escaped.
 */
export function echo(text: string, max = ECHO_MAX): string {
  return escapeMrkdwn(cut(text, max));
}

/** A mrkdwn section block; text beyond Slack's limit is cut rather than have the message refused. */
export const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: cut(text, SLACK_LIMITS.sectionText) } });

/** A context block: the small grey line under a message. */
export const context = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text: cut(text, SLACK_LIMITS.sectionText) }] });

/** `1 IDE`, `3 IDEs`. */
export const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;

// Section text stays a little under the limit, so a line that fills it still fits.
const SECTION_FILL = SLACK_LIMITS.sectionText - 100;
// One line of a list: longer ones (a URL on a very long domain, an error text) are cut.
const LINE_MAX = 1000;

/**
 * A heading and a list of lines as as many sections as Slack's 3,000 characters per
 * section need. Lines past `maxChars` in all are left out and counted in a last line
 * ending with `more`, so a long list cannot take the message past Slack's limits.
 */
export function listSections(heading: string, lines: readonly string[], options: { maxChars: number; more: string }): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let text = heading;
  let used = heading.length;
  for (const [index, full] of lines.entries()) {
    const line = cut(full, LINE_MAX);
    if (used + line.length > options.maxChars) {
      text = appendLine(blocks, text, `…and ${lines.length - index} more: ${options.more}`);
      break;
    }
    text = appendLine(blocks, text, line);
    used += line.length + 1;
  }
  blocks.push(section(text));
  return blocks;
}

/** Adds a line to the section being filled, starting a new one when it would not fit. */
function appendLine(blocks: KnownBlock[], text: string, line: string): string {
  if (text.length + line.length + 1 <= SECTION_FILL) return `${text}\n${line}`;
  blocks.push(section(text));
  return line;
}

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
