import type { LambdaClient } from '@aws-sdk/client-lambda';
import { invokeAsync } from '../core/invoke-async';
import type { StartPlan } from '../team/start-plan';

/** Who asked, and where to answer them. Ids only: nothing here is secret. */
export interface SlackRequester {
  userId: string;
  userName: string;
  channelId: string;
  responseUrl: string;
}

/** What slack-command hands to the launcher once the command is read, checked and acknowledged. */
export type LauncherJob =
  | { action: 'start'; requester: SlackRequester; plan: StartPlan }
  | { action: 'stop'; requester: SlackRequester }
  | { action: 'status'; requester: SlackRequester };

/** Hands the job to the launcher without waiting: Slack's 3 seconds cover only this hand-off. */
export function dispatchLauncherJob(lambda: LambdaClient, functionName: string, job: LauncherJob): Promise<void> {
  return invokeAsync(lambda, functionName, job);
}
