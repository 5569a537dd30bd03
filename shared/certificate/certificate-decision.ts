import type { CertificateSettings } from '../core/config';
import { type CertificateFacts, certificateFacts, daysLeft, parseBundle } from './certificate-bundle';
import { describeNames, missingNames, wantedNames } from './certificate-names';

/** With `TLS_CERTIFICATE=own`, the channel is warned from this many days before the certificate expires. */
export const OWN_CERTIFICATE_WARNING_DAYS = 14;

/** What the certificate parameter holds now. */
export type StoredCertificate =
  | { state: 'missing' }
  | { state: 'unusable'; problem: string }
  | { state: 'found'; facts: CertificateFacts };

/** What a certificate parameter's value, or its absence, holds. */
export function storedCertificate(value: string | undefined): StoredCertificate {
  if (value === undefined) return { state: 'missing' };
  const parsed = parseBundle(value);
  if ('problem' in parsed) return { state: 'unusable', problem: parsed.problem };
  return { state: 'found', facts: certificateFacts(parsed.bundle) };
}

export type CertificateDecision =
  /** Nothing to do: the certificate is good for longer than the renewal margin (or, for `own`, the warning margin). */
  | { action: 'keep'; facts: CertificateFacts }
  /** `acme`: obtain a new certificate, for this reason (shown in the logs and the channel if it fails). */
  | { action: 'renew'; reason: string }
  /** `own`: tell the channel that the certificate someone keeps by hand needs them. */
  | { action: 'warn'; problem: OwnCertificateProblem };

export type OwnCertificateProblem =
  | { kind: 'missing' }
  | { kind: 'unusable'; problem: string }
  | { kind: 'expiring'; facts: CertificateFacts; daysLeft: number };

/**
 * Decides what the daily run does with the certificate it found. Pure: the settings, the
 * roster's seats (each gets its preview name), what the parameter holds, and the clock. A
 * certificate that lacks a seat's name is renewed at once: that is how a roster that grew
 * gets its previews.
 */
export function decideCertificate(
  settings: Pick<CertificateSettings, 'mode' | 'renewDays' | 'keyType'>,
  domainName: string,
  seats: readonly number[],
  stored: StoredCertificate,
  now: Date,
): CertificateDecision {
  if (settings.mode === 'own') return decideOwn(stored, now);
  if (stored.state === 'missing') return { action: 'renew', reason: 'there is no certificate yet' };
  if (stored.state === 'unusable') return { action: 'renew', reason: `the stored value is unusable: ${stored.problem}` };
  const { facts } = stored;
  const missing = missingNames(facts.names, wantedNames(domainName, seats));
  if (missing.length > 0) return { action: 'renew', reason: `the certificate does not cover ${describeNames(missing, domainName)}` };
  if (facts.keyType !== settings.keyType) {
    return { action: 'renew', reason: `its key is ${facts.keyType}, and CERTIFICATE_KEY_TYPE asks for ${settings.keyType}` };
  }
  const left = daysLeft(facts, now);
  if (left < settings.renewDays) {
    return { action: 'renew', reason: left < 0 ? `it expired ${-left} days ago` : `it expires in ${left} days, fewer than CERTIFICATE_RENEW_DAYS (${settings.renewDays})` };
  }
  return { action: 'keep', facts };
}

function decideOwn(stored: StoredCertificate, now: Date): CertificateDecision {
  if (stored.state === 'missing') return { action: 'warn', problem: { kind: 'missing' } };
  if (stored.state === 'unusable') return { action: 'warn', problem: { kind: 'unusable', problem: stored.problem } };
  const left = daysLeft(stored.facts, now);
  if (left < OWN_CERTIFICATE_WARNING_DAYS) return { action: 'warn', problem: { kind: 'expiring', facts: stored.facts, daysLeft: left } };
  return { action: 'keep', facts: stored.facts };
}
