import type { SlackMessage, SlackResponder } from '../../shared/slack/slack-api';
import { checkSlackMessage } from './slack-limits';

export type Response = SlackMessage & { responseUrl: string; visibility: 'ephemeral' | 'in_channel' };

/** A SlackResponder that keeps what it was asked to say, checked against Slack's limits. */
export function recordingResponder(): SlackResponder & { responses: Response[] } {
  const responses: Response[] = [];
  return {
    responses,
    async respond(responseUrl, message) {
      checkSlackMessage(message, 'response_url');
      responses.push({ responseUrl, ...message });
    },
  };
}
