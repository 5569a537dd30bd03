import { describe, expect, it } from 'vitest';
import type { CertificateFacts } from '../../../shared/certificate/certificate-bundle';
import { decideCertificate } from '../../../shared/certificate/certificate-decision';

const now = new Date('2026-12-01T00:00:00Z');
const inDays = (days: number) => new Date(now.getTime() + days * 86_400_000 + 3_600_000);
const SEATS = [1, 2, 5];
const facts = (overrides: Partial<CertificateFacts> = {}): CertificateFacts => ({
  names: ['*.code.example.com', 'code.example.com', '*.dev-1.code.example.com', '*.dev-2.code.example.com', '*.dev-5.code.example.com'],
  notAfter: inDays(60),
  issuer: 'R11',
  keyType: 'ecdsa',
  ...overrides,
});
const acme = { mode: 'acme' as const, renewDays: 30, keyType: 'ecdsa' as const };
const own = { ...acme, mode: 'own' as const };

describe('decideCertificate', () => {
  it('keeps a certificate with more days left than CERTIFICATE_RENEW_DAYS', () => {
    expect(decideCertificate(acme, 'code.example.com', SEATS, { state: 'found', facts: facts({ notAfter: inDays(30) }) }, now)).toEqual({ action: 'keep', facts: facts({ notAfter: inDays(30) }) });
  });

  it.each([
    ['nothing is stored', { state: 'missing' as const }, 'there is no certificate yet'],
    ['the value is unusable', { state: 'unusable' as const, problem: 'it holds no PEM certificate' }, 'the stored value is unusable: it holds no PEM certificate'],
    ['it expires within the margin', { state: 'found' as const, facts: facts({ notAfter: inDays(10) }) }, 'it expires in 10 days, fewer than CERTIFICATE_RENEW_DAYS (30)'],
    ['it has expired', { state: 'found' as const, facts: facts({ notAfter: inDays(-3) }) }, 'it expired 3 days ago'],
    ['it is for another domain', { state: 'found' as const, facts: facts({ names: ['*.old.example.com'] }) }, 'the certificate does not cover *.code.example.com, code.example.com and *.dev-N.code.example.com for dev-1 to dev-2, dev-5'],
    ['the roster grew past its previews', { state: 'found' as const, facts: facts({ names: ['*.code.example.com', 'code.example.com', '*.dev-1.code.example.com', '*.dev-2.code.example.com'] }) }, 'the certificate does not cover *.dev-N.code.example.com for dev-5'],
    ['its key is not the type asked for', { state: 'found' as const, facts: facts({ keyType: 'rsa' }) }, 'its key is rsa, and CERTIFICATE_KEY_TYPE asks for ecdsa'],
  ])('renews when %s', (_case, stored, reason) => {
    expect(decideCertificate(acme, 'code.example.com', SEATS, stored, now)).toEqual({ action: 'renew', reason: expect.stringContaining(reason) });
  });

  it('keeps a certificate that names more seats than the roster holds now, in any case', () => {
    // Prepare
    const stored = { state: 'found' as const, facts: facts({ names: ['*.CODE.example.com', 'code.example.com', ...[1, 2, 3, 4, 5].map((slot) => `*.dev-${slot}.code.example.com`)] }) };

    // Act
    const decision = decideCertificate(acme, 'code.example.com', [5, 1], stored, now);

    // Assess
    expect(decision.action).toBe('keep');
  });

  it('with TLS_CERTIFICATE=own, only warns: from 14 days before the end, and when nothing usable is stored', () => {
    expect(decideCertificate(own, 'code.example.com', SEATS, { state: 'found', facts: facts({ notAfter: inDays(14) }) }, now).action).toBe('keep');
    expect(decideCertificate(own, 'code.example.com', SEATS, { state: 'found', facts: facts({ notAfter: inDays(13) }) }, now)).toEqual({ action: 'warn', problem: { kind: 'expiring', facts: facts({ notAfter: inDays(13) }), daysLeft: 13 } });
    expect(decideCertificate(own, 'code.example.com', SEATS, { state: 'missing' }, now)).toEqual({ action: 'warn', problem: { kind: 'missing' } });
    expect(decideCertificate(own, 'code.example.com', SEATS, { state: 'found', facts: facts({ names: ['*.old.example.com'], keyType: 'rsa' }) }, now).action).toBe('keep');
  });
});
