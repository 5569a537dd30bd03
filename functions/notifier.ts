import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SSMClient } from '@aws-sdk/client-ssm';
import { coldStart } from '../shared/core/cold-start';
import { botPosterFor } from '../shared/slack/bot-poster';
import { type NotifierDeps, notifyDevelopers } from '../shared/email/notify-developers';
import { readNotifierJob } from '../shared/email/notifier-job';
import { rosterReaderFor } from '../shared/team/roster-store';

/**
 * Invoked asynchronously by stack-events with `{ stackId }` once a run's stack is created:
 * emails each developer their link and password, then tells the channel.
 */
export function makeHandler(deps: NotifierDeps) {
  return async (payload: unknown): Promise<void> => {
    const job = readNotifierJob(payload);
    if (!job) {
      deps.logger.error('Notifier invoked without a stack id');
      return;
    }
    try {
      await notifyDevelopers(deps, job);
    } catch (error) {
      deps.logger.error('Notifier failed', { stackId: job.stackId, error: error as Error });
      throw error;
    }
  };
}

function defaultDeps(): NotifierDeps {
  const { config, logger } = coldStart('notifier');
  const ssm = new SSMClient({ region: config.region });
  return {
    config,
    logger,
    cloudFormation: new CloudFormationClient({ region: config.region }),
    secretsManager: new SecretsManagerClient({ region: config.region }),
    // The sandbox sends one email a second: more attempts let the SDK's backoff on Throttling space the rest.
    ses: new SESClient({ region: config.region, maxAttempts: 5 }),
    ssm,
    slack: botPosterFor(ssm, config),
    now: () => new Date(),
    loadRoster: rosterReaderFor(ssm, config),
  };
}

export const handler = makeHandler(defaultDeps());
