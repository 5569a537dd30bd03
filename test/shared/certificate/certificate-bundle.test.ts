import { describe, expect, it } from 'vitest';
import { certificateFacts, daysLeft, formatBundle, parseBundle } from '../../../shared/certificate/certificate-bundle';
import { selfSignedCertificate } from '../../helpers/test-certificates';

const names = ['*.code.example.com', 'code.example.com'];
const ecdsa = selfSignedCertificate({ names, days: 40 });
const other = selfSignedCertificate({ names, days: 40 });

describe('parseBundle', () => {
  it('reads back what formatBundle writes: the chain, then the key', () => {
    // Prepare
    const text = formatBundle({ chain: [ecdsa.certificate, other.certificate], privateKey: ecdsa.privateKey });

    // Act
    const parsed = parseBundle(text);

    // Assess
    expect(text).toMatch(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----[\s\S]+-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----\n$/);
    expect(parsed).toEqual({ bundle: { chain: [ecdsa.certificate, other.certificate], privateKey: ecdsa.privateKey } });
  });

  it('accepts the key first and CRLF line ends, as a bundle put together by hand may have', () => {
    const parsed = parseBundle(`${ecdsa.privateKey}\r\n${ecdsa.certificate}\r\n`.replace(/\n/g, '\r\n'));

    expect('bundle' in parsed && parsed.bundle.chain).toHaveLength(1);
  });

  it.each([
    ['no certificate', () => ecdsa.privateKey, 'holds no PEM certificate'],
    ['a chain without its key (the old two-parameter format)', () => ecdsa.certificate, 'not its private key: put the chain and then the key in this one parameter'],
    ['the key of another certificate', () => `${ecdsa.certificate}\n${other.privateKey}`, 'is not the key of its first certificate'],
    ['two keys', () => `${ecdsa.certificate}\n${ecdsa.privateKey}\n${other.privateKey}`, 'more than one private key'],
  ])('says what is wrong with %s', (_case, text, problem) => {
    expect(parseBundle(text())).toEqual({ problem: expect.stringContaining(problem) });
  });
});

describe('certificateFacts', () => {
  it('reads the names, the end and the key type of the leaf', () => {
    // Act
    const facts = certificateFacts({ chain: [ecdsa.certificate], privateKey: ecdsa.privateKey });
    const rsa = selfSignedCertificate({ names: ['code.example.com'], days: 2, keyType: 'rsa' });

    // Assess
    expect(facts.names).toEqual(names);
    expect(daysLeft(facts, new Date())).toBe(39);
    expect(facts.keyType).toBe('ecdsa');
    expect(certificateFacts({ chain: [rsa.certificate], privateKey: rsa.privateKey }).keyType).toBe('rsa');
  });
});
