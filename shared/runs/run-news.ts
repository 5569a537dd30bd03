import type { Config } from '../core/config';
import type { Logger } from '../core/logger';
import { type DeliveredMessage, postInChannelOrToLead } from '../slack/channel-post';
import type { SlackMessage, SlackPoster } from '../slack/slack-api';
import type { RunTags } from '../stack/team-stack';

/** What posting a run's news needs: the bot's poster, and its own user id for the invitation. */
export interface RunNewsDeps {
  config: Pick<Config, 'slackBotUserId'>;
  logger: Logger;
  slack: SlackPoster;
}

/**
 * Tells the run's channel, or, where the bot may not post (a private channel it was not
 * invited to), the lead who started the run, with how to invite the bot.
 */
export function postRunNews(deps: RunNewsDeps, run: RunTags, message: SlackMessage): Promise<DeliveredMessage> {
  return postInChannelOrToLead(deps.slack, { channel: run.channel, lead: run.requestedBy, botUserId: deps.config.slackBotUserId }, message, deps.logger);
}
