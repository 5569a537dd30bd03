import * as acme from 'acme-client';
import type { CertificateKeyType } from '../core/config';
import type { Logger } from '../core/logger';
import type { CertificateBundle } from './certificate-bundle';
import { acmeHint, CertificateRenewalError, type HintContext, type RenewalStep } from './certificate-errors';
import { type ChallengeRecords, challengeRecordName } from './dns-challenge';

/**
 * acme-client waits out a 429 or 5xx for as long as the CA's Retry-After says, and a rate
 * limit's Retry-After can be hours: longer than a Lambda may run. The daily schedule is our
 * retry, so the CA's answer is reported as it comes (with the reset time in its text).
 */
(acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number } }).acmeSettings.retryMaxAttempts = 0;

/** Answers the DNS-01 challenges: writes the records, resolves once the CA may look, returns what removes them. */
export type ChallengePublisher = (records: ChallengeRecords) => Promise<() => Promise<void>>;

export interface OrderOptions {
  directoryUrl: string;
  /** PEM private key of the ACME account (kept in SSM). */
  accountKey: string;
  /** The names to order, the first one the certificate's common name (at most 64 characters): see certificate-names.ts. */
  names: readonly string[];
  keyType: CertificateKeyType;
  publish: ChallengePublisher;
  logger: Logger;
  hintContext: HintContext;
  /** How often to ask the CA whether it has checked the records; acme-client's own default is 5 s. */
  pollMs?: number;
}

/**
 * Obtains a certificate for the names (`*.<domain>`, `<domain>` and each seat's
 * `*.dev-N.<domain>`) from the ACME directory with the DNS-01 challenge, through acme-client. The challenge records are removed afterwards,
 * whether the CA accepted them or not. Each failure is a `CertificateRenewalError` naming
 * its step, with the CA's words and a hint.
 */
export async function orderCertificate(options: OrderOptions): Promise<CertificateBundle> {
  const pollMs = options.pollMs ?? 2000;
  const client = new acme.Client({ directoryUrl: options.directoryUrl, accountKey: options.accountKey, backoffMin: pollMs, backoffMax: pollMs * 4, backoffAttempts: 12 });
  const step = <T>(name: RenewalStep, work: () => Promise<T>) => withStep(name, options.hintContext, work);

  await step('acme-account', () => useAccount(client));
  const { names } = options;
  const order = await step('acme-order', () => client.createOrder({ identifiers: names.map((value) => ({ type: 'dns', value })) }));
  const authorizations = await step('acme-order', () => client.getAuthorizations(order));

  const challenges: { challenge: acme.Authorization['challenges'][number]; record: string; value: string }[] = [];
  for (const authorization of authorizations.filter((candidate) => candidate.status !== 'valid')) {
    const identifier = `${authorization.wildcard ? '*.' : ''}${authorization.identifier.value}`;
    const challenge = authorization.challenges.find((candidate) => candidate.type === 'dns-01');
    if (!challenge) {
      throw new CertificateRenewalError('acme-order', `The CA offers no dns-01 challenge for ${identifier}`, 'Use a CA that supports DNS-01 validation (wildcard certificates need it).');
    }
    challenges.push({ challenge, record: challengeRecordName(identifier), value: await client.getChallengeKeyAuthorization(challenge) });
  }

  if (challenges.length > 0) {
    const records: ChallengeRecords = new Map();
    for (const { record, value } of challenges) records.set(record, [...(records.get(record) ?? []), value]);
    const remove = await options.publish(records);
    try {
      await step('validation', async () => {
        for (const { challenge } of challenges) await client.completeChallenge(challenge);
        for (const { challenge } of challenges) await client.waitForValidStatus(challenge);
      });
    } finally {
      await remove().catch((error: unknown) => {
        // The order's outcome stands; a leftover TXT record is harmless and replaced by the next renewal's UPSERT.
        options.logger.warn('Could not remove the _acme-challenge record', { records: [...records.keys()], error: error as Error });
      });
    }
  }
  options.logger.info('DNS-01 challenges accepted', { names, answered: challenges.length });

  return step('finalize', async () => {
    const certificateKey = options.keyType === 'rsa' ? await acme.crypto.createPrivateRsaKey(2048) : await acme.crypto.createPrivateEcdsaKey('P-256');
    const [, csr] = await acme.crypto.createCsr(csrNames(names), certificateKey);
    const finalized = await client.finalizeOrder(order, csr);
    const chain = acme.crypto.splitPemChain(await client.getCertificate(finalized));
    return { chain, privateKey: certificateKey.toString() };
  });
}

/** RFC 5280's bound on a subject's common name; CAs refuse a CSR whose CN is longer ("CN was longer than 64 bytes"). */
const COMMON_NAME_MAX_BYTES = 64;

/**
 * The names a CSR asks for: all of them as subject alternative names, which is what browsers
 * check, and the first as the common name only while it fits the CN's 64 bytes. A longer one
 * is left out rather than cut: Let's Encrypt issues certificates without a CN since 2023.
 */
export function csrNames(names: readonly string[]): { commonName?: string; altNames: string[] } {
  const [first] = names;
  return { ...(first !== undefined && Buffer.byteLength(first) <= COMMON_NAME_MAX_BYTES ? { commonName: first } : {}), altNames: [...names] };
}

/**
 * The account of the stored key: looked up first, since asking an existing account to agree
 * to the terms again is an update some CAs refuse (Pebble does); registered when the CA does
 * not know the key (the first run, or a new ACME_DIRECTORY_URL). Only the key is kept.
 */
async function useAccount(client: acme.Client): Promise<void> {
  try {
    await client.createAccount({ onlyReturnExisting: true });
  } catch {
    await client.createAccount({ termsOfServiceAgreed: true });
  }
}

async function withStep<T>(step: RenewalStep, context: HintContext, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CertificateRenewalError) throw error;
    const message = (error as Error).message || String(error);
    throw new CertificateRenewalError(step, message, acmeHint(message, context), { cause: error });
  }
}
