import { describe, expect, it } from 'vitest';
import { acmeHint } from '../../../shared/certificate/certificate-errors';

const context = { domainName: 'code.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', acmeDirectoryUrl: 'https://acme-v02.api.letsencrypt.org/directory' };

describe('acmeHint', () => {
  it.each([
    ['a CAA record', 'During secondary validation: CAA record for code.example.com prevents issuance', '0 issue "letsencrypt.org"'],
    ['a rate limit, with its reset time', 'too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s, retry after 2026-12-03 17:02:11 UTC: see https://letsencrypt.org/docs/rate-limits/', 'it lifts at 2026-12-03 17:02:11 UTC'],
    ['a TXT record the CA cannot see', 'DNS problem: NXDOMAIN looking up TXT for _acme-challenge.code.example.com - check that a DNS record exists for this domain', 'HOSTED_ZONE_ID is the public zone'],
    ['Pebble’s wrong TXT value', 'Correct value not found for DNS challenge', 'did not find the TXT record written to hosted zone Z0123456789ABCDEFGHIJ'],
    ['a name the CA will not issue for', 'Order included an identifier for which issuance is forbidden by policy: "*.code.example.com"', 'refuses to issue for code.example.com'],
    ['a CA that cannot be reached', 'getaddrinfo ENOTFOUND acme-v02.api.letsencrypt.org', 'could not be reached. Check ACME_DIRECTORY_URL'],
  ])('explains %s', (_case, message, hint) => {
    expect(acmeHint(message, context)).toContain(hint);
  });

  it('gives no hint it cannot stand behind', () => {
    expect(acmeHint('Error finalizing order :: something unexpected', context)).toBeUndefined();
  });
});
