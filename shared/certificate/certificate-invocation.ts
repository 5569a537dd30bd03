import * as z from 'zod';

/**
 * What starts a certificate check: the daily EventBridge schedule's event, or an invocation
 * with nothing in it (`aws lambda invoke`, the deploy's run). The function needs nothing from
 * either; the sweeper checks a failed job's payload against these two before it tells the
 * channel that a check did not finish.
 */
const scheduledEvent = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
  resources: z.array(z.string().max(2048)).max(10),
  detail: z.object({}),
});

const emptyInvocation = z.union([z.null(), z.strictObject({})]);

export function isCertificateInvocation(payload: unknown): boolean {
  return payload === undefined || emptyInvocation.safeParse(payload).success || scheduledEvent.safeParse(payload).success;
}
