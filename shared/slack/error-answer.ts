import { AppError } from '../core/errors';
import { type Logger, newErrorId } from '../core/logger';
import { apologyMessage, userErrorMessage } from './slack-messages';
import type { SlackMessage } from './slack-api';

/**
 * The one place an error becomes a Slack answer: what the user caused is explained to
 * them; anything else is logged with its context and answered with an id to look up.
 */
export function answerForError(error: unknown, logger: Logger, context: Record<string, unknown>): SlackMessage {
  if (error instanceof AppError) {
    logger.info('Request refused', { ...context, reason: error.code });
    return userErrorMessage(error);
  }
  const errorId = newErrorId();
  logger.error('Request failed', { ...context, errorId, error: error as Error });
  return apologyMessage(errorId);
}
