import type { Config } from './config';
import type { Logger } from './logger';

/**
 * Says once per cold start that the function talks to the local sandbox (`npm start`),
 * so nobody reading its logs takes a sandbox run for a real one. Silent on AWS.
 */
export function announceBackend(config: Pick<Config, 'backend' | 'slackApiUrl'>, logger: Logger): void {
  if (config.backend === 'sandbox') {
    logger.warn('IDE_BACKEND=sandbox: AWS and Slack calls go to the local sandbox, no cloud resource is created', { slackApiUrl: config.slackApiUrl });
  }
}
