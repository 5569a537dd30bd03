import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Config } from '../core/config';
import type { Logger } from '../core/logger';
import type { NotifierJob } from '../email/notifier-job';
import { claimRunMarker, removeStoppedRunMarkers, type RunKey, type RunMarker } from './run-markers';
import { deleteFailedMessage, startFailedMessage, stoppedMessage } from './run-messages';
import { postRunNews } from './run-news';
import { deleteStuckStack } from './stuck-stack';
import { settleStoppedWork, type StoppedWork } from '../snapshots/work-keeper';
import { stoppedWorkLine } from '../snapshots/work-messages';
import type { SlackMessage, SlackPoster } from '../slack/slack-api';
import { describeRunStack, type FailedResource, findFirstFailedResource } from '../stack/stack-gateway';
import type { TeamStackStatusChange } from '../stack/stack-status-event';
import { type RunTags, teamStackName } from '../stack/team-stack';

/** What stack-events needs; tests hand in mocked clients and a recording poster. The sweeper replays events with the same. */
export interface StackEventsDeps {
  config: Pick<Config, 'stackNamePrefix' | 'slackBotUserId' | 'region' | 'work' | 'team'>;
  logger: Logger;
  cloudFormation: CloudFormationClient;
  ssm: SSMClient;
  /** A stopped run's snapshot: claimed, waited for, discarded or kept, older ones pruned. */
  ec2: EC2Client;
  slack: SlackPoster;
  dispatchNotifier: (job: NotifierJob) => Promise<void>;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** How long DELETE_COMPLETE waits for the run's snapshot before saying "being saved" (within the function's timeout). */
  workWaitMs: number;
}

/** The run an event is about, and what is needed to act on it. */
interface RunEvent {
  change: TeamStackStatusChange;
  run: RunTags;
  runKey: RunKey;
  stackName: string;
}

/** The statuses of a start that failed, from the first failure to the end of the rollback. */
export const FAILED_START_STATUSES: readonly string[] = ['ROLLBACK_IN_PROGRESS', 'CREATE_FAILED', 'ROLLBACK_COMPLETE', 'ROLLBACK_FAILED'];

/**
 * Acts on one status change of the team stack. Each Slack post first claims a run marker,
 * and deleting a failed run is spaced out by its `delete-retry` marker, so a redelivered
 * event (or the sweeper replaying it) does nothing twice. Errors before a claim are thrown,
 * for Lambda to retry the event; after a claim, failures are logged and the rest goes on, so
 * the channel still hears what can be said.
 */
export async function handleStackStatusChange(deps: StackEventsDeps, change: TeamStackStatusChange): Promise<void> {
  const logContext = { stackId: change.stackId, status: change.status };
  if (change.status === 'CREATE_COMPLETE') {
    // The notifier reads the stack and claims its own marker: Lambda may deliver this invocation twice as well.
    await deps.dispatchNotifier({ stackId: change.stackId });
    deps.logger.info('Notifier invoked', logContext);
    return;
  }
  const stack = await describeRunStack(deps.cloudFormation, change.stackId);
  if (!stack?.run) {
    deps.logger.warn('Stack without run tags ignored', { ...logContext, found: Boolean(stack) });
    return;
  }
  const event: RunEvent = {
    change,
    run: stack.run,
    runKey: { prefix: deps.config.stackNamePrefix, stackUuid: change.stackUuid },
    stackName: teamStackName(deps.config.stackNamePrefix),
  };
  switch (change.status) {
    case 'ROLLBACK_IN_PROGRESS':
    case 'CREATE_FAILED':
    case 'ROLLBACK_COMPLETE':
    case 'ROLLBACK_FAILED':
      if (stack.status.startsWith('DELETE_')) {
        // Someone typed /ide stop while the stack was being created: the stop's own messages cover it.
        deps.logger.info('Failed start already being deleted', { ...logContext, currentStatus: stack.status });
        return;
      }
      await reportFailedStart(deps, event);
      // The rollback is still running at ROLLBACK_IN_PROGRESS; CloudFormation deletes only settled stacks.
      // By id, not name: by the time a late event arrives, the name may belong to the next run.
      if (change.status !== 'ROLLBACK_IN_PROGRESS') await deleteStuckStack(deps, { stackId: change.stackId, stackName: event.stackName, run: event.run, runKey: event.runKey });
      return;
    case 'DELETE_COMPLETE':
      await reportStopped(deps, event, stack.createdAt);
      return;
    case 'DELETE_FAILED':
      await reportDeleteFailed(deps, event);
      return;
  }
}

