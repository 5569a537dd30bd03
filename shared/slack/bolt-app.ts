// Bolt's index loads every receiver and its HTTP stack; these two are all a Lambda needs
// (scripts/esbuild-plugins.cjs keeps the others out of the bundles).
import App from '@slack/bolt/dist/App';
import AwsLambdaReceiver, { type AwsEvent, type AwsHandler, type AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver';
import { boltLoggerFor } from './bolt-logger';
import type { Logger } from '../core/logger';

export interface BoltAppOptions {
  signingSecret: string;
  logger: Logger;
  /** The app's bot ids: given here, bolt makes no auth.test call at cold start (no token is needed to answer). */
  botId: string;
  botUserId: string;
  /** What `respond()` posts to the response_url with; tests hand in their own. Default: the global fetch. */
  fetch?: typeof fetch;
}

/**
 * A bolt app behind an `AwsLambdaReceiver`, which checks every request's signature and
 * answers 401 to anything unsigned, tampered or older than 5 minutes. Bolt returns the
 * HTTP response only once the listener has finished, so a listener must be done within
 * Slack's 3 seconds.
 */
export function createBoltApp(options: BoltAppOptions): { app: App; receiver: AwsLambdaReceiver } {
  const receiver = new AwsLambdaReceiver({ signingSecret: options.signingSecret, logger: boltLoggerFor(options.logger) });
  const app = new App({
    receiver,
    logger: boltLoggerFor(options.logger),
    authorize: async () => ({ botId: options.botId, botUserId: options.botUserId }),
    ...(options.fetch ? { clientOptions: { fetch: options.fetch } } : {}),
  });
  return { app, receiver };
}

/**
 * The Lambda handler for a bolt app built on the first request (the signing secret is read
 * from SSM then) and kept for the container's life. A failed build is not kept, so the next
 * request tries again instead of failing until the container is recycled.
 */
export function boltHandlerBuiltOnce(build: () => Promise<AwsHandler>): AwsHandler {
  let boltHandler: Promise<AwsHandler> | undefined;
  return async (event: AwsEvent, context: unknown): Promise<AwsResponse> => {
    boltHandler ??= build().catch((error: unknown) => {
      boltHandler = undefined;
      throw error;
    });
    return (await boltHandler)(event, context);
  };
}
