import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

/** What stack-events hands to the notifier when a run's stack is created: its id, nothing secret. */
export interface NotifierJob {
  stackId: string;
}

/** Invokes the notifier without waiting (InvocationType Event): the emails need not hold up the event. */
export async function dispatchNotifierJob(lambda: LambdaClient, functionName: string, job: NotifierJob): Promise<void> {
  await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: Buffer.from(JSON.stringify(job)),
    }),
  );
}

/** The job, or undefined when the payload is not one (an invocation by hand with the wrong shape). */
export function readNotifierJob(payload: unknown): NotifierJob | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { stackId } = payload as { stackId?: unknown };
  return typeof stackId === 'string' && stackId !== '' ? { stackId } : undefined;
}
