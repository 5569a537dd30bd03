import { Route53Client } from '@aws-sdk/client-route-53';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { type CertificateDeps, type CertificateOutcome, checkCertificate, reportCheckFailure } from '../shared/certificate/certificate-check';
import { CERTIFICATE_FUNCTION_TIMEOUT_MS } from '../shared/certificate/renewal-lease';
import { coldStart } from '../shared/core/cold-start';
import { botPosterFor } from '../shared/slack/bot-poster';
import { readRoster } from '../shared/team/roster-store';

/**
 * Keeps the hosts' HTTPS certificate (shared/certificate/certificate-check.ts). Run daily by
 * an EventBridge schedule and once by `npm run deploy` right after the deployment
 * (scripts/serverless-certificate-hook.cjs); the event carries nothing it needs, so any
 * caller may invoke it with anything. A roster add starts it too; a run that finds another
 * renewing ends `busy` (renewal-lease.ts). What it did is returned; a renewal that failed has
 * already told the channel. Anything else is logged, told to the channel with an error id,
 * and thrown: the next day is the retry. A scheduled run that fails (a timeout or a crash too)
 * lands in the failed-jobs queue, where the sweeper tells the channel what this function could
 * not (shared/runs/failed-jobs.ts).
 */
export function makeHandler(deps: CertificateDeps) {
  return async (_event?: unknown, context?: Partial<Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>>): Promise<CertificateOutcome> => {
    const startedAt = deps.now().getTime();
    const remaining = context?.getRemainingTimeInMillis;
    const run = {
      id: context?.awsRequestId ?? randomUUID(),
      // A caller without Lambda's context (the sandbox, a test) gets the function's timeout from its start.
      remainingMs: remaining ? () => remaining.call(context) : () => startedAt + CERTIFICATE_FUNCTION_TIMEOUT_MS - deps.now().getTime(),
    };
    try {
      return await checkCertificate(deps, run);
    } catch (error) {
      throw await reportCheckFailure(deps, error);
    }
  };
}

function defaultDeps(): CertificateDeps {
  const { config, logger } = coldStart('certificate');
  const ssm = new SSMClient({ region: config.region });
  return {
    config,
    logger,
    ssm,
    route53: new Route53Client({ region: config.region }),
    slack: botPosterFor(ssm, config),
    // Read afresh at every run, not kept like the other functions' copy: a run started by a roster
    // add must see that add, and a daily run gains nothing from a kept copy.
    readSeats: async () => (await readRoster({ ssm, stackNamePrefix: config.stackNamePrefix, initialRoster: config.roster })).roster.map((member) => member.slot),
    now: () => new Date(),
  };
}

export const handler = makeHandler(defaultDeps());
