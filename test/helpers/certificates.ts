import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A throwaway self-signed certificate and its key, made by openssl for the test (never stored). */
export function makeCertificate(options: { names: string[]; days: number }): { chain: string; key: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'team-ide-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      '-days', String(options.days), '-subj', `/CN=${options.names[0]}`,
      '-addext', `subjectAltName=${options.names.map((name) => `DNS:${name}`).join(',')}`,
    ], { stdio: 'pipe' });
    return { chain: readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: readFileSync(path.join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
