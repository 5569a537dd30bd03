import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import { setTimeout as sleep } from 'node:timers/promises';
import { coldStart } from '../shared/core/cold-start';
import { botPosterFor } from '../shared/slack/bot-poster';
import { dispatchNotifierJob } from '../shared/email/notifier-job';
import { handleStackStatusChange, type StackEventsDeps } from '../shared/runs/run-events';
import { readTeamStackStatusChange } from '../shared/stack/stack-status-event';
import { teamStackName } from '../shared/stack/team-stack';

/**
 * How long DELETE_COMPLETE waits for the run's snapshot to complete before it reports "being
 * saved" instead: within the function's 5-minute timeout (serverless.yml).
 */
const SNAPSHOT_WAIT_MS = 4 * 60_000;

/**
 * Target of the EventBridge rule on "CloudFormation Stack Status Change" for the team
 * stack. Events for other stacks or statuses are logged and ignored. A thrown error makes
 * Lambda retry the event; the run markers keep the retry from repeating what was done.
 */
export function makeHandler(deps: StackEventsDeps) {
  const stackName = teamStackName(deps.config.stackNamePrefix);
  return async (event: unknown): Promise<void> => {
    const change = readTeamStackStatusChange(event, stackName);
    if (!change) {
      deps.logger.info('Event ignored', eventSummary(event));
      return;
    }
    try {
      await handleStackStatusChange(deps, change);
    } catch (error) {
      deps.logger.error('Stack event failed', { stackId: change.stackId, status: change.status, eventId: change.eventId, error: error as Error });
      throw error;
    }
  };
}

/** The fields that say what an ignored event was; never the whole event. */
function eventSummary(event: unknown): Record<string, unknown> {
  const { 'detail-type': detailType, detail } = (typeof event === 'object' && event !== null ? event : {}) as {
    'detail-type'?: unknown;
    detail?: { 'stack-id'?: unknown; 'status-details'?: { status?: unknown } };
  };
  return { detailType, stackId: detail?.['stack-id'], status: detail?.['status-details']?.status };
}

function defaultDeps(): StackEventsDeps {
  const { config, logger } = coldStart('stack-events');
  const ssm = new SSMClient({ region: config.region });
  const lambda = new LambdaClient({ region: config.region });
  return {
    config,
    logger,
    cloudFormation: new CloudFormationClient({ region: config.region }),
    ssm,
    ec2: new EC2Client({ region: config.region }),
    slack: botPosterFor(ssm, config),
    dispatchNotifier: (job) => dispatchNotifierJob(lambda, config.notifierFunctionName, job),
    now: () => new Date(),
    sleep: (ms) => sleep(ms),
    workWaitMs: SNAPSHOT_WAIT_MS,
  };
}

export const handler = makeHandler(defaultDeps());
