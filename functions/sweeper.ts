import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SSMClient } from '@aws-sdk/client-ssm';
import { botPosterFor } from '../shared/slack/bot-poster';
import { coldStart } from '../shared/core/cold-start';
import { type SweepDeps, type SweepOutcome, sweepTeamRun } from '../shared/runs/run-sweep';

/**
 * The cost guard, run by an EventBridge schedule every minute: warns the channel before a
 * run's end and stops the run at its end (shared/runs/run-sweep.ts). The scheduled event carries
 * nothing it needs, so anything may call the handler, with any argument: the sandbox calls
 * it on its own timer, since serverless-offline runs no schedules. An error is logged and
 * thrown; the next tick, a minute later, is the retry.
 */
export function makeHandler(deps: SweepDeps) {
  return async (_event?: unknown): Promise<SweepOutcome> => {
    try {
      return await sweepTeamRun(deps);
    } catch (error) {
      deps.logger.error('Sweep failed', { error: error as Error });
      throw error;
    }
  };
}

function defaultDeps(): SweepDeps {
  const { config, logger } = coldStart('sweeper');
  const ssm = new SSMClient({ region: config.region });
  return {
    config,
    logger,
    cloudFormation: new CloudFormationClient({ region: config.region }),
    ssm,
    slack: botPosterFor(ssm, config),
    now: () => new Date(),
  };
}

export const handler = makeHandler(defaultDeps());
