import { describe, expect, it } from 'vitest';
import { checkCertificate } from '../../../shared/setup/certificate';
import { makeCertificate } from '../../helpers/certificates';

const wildcard = makeCertificate({ names: ['*.code.example.com', 'code.example.com'], days: 90 });
const now = new Date();

describe('checkCertificate', () => {
  it('passes a wildcard for the domain with its key, and says how many days are left', () => {
    expect(checkCertificate(wildcard.chain, wildcard.key, 'code.example.com', now)).toMatchObject({ ok: true, detail: expect.stringMatching(/^covers \*\.code\.example\.com, (89|90) days left/) });
  });

  it('fails a certificate for another domain', () => {
    const other = makeCertificate({ names: ['*.example.org'], days: 90 });

    expect(checkCertificate(other.chain, other.key, 'code.example.com', now)).toMatchObject({ ok: false, detail: 'it is for DNS:*.example.org, which does not cover dev-1.code.example.com or monitor.code.example.com.' });
  });

  it('fails a wildcard one level too high: *.example.com does not cover dev-1.code.example.com', () => {
    const parent = makeCertificate({ names: ['*.example.com'], days: 90 });

    expect(checkCertificate(parent.chain, parent.key, 'code.example.com', now).ok).toBe(false);
  });

  it('fails a key that belongs to another certificate', () => {
    const other = makeCertificate({ names: ['*.code.example.com'], days: 90 });

    expect(checkCertificate(wildcard.chain, other.key, 'code.example.com', now)).toMatchObject({ ok: false, detail: 'the private key in PRIVATE_KEY_PARAMETER does not belong to the certificate.' });
  });

  it('fails a certificate with less than two weeks left, and one that has expired', () => {
    const soon = makeCertificate({ names: ['*.code.example.com'], days: 10 });

    expect(checkCertificate(soon.chain, soon.key, 'code.example.com', now)).toMatchObject({ ok: false, detail: expect.stringMatching(/expires in (9|10) days/) });
    expect(checkCertificate(wildcard.chain, wildcard.key, 'code.example.com', new Date(now.getTime() + 100 * 86_400_000))).toMatchObject({ ok: false, detail: expect.stringContaining('expired on') });
  });

  it('fails something that is not a PEM certificate', () => {
    expect(checkCertificate('not a certificate', undefined, 'code.example.com', now)).toMatchObject({ ok: false, detail: expect.stringContaining('does not hold a PEM certificate') });
  });
});
