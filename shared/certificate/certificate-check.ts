import type { Route53Client } from '@aws-sdk/client-route-53';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Config } from '../core/config';
import { type Logger, newErrorId } from '../core/logger';
import type { SlackMessage, SlackPoster } from '../slack/slack-api';
import { orderCertificate } from './acme-order';
import { type CertificateFacts, certificateFacts } from './certificate-bundle';
import { decideCertificate, type OwnCertificateProblem } from './certificate-decision';
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
  | { action: 'failed'; step: RenewalStep; message: string; hint?: string };

/**
 * The daily run: reads the certificate (one SSM call), and, with `TLS_CERTIFICATE=acme`,
 * renews it from the ACME directory when fewer than `CERTIFICATE_RENEW_DAYS` remain or when
 * it lacks a roster seat's preview name, or with `own` warns the channel in its last 14 days. A failed renewal leaves the stored
 * certificate as it was and tells the channel what failed and what to do.
 */
export async function checkCertificate(deps: CertificateDeps): Promise<CertificateOutcome> {
  const { team, certificate: settings } = deps.config;
  const { stored, status } = await readCertificateState(deps.ssm, team.certificateParameter, settings.statusParameter);
  const now = deps.now();
  const seats = await deps.readSeats();
  const decision = decideCertificate(settings, team.domainName, seats, stored, now);

  if (decision.action === 'keep') {
    await keepStatus(deps, status, statusOf(deps, decision.facts, status?.renewedAt));
    deps.logger.debug('Certificate still good', { notAfter: decision.facts.notAfter.toISOString() });
    return { action: 'kept', names: decision.facts.names, notAfter: decision.facts.notAfter.toISOString() };
  }

  if (decision.action === 'warn') {
    const message = ownCertificateMessage(decision.problem, team.certificateParameter, team.domainName, now);
    deps.logger.warn('Certificate kept by hand needs attention', { problem: decision.problem.kind, certificateParameter: team.certificateParameter });
    await tellChannel(deps, message);
    const facts = decision.problem.kind === 'expiring' ? decision.problem.facts : undefined;
    await keepStatus(deps, status, { ...statusOf(deps, facts, undefined), problem: { at: now.toISOString(), message: message.text } });
    return { action: 'warned', problem: decision.problem.kind };
  }

  deps.logger.info('Renewing the certificate', { reason: decision.reason, domainName: team.domainName, acmeDirectoryUrl: settings.acmeDirectoryUrl });
  const current = stored.state === 'found' ? stored.facts : undefined;
  try {
    const facts = await renew(deps, wantedNames(team.domainName, seats));
    await writeCertificateStatus(deps.ssm, settings.statusParameter, statusOf(deps, facts, now.toISOString()));
    deps.logger.info('Certificate renewed', { names: facts.names, notAfter: facts.notAfter.toISOString(), issuer: facts.issuer });
    return { action: 'renewed', names: facts.names, notAfter: facts.notAfter.toISOString(), reason: decision.reason };
  } catch (error) {
    if (!(error instanceof CertificateRenewalError)) throw error;
    deps.logger.error('Certificate renewal failed', { step: error.step, message: error.userMessage, hint: error.hint, reason: decision.reason });
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
