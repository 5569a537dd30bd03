import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

/**
 * Invokes a function without waiting for it (InvocationType Event): Lambda queues the
 * payload and answers at once, so the caller's own deadline covers only the hand-off.
 */
export async function invokeAsync(lambda: LambdaClient, functionName: string, payload: unknown): Promise<void> {
  await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }));
}
