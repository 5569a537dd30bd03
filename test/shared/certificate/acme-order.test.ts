import * as acme from 'acme-client';
import { describe, expect, it } from 'vitest';
import { csrNames } from '../../../shared/certificate/acme-order';
import { wantedNames } from '../../../shared/certificate/certificate-names';
import { DOMAIN_NAME_MAX_LENGTH } from '../../../shared/core/config';

/** The CSR as the certificate function builds it, read back as a CA reads it. */
async function csrFor(domain: string) {
  const names = wantedNames(domain, [1, 2]);
  const [, csr] = await acme.crypto.createCsr(csrNames(names), await acme.crypto.createPrivateEcdsaKey('P-256'));
  return { names, read: acme.crypto.readCsrDomains(csr) };
}

describe('csrNames', () => {
  it('names the wildcard as the common name when it fits, and every name as an alternative name', async () => {
    const { names, read } = await csrFor('code.example.com');

    expect(read.commonName).toBe('*.code.example.com');
    expect(read.altNames).toEqual(names);
  });

  it('leaves the common name out for the longest domain the settings take, since a CA refuses a CN over 64 bytes', async () => {
    const domain = `${'d'.repeat(63)}.${'o'.repeat(DOMAIN_NAME_MAX_LENGTH - 63 - 9)}.example`;
    expect(domain).toHaveLength(DOMAIN_NAME_MAX_LENGTH);

    const { names, read } = await csrFor(domain);

    expect(read.commonName).toBeNull();
    expect(read.altNames).toEqual(names);
  });

  it('keeps a common name of exactly 64 bytes and drops one of 65', () => {
    const at = (length: number) => `*.${'a'.repeat(length - 10)}.example`;
    expect(at(64)).toHaveLength(64);

    expect(csrNames([at(64)]).commonName).toBe(at(64));
    expect(csrNames([at(65)])).toEqual({ altNames: [at(65)] });
  });
});
