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
 * answers 401 to anything unsigned, tampered or older than 5 minutes (not to a timestamp in
 * the future: `boltHandlerBuiltOnce` refuses those). Bolt returns the
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

/** How far a request's timestamp may be from our clock, either way, as Slack advises. */
const REQUEST_TIME_TOLERANCE_SECONDS = 5 * 60;

/**
 * Whether the request's `X-Slack-Request-Timestamp` lies more than 5 minutes ahead. Bolt 5.1
 * refuses only old timestamps (AwsLambdaReceiver.isValidRequestSignature), so a signed
 * request dated ahead would stay replayable until that date plus 5 minutes.
 */
function isDatedInTheFuture(event: AwsEvent, nowMs: number): boolean {
  const header = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'x-slack-request-timestamp')?.[1];
  const timestamp = Number(header);
  return Number.isFinite(timestamp) && timestamp > Math.floor(nowMs / 1000) + REQUEST_TIME_TOLERANCE_SECONDS;
}

/**
 * The Lambda handler for a bolt app built on the first request (the signing secret is read
 * from SSM then) and kept for the container's life. A failed build is not kept, so the next
 * request tries again instead of failing until the container is recycled. A request dated
 * more than 5 minutes ahead gets the 401 bolt gives a stale one.
 */
export function boltHandlerBuiltOnce(build: () => Promise<AwsHandler>, logger: Logger): AwsHandler {
  let boltHandler: Promise<AwsHandler> | undefined;
  return async (event: AwsEvent, context: unknown): Promise<AwsResponse> => {
    if (isDatedInTheFuture(event, Date.now())) {
      logger.warn('Request dated in the future refused');
      return { statusCode: 401, body: '' };
    }
    boltHandler ??= build().catch((error: unknown) => {
      boltHandler = undefined;
      throw error;
    });
    return (await boltHandler)(event, context);
  };
}
