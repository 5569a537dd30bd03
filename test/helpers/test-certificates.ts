import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A self-signed certificate for `names` ending in `days`, with its key, as PEM: made by
 * openssl (the certificate tests need it beside Pebble anyway). Not a Pebble certificate:
 * what the unit tests need is a real X.509 leaf with real SANs and dates.
 */
export function selfSignedCertificate(options: { names: string[]; days: number; keyType?: 'ecdsa' | 'rsa' }): { certificate: string; privateKey: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'team-ide-test-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    const key = options.keyType === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
    execFileSync('openssl', [
      'req', '-x509', ...key, '-nodes', '-days', String(options.days), '-keyout', keyFile, '-out', certFile,
      '-subj', `/CN=${options.names[0]}`, '-addext', `subjectAltName=${options.names.map((name) => `DNS:${name}`).join(',')}`,
    ], { stdio: 'pipe' });
    return { certificate: readFileSync(certFile, 'utf8').trim(), privateKey: readFileSync(keyFile, 'utf8').trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
