import { describe, expect, it } from 'vitest';
import { formatBundle } from '../../../shared/certificate/certificate-bundle';
import { wantedNames } from '../../../shared/certificate/certificate-names';
import type { CertificateStatus } from '../../../shared/certificate/certificate-store';
import { checkPreviewCoverage, checkStoredCertificate, readOwnCertificate } from '../../../shared/setup/certificate';
import { selfSignedCertificate } from '../../helpers/test-certificates';

const now = new Date();
const wildcard = selfSignedCertificate({ names: ['*.code.example.com', 'code.example.com'], days: 90 });
const bundleOf = (pair: { certificate: string; privateKey: string }) => formatBundle({ chain: [pair.certificate], privateKey: pair.privateKey });
const acme = { mode: 'acme' as const, renewDays: 30, keyType: 'ecdsa' as const };
const own = { mode: 'own' as const, renewDays: 30, keyType: 'ecdsa' as const };

describe('readOwnCertificate (setup\'s --certificate-file and --private-key-file)', () => {
  it('makes the one bundle the host reads from a chain and its key', () => {
    const read = readOwnCertificate(wildcard.certificate, wildcard.privateKey, 'code.example.com', now);

    expect(read).toEqual({ bundle: { chain: [`${wildcard.certificate}\n`.trim()], privateKey: wildcard.privateKey } });
  });

  it.each([
    ['a certificate for another domain', selfSignedCertificate({ names: ['*.example.org', 'example.org'], days: 90 }), /^it is for \*\.example\.org, example\.org, not \*\.code\.example\.com and code\.example\.com\.$/],
    ['a wildcard one level too high', selfSignedCertificate({ names: ['*.example.com', 'example.com'], days: 90 }), /not \*\.code\.example\.com/],
    ['a certificate with less than two weeks left', selfSignedCertificate({ names: ['*.code.example.com', 'code.example.com'], days: 10 }), /^it expires in (9|10) days\.$/],
  ])('refuses %s, saying what to do', (_what, pair, detail) => {
    const read = readOwnCertificate(pair.certificate, pair.privateKey, 'code.example.com', now);

    expect(read).toMatchObject({ ok: false, detail: expect.stringMatching(detail), fix: expect.any(String) });
  });

  it('refuses a key that belongs to another certificate', () => {
    const other = selfSignedCertificate({ names: ['*.code.example.com'], days: 90 });

    expect(readOwnCertificate(wildcard.certificate, other.privateKey, 'code.example.com', now)).toMatchObject({ ok: false, detail: expect.stringContaining('its private key is not the key of its first certificate') });
  });
});

