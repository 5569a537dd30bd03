import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from '../core/logger';
import { claimRunMarker, readRunMarker, releaseRunMarker, type RunKey, writeRunMarker } from './run-markers';
import { runKeyOf } from './run-lifetime';
import { deleteTeamStack, type TeamStack } from '../stack/stack-gateway';

/** What deleting a run needs; the launcher, the sweeper and the buttons each hand in theirs. */
export interface RunStopDeps {
  config: { stackNamePrefix: string };
  logger: Logger;
  cloudFormation: CloudFormationClient;
  ssm: SSMClient;
  now: () => Date;
}

/** `deleting`: this caller started the deletion and tells the channel; `already-stopping`: someone else did. */
export type StopResult = 'deleting' | 'already-stopping';

/**
 * A `stopping` claim older than this, on a stack that is still not being deleted, belongs
 * to a stop that died between its claim and its DeleteStack: the next stop takes it over.
 */
export const STALE_STOP_CLAIM_MS = 2 * 60_000;

/**
 * Deletes the run's stack once, whoever asks: `/ide stop`, the "Stop now" button and the
 * sweeper at the run's end all come here, and only the one that claims the run's `stopping`
 * marker calls DeleteStack and tells the channel. The stack is deleted by its id, so a stop
 * meant for one run never deletes the next. A stack whose deletion failed is deleted again
 * (a deliberate retry, after the channel was told of the failure: should it fail again, the
 * channel is told again); a failed DeleteStack gives the claim back so the next attempt can go ahead.
 */
export async function stopRunOnce(deps: RunStopDeps, stack: TeamStack): Promise<StopResult> {
  if (stack.status === 'DELETE_IN_PROGRESS') return 'already-stopping';
  const runKey = runKeyOf(deps.config.stackNamePrefix, stack.stackId);
  if (!runKey) throw new Error(`Not a CloudFormation stack id: ${stack.stackId}`);
  if (stack.status === 'DELETE_FAILED') await releaseRunMarker(deps.ssm, runKey, 'delete-failure-reported');
  else if (!(await claimStop(deps, runKey, stack))) return 'already-stopping';
  try {
    await deleteTeamStack(deps.cloudFormation, stack.stackId);
  } catch (error) {
    await releaseRunMarker(deps.ssm, runKey, 'stopping').catch((releaseError: unknown) => {
      deps.logger.warn('Could not release the stop claim', { stackId: stack.stackId, error: releaseError as Error });
    });
    throw error;
  }
  deps.logger.info('Team stack deletion started', { stackId: stack.stackId, status: stack.status, runId: stack.run?.runId });
  return 'deleting';
}

async function claimStop(deps: RunStopDeps, runKey: RunKey, stack: TeamStack): Promise<boolean> {
  const now = deps.now();
  if (await claimRunMarker(deps.ssm, runKey, 'stopping', now)) return true;
  const claimedAt = new Date((await readRunMarker(deps.ssm, runKey, 'stopping')) ?? '');
  if (Number.isNaN(claimedAt.getTime()) || now.getTime() - claimedAt.getTime() < STALE_STOP_CLAIM_MS) return false;
  deps.logger.warn('Stale stop claim taken over', { stackId: stack.stackId, status: stack.status, claimedAt: claimedAt.toISOString() });
  await writeRunMarker(deps.ssm, runKey, 'stopping', now.toISOString());
  return true;
}
