import type { Route53Client } from '@aws-sdk/client-route-53';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Config } from '../core/config';
import { type Logger, newErrorId } from '../core/logger';
import { releaseLease } from '../core/ssm-lease';
import type { SlackMessage, SlackPoster } from '../slack/slack-api';
import { orderCertificate } from './acme-order';
import { type CertificateFacts, certificateFacts } from './certificate-bundle';
import { type CertificateDecision, decideCertificate, type OwnCertificateProblem, type StoredCertificate } from './certificate-decision';
import { wantedNames } from './certificate-names';
import { CertificateCheckReported, CertificateRenewalError, type RenewalStep } from './certificate-errors';
import { checkFailedMessage, ownCertificateMessage, renewalFailedMessage } from './certificate-messages';
import {
  type CertificateStatus,
  loadAccountKey,
  readCertificateState,
  writeCertificateBundle,
  writeCertificateStatus,
} from './certificate-store';
import { claimRenewalLease } from './renewal-lease';
import { type ChangeWait, checkHostedZone, publishChallengeRecords, ROUTE53_CHANGE_WAIT } from './dns-challenge';

/** What the certificate function needs; tests and the sandbox hand in clients pointed at their stand-ins. */
export interface CertificateDeps {
  config: Pick<Config, 'team' | 'certificate'>;
  logger: Logger;
  ssm: SSMClient;
  route53: Route53Client;
  slack: SlackPoster;
  /** The roster's seats: each gets its previews' name `*.dev-N.<domain>` in the certificate. */
  readSeats: () => Promise<readonly number[]>;
  now: () => Date;
  /** Route 53's INSYNC wait and the CA's polling; the defaults suit AWS and Let's Encrypt. */
  timing?: { changeWait?: ChangeWait; acmePollMs?: number };
}

/** What one run did: returned to whoever invoked the function (the deploy, the sandbox, a test). */
export type CertificateOutcome =
  | { action: 'kept'; names: string[]; notAfter: string }
  | { action: 'renewed'; names: string[]; notAfter: string; reason: string }
  | { action: 'warned'; problem: OwnCertificateProblem['kind'] }
  | { action: 'failed'; step: RenewalStep; message: string; hint?: string }
  /** Another run holds the renewal lease: this one ordered nothing, and that run catches up with the roster. */
  | { action: 'busy' };

/** What a run may spend: Lambda's remaining time, or a budget from the run's start. */
export interface CertificateRun {
  id: string;
  remainingMs: () => number;
}

/** A catch-up round is skipped with less time left than this: a renewal takes a minute or two, and the daily check covers it. */
export const CATCH_UP_MIN_MS = 150_000;

/**
 * The daily run: reads the certificate (one SSM call), and, with `TLS_CERTIFICATE=acme`,
 * renews it from the ACME directory when fewer than `CERTIFICATE_RENEW_DAYS` remain or when
 * it lacks a roster seat's preview name, or with `own` warns the channel in its last 14 days. A failed renewal leaves the stored
 * certificate as it was and tells the channel what failed and what to do. Only one run renews
 * at a time (renewal-lease.ts): another that finds the lease held ends `busy`, quietly, and the
 * holder, once it stored its certificate, renews once more if the roster gained a seat meanwhile.
 */