describe('checkStoredCertificate (the doctor)', () => {
  it('passes a fresh bundle for the domain, with the days left', () => {
    expect(checkStoredCertificate(bundleOf(wildcard), undefined, acme, 'code.example.com', now)).toMatchObject({ ok: true, detail: expect.stringMatching(/^\*\.code\.example\.com, (89|90) days left/) });
  });

  it('fails a missing certificate, passing on what the certificate function last said', () => {
    const status = { mode: 'acme' as const, names: [], problem: { at: now.toISOString(), message: 'Route 53 refused the challenge record', hint: 'check HOSTED_ZONE_ID' } };

    expect(checkStoredCertificate(undefined, status, acme, 'code.example.com', now)).toEqual({ ok: false, check: 'Certificate', detail: 'there is no certificate yet: the certificate function says Route 53 refused the challenge record.', fix: 'check HOSTED_ZONE_ID.' });
  });

  it('fails an ACME certificate inside the renewal margin: its renewals are failing', () => {
    const old = selfSignedCertificate({ names: ['*.code.example.com', 'code.example.com'], days: 20 });

    expect(checkStoredCertificate(bundleOf(old), undefined, acme, 'code.example.com', now)).toMatchObject({ ok: false, detail: expect.stringMatching(/^it expires in (19|20) days, fewer than CERTIFICATE_RENEW_DAYS \(30\) \(until /) });
    expect(checkStoredCertificate(bundleOf(old), undefined, own, 'code.example.com', now).ok).toBe(true);
  });

  it('fails a certificate of one\'s own in its last two weeks, and one that expired', () => {
    const soon = selfSignedCertificate({ names: ['*.code.example.com', 'code.example.com'], days: 5 });

    expect(checkStoredCertificate(bundleOf(soon), undefined, own, 'code.example.com', now)).toMatchObject({ ok: false, fix: expect.stringContaining('--certificate-file') });
    expect(checkStoredCertificate(bundleOf(wildcard), undefined, own, 'code.example.com', new Date(now.getTime() + 100 * 86_400_000))).toMatchObject({ ok: false, detail: expect.stringMatching(/expired 1[01] days ago/) });
  });

  it('fails an ACME certificate whose key is not the CERTIFICATE_KEY_TYPE asked for: the certificate function would renew it', () => {
    const rsa = selfSignedCertificate({ names: ['*.code.example.com', 'code.example.com'], days: 90, keyType: 'rsa' });

    expect(checkStoredCertificate(bundleOf(rsa), undefined, acme, 'code.example.com', now)).toMatchObject({ ok: false, detail: expect.stringContaining('its key is rsa, and CERTIFICATE_KEY_TYPE asks for ecdsa') });
    expect(checkStoredCertificate(bundleOf(rsa), undefined, own, 'code.example.com', now).ok).toBe(true);
  });

  it('fails a certificate for another domain, in either mode', () => {
    const other = selfSignedCertificate({ names: ['*.example.org', 'example.org'], days: 90 });

    expect(checkStoredCertificate(bundleOf(other), undefined, own, 'code.example.com', now)).toMatchObject({ ok: false, detail: 'it is for *.example.org, example.org, not *.code.example.com and code.example.com.' });
    expect(checkStoredCertificate(bundleOf(other), undefined, acme, 'code.example.com', now).ok).toBe(false);
  });

  it('fails a bundle without its key', () => {
    expect(checkStoredCertificate(wildcard.certificate, undefined, own, 'code.example.com', now)).toMatchObject({ ok: false, detail: expect.stringContaining('holds the certificate but not its private key') });
  });
});

describe('checkPreviewCoverage (the doctor)', () => {
  const DOMAIN = 'code.example.com';
  const FUNCTION = 'team-ide-prod-certificate';
  const reported = (slots: number[], mode: 'acme' | 'own' = 'acme'): CertificateStatus => ({ mode, names: wantedNames(DOMAIN, slots), notAfter: '2099-01-01T00:00:00.000Z', issuer: 'R11' });

  it('passes when the certificate the launcher reads names every roster seat\'s previews', () => {
    expect(checkPreviewCoverage(reported([1, 2, 3, 5]), 'acme', DOMAIN, [1, 2, 3, 5], FUNCTION)).toEqual({
      ok: true,
      check: 'Previews',
      detail: 'the certificate names *.dev-N.code.example.com for dev-1 to dev-3, dev-5.',
    });
  });

  it('fails a seat the certificate does not name yet, and says to run the certificate function', () => {
    const finding = checkPreviewCoverage(reported([1, 2, 3]), 'acme', DOMAIN, [1, 2, 3, 5], FUNCTION);

    expect(finding).toEqual({
      ok: false,
      check: 'Previews',
      detail: 'the certificate does not cover `*.dev-N.code.example.com` for dev-5 yet: the certificate function adds the roster\'s seats on its next run (after a roster add, a deploy, or daily).',
      fix: 'run the certificate function, which adds every roster seat\'s name: `aws lambda invoke --function-name team-ide-prod-certificate /dev/stdout`.',
    });
  });

  it('fails when the certificate function has reported nothing yet', () => {
    expect(checkPreviewCoverage(undefined, 'acme', DOMAIN, [1], FUNCTION)).toMatchObject({ ok: false, detail: expect.stringContaining('has not reported a certificate yet'), fix: expect.stringContaining(`--function-name ${FUNCTION}`) });
  });

  it('with a certificate of one\'s own, says to add the names and store it again', () => {
    const finding = checkPreviewCoverage(reported([1], 'own'), 'own', DOMAIN, [1, 7], FUNCTION);

    expect(finding).toMatchObject({ ok: false, detail: expect.stringContaining('does not cover `*.dev-N.code.example.com` for dev-7') });
    expect(finding.fix).toMatch(/^add \*\.dev-N\.code\.example\.com for those seats to your certificate, store it with `npm run setup -- --certificate-file/);
  });

  it('names the seats past the 98 a certificate holds without failing them: no certificate could cover them', () => {
    const roster = Array.from({ length: 100 }, (_unused, index) => index + 1);

    expect(checkPreviewCoverage(reported(roster), 'acme', DOMAIN, roster, FUNCTION)).toEqual({
      ok: true,
      check: 'Previews',
      detail: 'the certificate names *.dev-N.code.example.com for dev-1 to dev-98; dev-99 to dev-100, past the 98 a certificate holds, open apps at https://dev-N.code.example.com/proxy/<port>/.',
    });
  });
});
