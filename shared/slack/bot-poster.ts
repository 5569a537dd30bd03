import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Config } from '../core/config';
import { createSlackPoster, type SlackPoster } from './slack-api';
import { loadSlackBotToken } from './slack-secrets';

/**
 * A `SlackPoster` that reads the bot token on its first post and keeps it for the life
 * of the Lambda container. A failed read is not kept, so the next invocation tries again
 * instead of failing until the container is recycled.
 */
export function createBotPoster(options: { loadBotToken: () => Promise<string>; apiUrl: string; fetch?: typeof fetch }): SlackPoster {
  let poster: Promise<SlackPoster> | undefined;
  const ready = (): Promise<SlackPoster> => {
    poster ??= options
      .loadBotToken()
      .then((botToken) => createSlackPoster({ botToken, apiUrl: options.apiUrl, ...(options.fetch ? { fetch: options.fetch } : {}) }))
      .catch((error: unknown) => {
        poster = undefined;
        throw error;
      });
    return poster;
  };
  return {
    postMessage: async (channel, message) => (await ready()).postMessage(channel, message),
    updateMessage: async (posted, message) => (await ready()).updateMessage(posted, message),
  };
}

/** The poster the channel-posting functions use: the bot token from its SSM parameter, Slack at `SLACK_API_URL`. */
export function botPosterFor(ssm: SSMClient, config: Pick<Config, 'slackBotTokenParameter' | 'slackApiUrl'>): SlackPoster {
  return createBotPoster({ loadBotToken: () => loadSlackBotToken(ssm, config.slackBotTokenParameter), apiUrl: config.slackApiUrl });
}
