import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { setTimeout as sleep } from 'node:timers/promises';
import { botPosterFor } from '../shared/slack/bot-poster';
import { coldStart } from '../shared/core/cold-start';
import { dispatchNotifierJob } from '../shared/email/notifier-job';
import { type FailedJobsDeps, handleFailedJobs } from '../shared/runs/failed-jobs';
import { type SweepDeps, type SweepOutcome, sweepTeamRun } from '../shared/runs/run-sweep';
import { createSlackResponder } from '../shared/slack/slack-api';

export type SweeperDeps = SweepDeps & FailedJobsDeps;

/**
 * A stop the sweeper replays (stack-events' DELETE_COMPLETE, from the failed-jobs queue) looks
 * at the run's snapshot once instead of waiting for it as stack-events does for 4 minutes: the
 * sweeper has 30 s (serverless.yml). The channel then hears the homes are "being saved", and
 * the next start waits for the snapshot.
 */
const REPLAYED_STOP_WORK_WAIT_MS = 0;

/** What one tick did: the cost guard's outcome, and how many failed jobs it answered. */
export type SweeperOutcome = SweepOutcome & { failedJobs?: number };

/**
 * The cost guard and the repairs, run by an EventBridge schedule every minute: warns the
 * channel before a run's end, stops the run at its end, repairs what a lost event or job left
 * undone (shared/runs/run-sweep.ts), and answers the jobs that landed in the failed-jobs queue
 * (shared/runs/failed-jobs.ts). The scheduled event carries nothing it needs, so anything
 * may call the handler, with any argument: the sandbox calls it on its own timer. The two
 * halves run whatever the other did; an error is logged and thrown, and the next tick, a
 * minute later, is the retry.
 */
export function makeHandler(deps: SweeperDeps) {
  return async (_event?: unknown): Promise<SweeperOutcome> => {
    const [sweep, failedJobs] = await Promise.allSettled([sweepTeamRun(deps), handleFailedJobs(deps)]);
    if (sweep.status === 'rejected') deps.logger.error('Sweep failed', { error: sweep.reason as Error });
    if (failedJobs.status === 'rejected') deps.logger.error('Reading the failed jobs failed', { error: failedJobs.reason as Error });
    if (sweep.status === 'rejected') throw sweep.reason;
    if (failedJobs.status === 'rejected') throw failedJobs.reason;
    return failedJobs.value > 0 ? { ...sweep.value, failedJobs: failedJobs.value } : sweep.value;
  };
}

function defaultDeps(): SweeperDeps {
  const { config, logger } = coldStart('sweeper');
  const ssm = new SSMClient({ region: config.region });
  const lambda = new LambdaClient({ region: config.region });
  return {
    config,
    logger,
    cloudFormation: new CloudFormationClient({ region: config.region }),
    ssm,
    ec2: new EC2Client({ region: config.region }),
    sqs: new SQSClient({ region: config.region }),
    slack: botPosterFor(ssm, config),
    responder: createSlackResponder(),
    dispatchNotifier: (job) => dispatchNotifierJob(lambda, config.notifierFunctionName, job),
    now: () => new Date(),
    sleep: (ms) => sleep(ms),
    workWaitMs: REPLAYED_STOP_WORK_WAIT_MS,
  };
}

export const handler = makeHandler(defaultDeps());
