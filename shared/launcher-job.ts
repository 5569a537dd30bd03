import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { StartPlan } from './start-plan';

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

/**
 * Invokes the launcher without waiting for it (InvocationType Event): Slack's 3 seconds
 * cover only this hand-off, and CloudFormation answers take longer than that to settle.
 */
export async function dispatchLauncherJob(lambda: LambdaClient, functionName: string, job: LauncherJob): Promise<void> {
  await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: Buffer.from(JSON.stringify(job)),
    }),
  );
}