export async function checkCertificate(deps: CertificateDeps, run: CertificateRun): Promise<CertificateOutcome> {
  const first = await look(deps);
  if (first.decision.action !== 'renew') return settle(deps, first, first.decision);

  const { certificateParameter } = deps.config.team;
  const lease = await claimRenewalLease(deps.ssm, certificateParameter, run.id, deps.now);
  if (!lease) {
    deps.logger.info('Another run is renewing the certificate: this one leaves it to that run', { certificateParameter, reason: first.decision.reason });
    return { action: 'busy' };
  }
  try {
    // Read again under the lease: a run that released it a moment ago may have stored what this one wanted.
    const current = await look(deps);
    if (current.decision.action !== 'renew') return settle(deps, current, current.decision);
    const renewed = await renewFor(deps, current, current.decision.reason);
    if (renewed.action !== 'renewed') return renewed;
    const after = await look(deps);
    if (after.decision.action !== 'renew') return renewed;
    if (run.remainingMs() < CATCH_UP_MIN_MS) {
      deps.logger.info('The roster grew during the renewal, too little time is left to renew again: the daily check will', { reason: after.decision.reason, remainingMs: run.remainingMs() });
      return renewed;
    }
    deps.logger.info('The roster grew during the renewal: renewing once more', { reason: after.decision.reason });
    return await renewFor(deps, after, after.decision.reason);
  } finally {
    await releaseLease(deps.ssm, lease);
  }
}

/** What the run found: the stored certificate and status, the roster's seats, and what to do. */
interface Look {
  stored: StoredCertificate;
  status?: CertificateStatus;
  seats: readonly number[];
  now: Date;
  decision: CertificateDecision;
}

async function look(deps: CertificateDeps): Promise<Look> {
  const { team, certificate: settings } = deps.config;
  const { stored, status } = await readCertificateState(deps.ssm, team.certificateParameter, settings.statusParameter);
  const now = deps.now();
  const seats = await deps.readSeats();
  return { stored, ...(status ? { status } : {}), seats, now, decision: decideCertificate(settings, team.domainName, seats, stored, now) };
}

/** A run with nothing to renew: the status kept up to date, and with `own` the channel warned. */
async function settle(deps: CertificateDeps, { status, now }: Look, decision: Exclude<CertificateDecision, { action: 'renew' }>): Promise<CertificateOutcome> {
  const { team } = deps.config;
  if (decision.action === 'keep') {
    await keepStatus(deps, status, statusOf(deps, decision.facts, status?.renewedAt));
    deps.logger.debug('Certificate still good', { notAfter: decision.facts.notAfter.toISOString() });
    return { action: 'kept', names: decision.facts.names, notAfter: decision.facts.notAfter.toISOString() };
  }
  const message = ownCertificateMessage(decision.problem, team.certificateParameter, team.domainName, now);
  deps.logger.warn('Certificate kept by hand needs attention', { problem: decision.problem.kind, certificateParameter: team.certificateParameter });
  await tellChannel(deps, message);
  const facts = decision.problem.kind === 'expiring' ? decision.problem.facts : undefined;
  await keepStatus(deps, status, { ...statusOf(deps, facts, undefined), problem: { at: now.toISOString(), message: message.text } });
  return { action: 'warned', problem: decision.problem.kind };
}

/** One renewal, under the lease: stored with its status, or its failure told to the channel and written to the status. */
async function renewFor(deps: CertificateDeps, { stored, status, seats, now }: Look, reason: string): Promise<CertificateOutcome> {
  const { team, certificate: settings } = deps.config;
  deps.logger.info('Renewing the certificate', { reason, domainName: team.domainName, acmeDirectoryUrl: settings.acmeDirectoryUrl });
  const current = stored.state === 'found' ? stored.facts : undefined;
  try {
    const facts = await renew(deps, wantedNames(team.domainName, seats));
    await writeCertificateStatus(deps.ssm, settings.statusParameter, statusOf(deps, facts, now.toISOString()));
    deps.logger.info('Certificate renewed', { names: facts.names, notAfter: facts.notAfter.toISOString(), issuer: facts.issuer });
    return { action: 'renewed', names: facts.names, notAfter: facts.notAfter.toISOString(), reason };
  } catch (error) {
    if (!(error instanceof CertificateRenewalError)) throw error;
    deps.logger.error('Certificate renewal failed', { step: error.step, message: error.userMessage, hint: error.hint, reason });
    await tellChannel(deps, renewalFailedMessage(team.domainName, error, current, now));
    const problem = { at: now.toISOString(), message: error.userMessage, ...(error.hint ? { hint: error.hint } : {}) };
    await writeCertificateStatus(deps.ssm, settings.statusParameter, { ...statusOf(deps, current, status?.renewedAt), problem });
    return { action: 'failed', step: error.step, message: error.userMessage, ...(error.hint ? { hint: error.hint } : {}) };
  }
}

