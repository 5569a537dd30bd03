import { Logger } from '@aws-lambda-powertools/logger';
import { randomBytes } from 'node:crypto';

export type { Logger };

/**
 * One structured logger per function. Messages are fixed strings and the data goes
 * in fields, so logs can be queried; callers never pass tokens, passwords or whole
 * Slack payloads.
 */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

/** Short id quoted to the user in an apology, and logged beside the error it stands for. */
export function newErrorId(): string {
  return randomBytes(4).toString('hex');
}
