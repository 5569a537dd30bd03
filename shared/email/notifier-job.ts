import type { LambdaClient } from '@aws-sdk/client-lambda';
import { invokeAsync } from '../core/invoke-async';

/** What stack-events hands to the notifier when a run's stack is created: its id, nothing secret. */
export interface NotifierJob {
  stackId: string;
  /**
   * Set when the sweeper runs the notifier again for developers nobody emailed: should this
   * job fail too, the failed-jobs queue tells the channel rather than trying once more.
   */
  repair?: true;
}

/** Hands the job to the notifier without waiting: the emails need not hold up the event. */
export function dispatchNotifierJob(lambda: LambdaClient, functionName: string, job: NotifierJob): Promise<void> {
  return invokeAsync(lambda, functionName, job);
}

/** The job, or undefined when the payload is not one (an invocation by hand with the wrong shape). */
export function readNotifierJob(payload: unknown): NotifierJob | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { stackId, repair } = payload as { stackId?: unknown; repair?: unknown };
  if (typeof stackId !== 'string' || stackId === '') return undefined;
  return repair === true ? { stackId, repair } : { stackId };
}
