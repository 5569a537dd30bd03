import { describe, expect, it } from 'vitest';
import { wantedNames } from '../../../shared/certificate/certificate-names';
import type { CertificateStatus } from '../../../shared/certificate/certificate-store';
import { previewStatusLine, STARTED_WITHOUT_PREVIEWS } from '../../../shared/previews/preview-messages';
import { appUrl, decidePreviews, ideUrl } from '../../../shared/previews/previews';

const DOMAIN = 'code.example.com';
const ROSTER = [1, 2, 3, 4, 5];
const status = (overrides: Partial<CertificateStatus> = {}): CertificateStatus => ({
  mode: 'acme',
  names: wantedNames(DOMAIN, [1, 2, 5]),
  notAfter: '2027-02-01T00:00:00.000Z',
  issuer: 'R11',
  ...overrides,
});

describe('decidePreviews', () => {
  it('turns previews on when the certificate names every seat’s *.dev-N', () => {
    expect(decidePreviews(status(), DOMAIN, [1, 5], ROSTER)).toEqual({ on: true });
    expect(decidePreviews(status({ names: wantedNames(DOMAIN, [1, 2, 5]).map((name) => name.toUpperCase()) }), DOMAIN, [2], ROSTER)).toEqual({ on: true });
  });

  it('keeps them off, naming the seats, when the deployment’s certificate does not cover one yet', () => {
    // Act
    const decision = decidePreviews(status(), DOMAIN, [1, 3, 4, 5], ROSTER);

    // Assess
    expect(decision).toEqual({ on: false, reason: expect.stringContaining('the certificate does not cover `*.dev-N.code.example.com` for dev-3 to dev-4 yet') });
    expect(decision).toEqual({ on: false, reason: expect.stringContaining('the certificate function adds the roster\'s seats on its next run') });
  });

  it('keeps them off with a certificate brought by hand that covers only *.<domain>, and says what to add', () => {
    // Act
    const decision = decidePreviews(status({ mode: 'own', names: ['*.code.example.com'] }), DOMAIN, [1], ROSTER);

    // Assess
    expect(decision).toEqual({ on: false, reason: 'your certificate (TLS_CERTIFICATE=own) does not cover `*.dev-N.code.example.com` for dev-1: add those names to it, or set TLS_CERTIFICATE=acme to have them obtained' });
  });

  it('says when a seat is past the 98 whose previews fit in one certificate', () => {
    // Prepare: a roster of 99; the certificate names the 98 lowest seats.
    const roster = Array.from({ length: 99 }, (_, index) => index + 1);

    // Act
    const decision = decidePreviews(status({ names: wantedNames(DOMAIN, roster) }), DOMAIN, [1, 99], roster);

    // Assess
    expect(decision).toEqual({ on: false, reason: 'dev-99 is past the roster\'s 98 lowest seats, the most whose previews fit in one certificate (100 names)' });
  });

  it('keeps them off while nothing is known of the certificate', () => {
    expect(decidePreviews(undefined, DOMAIN, [1], ROSTER)).toEqual({ on: false, reason: expect.stringContaining('has not reported a certificate yet') });
    expect(decidePreviews(status({ notAfter: undefined, names: [] }), DOMAIN, [1], ROSTER).on).toBe(false);
  });

  it('does not take another domain’s preview names for this one', () => {
    expect(decidePreviews(status({ names: wantedNames('ide.example.com', [1]) }), DOMAIN, [1], ROSTER).on).toBe(false);
  });
});

describe('appUrl and ideUrl', () => {
  it('puts the port in front of the IDE’s name with previews, and after /proxy/ without, keeping a non-standard HTTPS port', () => {
    expect(appUrl(ideUrl(DOMAIN, 1, 443), 3000, true)).toBe('https://3000.dev-1.code.example.com');
    expect(appUrl(ideUrl(DOMAIN, 1, 8443), 3000, true)).toBe('https://3000.dev-1.code.example.com:8443');
    expect(appUrl(ideUrl(DOMAIN, 7, 443), 5173, false)).toBe('https://dev-7.code.example.com/proxy/5173/');
    expect(appUrl(ideUrl(DOMAIN, 7, 8443), '<port>', false)).toBe('https://dev-7.code.example.com:8443/proxy/<port>/');
  });
});

describe('previewStatusLine', () => {
  it('gives the address form and an example of the seat when previews are on, and who can open them', () => {
    // Act
    const line = previewStatusLine({ on: true }, { domainName: DOMAIN, exposedPort: 443 }, 2);

    // Assess
    expect(line).toBe('Previews: an app a developer runs on a port opens at `https://<port>.dev-N.code.example.com` (dev-2\'s port 3000: https://3000.dev-2.code.example.com), behind that developer\'s own login: nobody else can open it.');
  });

  it('says previews are off, why, and what remains', () => {
    // Act
    const line = previewStatusLine({ on: false, reason: STARTED_WITHOUT_PREVIEWS }, { domainName: DOMAIN, exposedPort: 8443 }, 1);

    // Assess
    expect(line).toBe('Previews are off: the certificate did not cover their names when this run started; the next `/ide start` has them. An app a developer runs opens at `https://dev-N.code.example.com:8443/proxy/<port>/` instead, behind the same login.');
  });
});
