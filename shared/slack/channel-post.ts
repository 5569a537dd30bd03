import type { Logger } from '../core/logger';
import { type PostedMessage, SlackApiError, type SlackMessage, type SlackPoster } from './slack-api';
import { context, mention, section, SLACK_LIMITS } from './slack-format';

/**
 * What chat.postMessage answers when the bot may not post in a channel: `channel_not_found`
 * for a private channel it was not invited to, `not_in_channel` for a channel it may not
 * post to (chat:write.public covers public channels only).
 */
const NOT_A_MEMBER = new Set(['channel_not_found', 'not_in_channel']);

/** Where run news goes: the run's channel, else the lead who started the run. */
export interface NewsAudience {
  channel: string;
  /** Slack user id of the run's lead. */
  lead: string;
  /** The bot's own user id, to name it in the invitation. */
  botUserId: string;
}

export type Delivery = 'channel' | 'lead';

/** Where the message went, and where to find it again (to edit it). */
export type DeliveredMessage = PostedMessage & { delivery: Delivery };

/**
 * Posts in the channel; where the bot may not post, sends the same message to the lead
 * directly (chat.postMessage to a user id opens the conversation with the bot's chat:write),
 * with a line saying how to invite the bot, so a run started in a private channel is still
 * answered. Any other Slack error is thrown to the caller.
 */
export async function postInChannelOrToLead(slack: SlackPoster, audience: NewsAudience, message: SlackMessage, logger: Logger): Promise<DeliveredMessage> {
  try {
    return { ...(await slack.postMessage(audience.channel, message)), delivery: 'channel' };
  } catch (error) {
    if (!(error instanceof SlackApiError) || !NOT_A_MEMBER.has(error.slackError)) throw error;
    logger.warn('The bot may not post in the channel: telling the lead directly', { channel: audience.channel, lead: audience.lead, slackError: error.slackError });
  }
  return { ...(await slack.postMessage(audience.lead, withInvitation(message, audience))), delivery: 'lead' };
}

function withInvitation(message: SlackMessage, audience: NewsAudience): SlackMessage {
  const invitation = context(
    `I could not post this in <#${audience.channel}>: I am not a member of it. Invite ${mention(audience.botUserId)} there (\`/invite\` in the channel), so everyone in it hears about the team IDEs.`,
  );
  // The last block gives way should the message already hold as many blocks as Slack takes.
  const blocks = (message.blocks ?? [section(message.text)]).slice(0, SLACK_LIMITS.blocksPerMessage - 1);
  return { text: message.text, blocks: [...blocks, invitation] };
}