/**
 * A check that failed for another reason than a refused renewal (a roster or parameter it
 * could not read, a status it could not write): logged with an error id, and the channel told,
 * since a check that fails every day would let the certificate expire without a word. Returns
 * the error to fail the run with: once the channel heard of it, one that says so, so that the
 * sweeper does not tell it again from the failed-jobs queue.
 */
export async function reportCheckFailure(deps: CertificateDeps, error: unknown): Promise<unknown> {
  const errorId = newErrorId();
  deps.logger.error('Certificate check failed', { errorId, error: error as Error });
  const told = await tellChannel(deps, checkFailedMessage(deps.config.team.domainName, errorId));
  return told ? new CertificateCheckReported(errorId, error) : error;
}

async function renew(deps: CertificateDeps, names: readonly string[]): Promise<CertificateFacts> {
  const { team, certificate: settings } = deps.config;
  await checkHostedZone(deps.route53, team.hostedZoneId, team.domainName);
  const accountKey = await loadAccountKey(deps.ssm, settings.accountKeyParameter).catch((error: unknown) => {
    throw new CertificateRenewalError('acme-account', `The ACME account key in ${settings.accountKeyParameter} could not be read or created: ${(error as Error).message}`, undefined, { cause: error });
  });
  const bundle = await orderCertificate({
    directoryUrl: settings.acmeDirectoryUrl,
    accountKey,
    names,
    keyType: settings.keyType,
    publish: (records) => publishChallengeRecords(deps.route53, team.hostedZoneId, records, deps.timing?.changeWait ?? ROUTE53_CHANGE_WAIT),
    logger: deps.logger,
    hintContext: { domainName: team.domainName, hostedZoneId: team.hostedZoneId, acmeDirectoryUrl: settings.acmeDirectoryUrl },
    ...(deps.timing?.acmePollMs ? { pollMs: deps.timing.acmePollMs } : {}),
  });
  await writeCertificateBundle(deps.ssm, team.certificateParameter, bundle);
  return certificateFacts(bundle);
}

function statusOf(deps: CertificateDeps, facts: CertificateFacts | undefined, renewedAt: string | undefined): CertificateStatus {
  return {
    mode: deps.config.certificate.mode,
    names: facts?.names ?? [],
    ...(facts ? { notAfter: facts.notAfter.toISOString(), issuer: facts.issuer } : {}),
    ...(renewedAt ? { renewedAt } : {}),
  };
}

/** Writes the status only when it changed: a quiet day costs the one read and nothing else. */
async function keepStatus(deps: CertificateDeps, previous: CertificateStatus | undefined, next: CertificateStatus): Promise<void> {
  const comparable = (status: CertificateStatus | undefined) => JSON.stringify(status ? { ...status, problem: status.problem?.message } : undefined);
  if (comparable(previous) === comparable(next)) return;
  await writeCertificateStatus(deps.ssm, deps.config.certificate.statusParameter, next);
}

/** True once the message is posted; a channel that cannot be told is logged, never thrown. */
async function tellChannel(deps: CertificateDeps, message: SlackMessage): Promise<boolean> {
  const { channel } = deps.config.certificate;
  if (!channel) {
    deps.logger.warn('No channel to report to: set CERTIFICATE_CHANNEL', { text: message.text });
    return false;
  }
  try {
    await deps.slack.postMessage(channel, message);
    return true;
  } catch (error) {
    deps.logger.error('Could not post to the channel', { channel, error: error as Error });
    return false;
  }
}
