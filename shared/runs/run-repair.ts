import type { Config } from '../core/config';
import { FAILED_START_STATUSES, handleStackStatusChange, type StackEventsDeps } from './run-events';
import { claimRunMarker, readRunMarker, releaseRunMarker, type RunKey } from './run-markers';
import { deleteStuckStack, type DeleteAttempt } from './stuck-stack';
import { findCompletionTime, type TeamStack } from '../stack/stack-gateway';
import type { HandledStatus } from '../stack/stack-status-event';
import { type RunTags, teamStackName } from '../stack/team-stack';

/**
 * The sweeper's repairs: every minute it compares the run's stack with what should have
 * followed from it, in case an event or a job was lost after its retries. A run that is up
 * but whose developers were never emailed gets its notifier run again (once); a failed start
 * still standing is reported and deleted; a failed deletion is reported and retried with
 * backoff. Each repair goes through the same run markers as the first attempt, so it does
 * nothing twice and nothing the first attempt already did.
 */

export interface RepairDeps extends StackEventsDeps {
  config: StackEventsDeps['config'] & Pick<Config, 'notifyGraceMinutes'>;
}

export type RepairOutcome = 'notifier-run-again' | 'failed-start-settled' | `deletion-${DeleteAttempt['outcome']}`;

/** A stack with the launcher's tags, and the key of its markers. */
export interface RunStack {
  stack: TeamStack;
  run: RunTags;
  runKey: RunKey;
}

/**
 * For a run that is up: runs the notifier again once `NOTIFY_GRACE_MINUTES` after the stack
 * was created, if no notifier has claimed the run by then (stack-events' invocation and the
 * notifier's own retry come within a few minutes when they come at all).
 */
export async function ensureNotified(deps: RepairDeps, { stack, runKey }: RunStack): Promise<RepairOutcome | undefined> {
  if (await readRunMarker(deps.ssm, runKey, 'notified')) return undefined;
  if (await readRunMarker(deps.ssm, runKey, 'notify-repair')) return undefined;
  const readyAt = (await findCompletionTime(deps.cloudFormation, stack.stackId)) ?? stack.createdAt;
  const waited = deps.now().getTime() - readyAt.getTime();
  if (waited < deps.config.notifyGraceMinutes * 60_000) return undefined;
  return (await runNotifierAgain(deps, stack.stackId, runKey, { readyAt: readyAt.toISOString() })) ? 'notifier-run-again' : undefined;
}

/**
 * Invokes the notifier for the run again, unless that was done before (the `notify-repair`
 * claim): from the grace period above, or at once when the notifier's failed job reaches
 * the failed-jobs queue. The job is marked as a repair, so its own failure is reported
 * rather than repaired again.
 */
export async function runNotifierAgain(deps: RepairDeps, stackId: string, runKey: RunKey, why: Record<string, unknown>): Promise<boolean> {
  if (!(await claimRunMarker(deps.ssm, runKey, 'notify-repair', deps.now()))) return false;
  try {
    await deps.dispatchNotifier({ stackId, repair: true });
  } catch (error) {
    // Give the claim back: the next tick tries again.
    await releaseRunMarker(deps.ssm, runKey, 'notify-repair');
    throw error;
  }
  deps.logger.warn('Notifier run again: the developers were not notified', { stackId, ...why });
  return true;
}

/**
 * For a run that is neither starting nor running: a failed start still standing, or a
 * stack whose deletion failed. Replays its current status as stack-events would have acted
 * on its event (reporting once, deleting a settled failed start), then retries a failed
 * deletion with backoff. Undefined for every other status.
 */
export async function repairStuckRun(deps: RepairDeps, { stack, run, runKey }: RunStack): Promise<RepairOutcome | undefined> {
  const failedStart = FAILED_START_STATUSES.includes(stack.status);
  if (!failedStart && stack.status !== 'DELETE_FAILED') return undefined;
  await handleStackStatusChange(deps, {
    eventId: `sweeper-${deps.now().toISOString()}`,
    stackId: stack.stackId,
    stackUuid: runKey.stackUuid,
    // Checked just above: one of the statuses stack-events handles.
    status: stack.status as HandledStatus,
    reason: stack.statusReason ?? '',
  });
  if (failedStart) return 'failed-start-settled';
  const attempt = await deleteStuckStack(deps, { stackId: stack.stackId, stackName: teamStackName(deps.config.stackNamePrefix), run, runKey });
  return `deletion-${attempt.outcome}`;
}
