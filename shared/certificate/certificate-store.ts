import { GetParameterCommand, GetParametersCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { generateKeyPairSync } from 'node:crypto';
import type { CertificateMode } from '../core/config';
import type { Logger } from '../core/logger';
import { type CertificateBundle, formatBundle } from './certificate-bundle';
import { type StoredCertificate, storedCertificate } from './certificate-decision';
import { CertificateRenewalError } from './certificate-errors';

/**
 * What the certificate function last found, in a plain String parameter beside the
 * certificate's: `/ide status` shows it without any right to read the private key.
 */
export interface CertificateStatus {
  mode: CertificateMode;
  names: string[];
  /** ISO time; absent when no usable certificate is in place. */
  notAfter?: string;
  issuer?: string;
  /** When the certificate function last stored a certificate. */
  renewedAt?: string;
  /** The last renewal that failed, or the problem with a certificate kept by hand; cleared once resolved. */
  problem?: { at: string; message: string; hint?: string };
}

/** What an advanced parameter holds, the most any does. */
const ADVANCED_LIMIT = 8192;

/**
 * Reads the certificate and the status with one GetParameters: on a day with nothing to
 * renew, this is the function's only AWS call.
 */
export async function readCertificateState(ssm: SSMClient, certificateParameter: string, statusParameter: string): Promise<{ stored: StoredCertificate; status?: CertificateStatus }> {
  const { Parameters = [] } = await ssm.send(new GetParametersCommand({ Names: [certificateParameter, statusParameter], WithDecryption: true }));
  const valueOf = (name: string) => Parameters.find((parameter) => parameter.Name === name)?.Value;
  const certificate = valueOf(certificateParameter);
  const status = parseStatus(valueOf(statusParameter));
  return { stored: storedCertificate(certificate), ...(status ? { status } : {}) };
}

function parseStatus(value: string | undefined): CertificateStatus | undefined {
  if (value === undefined) return undefined;
  try {
    const status = JSON.parse(value) as CertificateStatus;
    return typeof status === 'object' && status !== null && Array.isArray(status.names) ? status : undefined;
  } catch {
    return undefined;
  }
}

/** The status `/ide status` shows; absent before the certificate function first ran. */
export async function readCertificateStatus(ssm: SSMClient, statusParameter: string): Promise<CertificateStatus | undefined> {
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: statusParameter }));
    return parseStatus(Parameter?.Value);
  } catch (error) {
    if ((error as Error).name === 'ParameterNotFound') return undefined;
    throw error;
  }
}

/**
 * A status SSM would not give (throttled, access denied): unlike none, which means the
 * certificate function never ran, it vouches for nothing and says nothing about the last renewal.
 */
export const STATUS_UNREADABLE = 'unreadable';

/** What a reader of the status got: the status, none yet, or STATUS_UNREADABLE. */
export type CertificateStatusReading = CertificateStatus | undefined | typeof STATUS_UNREADABLE;

/** The status for a reader that carries on without it: one it cannot read is logged with its cause and said so. */
export async function readCertificateStatusOrUnreadable(ssm: SSMClient, statusParameter: string, logger: Logger): Promise<CertificateStatusReading> {
  return readCertificateStatus(ssm, statusParameter).catch((error: unknown) => {
    logger.error('Could not read the certificate status', { statusParameter, error: error as Error });
    return STATUS_UNREADABLE;
  });
}

/**
 * Intelligent-Tiering: a free standard parameter while the status fits in 4 KB; a certificate
 * with a hundred names on a long domain passes that, and then it becomes an advanced one.
 */
export async function writeCertificateStatus(ssm: SSMClient, statusParameter: string, status: CertificateStatus): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: statusParameter, Value: JSON.stringify(status), Type: 'String', Overwrite: true, Tier: 'Intelligent-Tiering' }));
}

/**
 * Replaces the certificate and its key in one PutParameter, so that a reader gets either
 * the old pair or the new one. Intelligent-Tiering: SSM keeps it a free standard parameter
 * while the value fits in 4 KB, makes it advanced when it does not (an RSA chain and key can
 * pass 4 KB), and keeps an advanced one advanced, which is all SSM allows.
 */
export async function writeCertificateBundle(ssm: SSMClient, certificateParameter: string, bundle: CertificateBundle): Promise<void> {
  const value = formatBundle(bundle);
  const size = Buffer.byteLength(value);
  try {
    if (size > ADVANCED_LIMIT) throw new Error(`the chain and key take ${size} bytes, more than an SSM parameter holds (${ADVANCED_LIMIT})`);
    await ssm.send(new PutParameterCommand({ Name: certificateParameter, Value: value, Type: 'SecureString', Overwrite: true, Tier: 'Intelligent-Tiering' }));
  } catch (error) {
    const denied = /AccessDenied|not authorized/i.test(`${(error as Error).name} ${(error as Error).message}`);
    throw new CertificateRenewalError(
      'store',
      `The new certificate could not be written to ${certificateParameter}: ${(error as Error).message}`,
      denied
        ? `The certificate function's role may not write ${certificateParameter}: deploy again so the role and CERTIFICATE_PARAMETER agree, and if the parameter uses a customer-managed KMS key, allow the role to use it.`
        : undefined,
      { cause: error },
    );
  }
}

/**
 * The ACME account key: made once (ECDSA P-256) and kept in a SecureString, so renewals act
 * as the same account. Two first runs at once both try to create it; the one that loses
 * uses the winner's key.
 */
export async function loadAccountKey(ssm: SSMClient, accountKeyParameter: string): Promise<string> {
  const existing = await readSecureString(ssm, accountKeyParameter);
  if (existing !== undefined) return existing;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  try {
    await ssm.send(new PutParameterCommand({ Name: accountKeyParameter, Value: privateKey, Type: 'SecureString', Overwrite: false, Tier: 'Standard', Description: 'team-ide: ACME account key of the certificate function' }));
    return privateKey;
  } catch (error) {
    if ((error as Error).name !== 'ParameterAlreadyExists') throw error;
    const winner = await readSecureString(ssm, accountKeyParameter);
    if (winner === undefined) throw error;
    return winner;
  }
}

async function readSecureString(ssm: SSMClient, name: string): Promise<string | undefined> {
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    return Parameter?.Value;
  } catch (error) {
    if ((error as Error).name === 'ParameterNotFound') return undefined;
    throw error;
  }
}