async function reportFailedStart(deps: StackEventsDeps, event: RunEvent): Promise<void> {
  if (!(await claim(deps, event, 'failure-reported'))) return;
  const failure = await findFailure(deps, event);
  deps.logger.info('Failed start reported', { ...logFields(event), failedResource: failure?.logicalId });
  await post(deps, event, startFailedMessage(event.run, failure, event.change.reason));
}

async function reportStopped(deps: StackEventsDeps, event: RunEvent, startedAt: Date): Promise<void> {
  if (!(await claim(deps, event, 'stopped'))) return;
  let markers: RunMarker[] | undefined;
  try {
    markers = await removeStoppedRunMarkers(deps.ssm, event.runKey);
  } catch (error) {
    deps.logger.warn('Could not remove the run markers', { ...logFields(event), error: error as Error });
  }
  const afterFailure = markers?.includes('failure-reported') ?? false;
  // Unreadable markers: the run may have been used, so its work is kept.
  const work = await settleWork(deps, event, { startedAt, used: markers?.includes('notified') ?? true });
  deps.logger.info('Stop reported', { ...logFields(event), work: work.kind });
  await post(deps, event, stoppedMessage(event.run, afterFailure, afterFailure ? undefined : stoppedWorkLine(work)));
}

/**
 * The run's homes once its stack is gone: a run nobody was ever told about (no `notified`
 * marker: it failed or was stopped while starting) keeps no snapshot. A failure here is
 * logged and the stop still reported: the next start looks again.
 */
async function settleWork(deps: StackEventsDeps, event: RunEvent, run: { startedAt: Date; used: boolean }): Promise<StoppedWork> {
  if (!event.run.work || event.run.work.kind === 'off') return { kind: 'none' };
  try {
    return await settleStoppedWork(deps, { stackId: event.change.stackId, runId: event.run.runId, ...run, deadline: deps.now().getTime() + deps.workWaitMs });
  } catch (error) {
    deps.logger.error('Could not settle the run\'s saved work', { ...logFields(event), error: error as Error });
    return { kind: 'saving' };
  }
}

async function reportDeleteFailed(deps: StackEventsDeps, event: RunEvent): Promise<void> {
  // Once per stop: the sweeper's retries fail with events of their own; a later /ide stop re-arms it (run-stop.ts).
  if (!(await claim(deps, event, 'delete-failure-reported'))) return;
  const failure = await findFailure(deps, event);
  deps.logger.warn('Stack deletion failed', { ...logFields(event), failedResource: failure?.logicalId });
  await post(deps, event, deleteFailedMessage(event.run, event.stackName, event.change.stackId, failure, event.change.reason));
}

async function claim(deps: StackEventsDeps, event: RunEvent, marker: RunMarker): Promise<boolean> {
  const claimed = await claimRunMarker(deps.ssm, event.runKey, marker, deps.now());
  if (!claimed) deps.logger.info('Event already handled', { ...logFields(event), marker });
  return claimed;
}

/** The cause to show; without it the message falls back on the stack's own status reason. */
async function findFailure(deps: StackEventsDeps, event: RunEvent): Promise<FailedResource | undefined> {
  try {
    return await findFirstFailedResource(deps.cloudFormation, event.change.stackId);
  } catch (error) {
    deps.logger.warn('Could not read the stack events', { ...logFields(event), error: error as Error });
    return undefined;
  }
}

async function post(deps: StackEventsDeps, event: RunEvent, message: SlackMessage): Promise<void> {
  try {
    await postRunNews(deps, event.run, message);
  } catch (error) {
    deps.logger.error('Could not post to the channel', { ...logFields(event), channel: event.run.channel, error: error as Error });
  }
}

const logFields = (event: RunEvent) => ({ stackId: event.change.stackId, status: event.change.status, runId: event.run.runId });
