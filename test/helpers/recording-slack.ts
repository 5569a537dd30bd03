import type { SlackMessage, SlackResponder } from '../../shared/slack/slack-api';

export type Response = SlackMessage & { responseUrl: string; visibility: 'ephemeral' | 'in_channel' };

/** A SlackResponder that keeps what it was asked to say. */
export function recordingResponder(): SlackResponder & { responses: Response[] } {
  const responses: Response[] = [];
  return {
    responses,
    async respond(responseUrl, message) {
      responses.push({ responseUrl, ...message });
    },
  };
}
