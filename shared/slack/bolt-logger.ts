import { LogLevel, type Logger as BoltLogger } from '@slack/logger';
import type { Logger } from '../core/logger';

/**
 * Routes bolt's logs into the structured logger. Bolt's debug level prints whole
 * incoming requests (with the command text and the response_url), so debug is dropped.
 */
export function boltLoggerFor(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const message = (parts: unknown[]) => parts.map((part) => (typeof part === 'string' ? part : String(part))).join(' ');
  return {
    debug: () => undefined,
    info: (...parts) => logger.info(message(parts), { source: 'bolt' }),
    warn: (...parts) => logger.warn(message(parts), { source: 'bolt' }),
    error: (...parts) => logger.error(message(parts), { source: 'bolt' }),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
