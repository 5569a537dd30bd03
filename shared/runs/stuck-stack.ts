import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { AppError } from '../core/errors';
import { claimRunMarker, readRunMarker, type RunKey, writeRunMarker } from './run-markers';
import { failedRunNotRemovedMessage } from './run-messages';
import { postRunNews, type RunNewsDeps } from './run-news';
import { deleteTeamStack } from '../stack/stack-gateway';
import type { RunTags } from '../stack/team-stack';

/**
 * Deleting a run whose stack is stuck: a failed start CloudFormation rolled back but did not
 * delete, or a deletion that ended in DELETE_FAILED. Each attempt is a DeleteStack by the
 * stack's id; attempts are spaced out (1, 2, 4 … minutes, then hourly), counted in the run's
 * `delete-retry` marker, so stack-events and every sweeper tick may ask without hammering
 * CloudFormation. DeleteStack itself being refused (a permission, say) is told once.
 */

const MINUTE_MS = 60_000;
const LONGEST_WAIT_MS = 60 * MINUTE_MS;

export interface StuckStackDeps extends RunNewsDeps {
  cloudFormation: CloudFormationClient;
  ssm: SSMClient;
  now: () => Date;
}

/** The run whose stack is stuck, and where its markers are. */
export interface StuckRun {
  stackId: string;
  stackName: string;
  run: RunTags;
  runKey: RunKey;
}

export type DeleteAttempt = { outcome: 'deleting'; attempt: number } | { outcome: 'waiting'; nextAt: Date } | { outcome: 'refused'; problem: string };

/** How many attempts were made, and when the last one was. */
export interface RetryState {
  attempts: number;
  lastAt: Date;
}

/** When the next attempt may be made: 1 minute after the first, then twice as long each time, at most an hour. */
function nextAttemptAt(state: RetryState): Date {
  const wait = Math.min(2 ** (state.attempts - 1) * MINUTE_MS, LONGEST_WAIT_MS);
  return new Date(state.lastAt.getTime() + wait);
}

function encodeRetryState(state: RetryState): string {
  return `${state.attempts} ${state.lastAt.toISOString()}`;
}

function decodeRetryState(value: string | undefined): RetryState | undefined {
  const match = /^(\d+) (\S+)$/.exec(value ?? '');
  const lastAt = new Date(match?.[2] ?? '');
  return match && !Number.isNaN(lastAt.getTime()) ? { attempts: Number(match[1]), lastAt } : undefined;
}

/** Asks CloudFormation to delete the stuck stack, unless the last attempt was too recent. */
export async function deleteStuckStack(deps: StuckStackDeps, stuck: StuckRun): Promise<DeleteAttempt> {
  const now = deps.now();
  const state = decodeRetryState(await readRunMarker(deps.ssm, stuck.runKey, 'delete-retry'));
  if (state && nextAttemptAt(state).getTime() > now.getTime()) return { outcome: 'waiting', nextAt: nextAttemptAt(state) };
  const attempt = (state?.attempts ?? 0) + 1;
  await writeRunMarker(deps.ssm, stuck.runKey, 'delete-retry', encodeRetryState({ attempts: attempt, lastAt: now }));
  const logFields = { stackId: stuck.stackId, runId: stuck.run.runId, attempt };
  try {
    await deleteTeamStack(deps.cloudFormation, stuck.stackId);
  } catch (error) {
    const problem = error instanceof AppError ? error.userMessage : `${(error as Error).name}: ${(error as Error).message}`;
    deps.logger.error('Could not delete the stuck stack', { ...logFields, error: error as Error });
    await tellRefusedOnce(deps, stuck, problem);
    return { outcome: 'refused', problem };
  }
  deps.logger.info('Stuck stack deletion started', logFields);
  return { outcome: 'deleting', attempt };
}

async function tellRefusedOnce(deps: StuckStackDeps, stuck: StuckRun, problem: string): Promise<void> {
  if (!(await claimRunMarker(deps.ssm, stuck.runKey, 'removal-refused-reported', deps.now()))) return;
  try {
    await postRunNews(deps, stuck.run, failedRunNotRemovedMessage(stuck.run, stuck.stackName, stuck.stackId, problem));
  } catch (error) {
    deps.logger.error('Could not post to the channel', { stackId: stuck.stackId, channel: stuck.run.channel, error: error as Error });
  }
}
