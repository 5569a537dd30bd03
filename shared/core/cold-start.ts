import { type Config, loadConfig } from './config';
import { createLogger, type Logger } from './logger';

/**
 * Says once per cold start that the function talks to the local sandbox (`npm start`),
 * so nobody reading its logs takes a sandbox run for a real one. Silent on AWS.
 */
export function announceBackend(config: Pick<Config, 'backend' | 'slackApiUrl'>, logger: Logger): void {
  if (config.backend === 'sandbox') {
    logger.warn('IDE_BACKEND=sandbox: AWS and Slack calls go to the local sandbox, no cloud resource is created', { slackApiUrl: config.slackApiUrl });
  }
}

/**
 * What every function does once at module load: reads and checks its settings (a wrong
 * one stops it here, with a message naming it) and makes its logger.
 */
export function coldStart(serviceName: string, env: Record<string, string | undefined> = process.env): { config: Config; logger: Logger } {
  const config = loadConfig(env);
  const logger = createLogger(serviceName);
  announceBackend(config, logger);
  return { config, logger };
}
