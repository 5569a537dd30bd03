import { describe, expect, it } from 'vitest';
import { wantedNames } from '../../../shared/certificate/certificate-names';
import { type CertificateStatus, STATUS_UNREADABLE } from '../../../shared/certificate/certificate-store';
import { newSeatPreviewLines, previewStatusLine, STARTED_WITHOUT_PREVIEWS } from '../../../shared/previews/preview-messages';
import { appUrl, decidePreviews, ideUrl, previewsForNewSeats } from '../../../shared/previews/previews';
import { context } from '../../../shared/slack/slack-format';
import { expectWithinSlackLimits } from '../../helpers/slack-limits';

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

  it('keeps them off, saying the status could not be read, when it could not: not as if the certificate function never ran', () => {
    expect(decidePreviews(STATUS_UNREADABLE, DOMAIN, [1], ROSTER)).toEqual({ on: false, reason: expect.stringContaining('could not be read just now') });
  });

  it('does not take another domain’s preview names for this one', () => {
    expect(decidePreviews(status({ names: wantedNames('ide.example.com', [1]) }), DOMAIN, [1], ROSTER).on).toBe(false);
  });
});

describe('previewsForNewSeats', () => {
  /** A roster of `size` seats, dev-1 to dev-<size>. */
  const seats = (size: number) => Array.from({ length: size }, (_, index) => index + 1);

  it('has the certificate obtained again for a new seat it does not name', () => {
    expect(previewsForNewSeats('acme', status(), DOMAIN, [3], [1, 2, 3, 5])).toEqual({ awaitingCertificate: [3], pastCertificate: [] });
  });

  it('leaves it alone when the certificate already names the new seat (in any case)', () => {
    expect(previewsForNewSeats('acme', status(), DOMAIN, [2], ROSTER)).toEqual({ awaitingCertificate: [], pastCertificate: [] });
    expect(previewsForNewSeats('acme', status({ names: wantedNames(DOMAIN, [1, 2, 5]).map((name) => name.toUpperCase()) }), DOMAIN, [2], ROSTER).awaitingCertificate).toEqual([]);
  });

  it('leaves it alone when the certificate function never reported: its first run names every seat', () => {
    expect(previewsForNewSeats('acme', undefined, DOMAIN, [3], ROSTER)).toEqual({ awaitingCertificate: [], pastCertificate: [] });
  });

  it('has it obtained again when the certificate function reported no certificate (its first order failed)', () => {
    expect(previewsForNewSeats('acme', status({ names: [], notAfter: undefined }), DOMAIN, [3], ROSTER)).toEqual({ awaitingCertificate: [3], pastCertificate: [] });
  });

  it('holds back while the last renewal failed, so a refusing CA is not asked again at once', () => {
    const failing = status({ problem: { at: '2026-12-01T09:00:00.000Z', message: 'too many certificates already issued' } });

    expect(previewsForNewSeats('acme', failing, DOMAIN, [3], ROSTER)).toEqual({ awaitingCertificate: [3], pastCertificate: [], lastRenewalFailed: true });
    expect(previewsForNewSeats('acme', failing, DOMAIN, [2], ROSTER)).toEqual({ awaitingCertificate: [], pastCertificate: [] });
  });

  it('vouches for no new seat when the status could not be read, and starts nothing (whether the last renewal failed is unknown)', () => {
    expect(previewsForNewSeats('acme', STATUS_UNREADABLE, DOMAIN, [2, 3], ROSTER)).toEqual({ awaitingCertificate: [2, 3], pastCertificate: [], statusUnreadable: true });
    expect(previewsForNewSeats('acme', STATUS_UNREADABLE, DOMAIN, [120], seats(120))).toEqual({ awaitingCertificate: [], pastCertificate: [120] });
  });

  it('never with a certificate brought by hand, whatever it names', () => {
    expect(previewsForNewSeats('own', status({ mode: 'own', names: ['*.code.example.com'] }), DOMAIN, [3], ROSTER)).toEqual({ awaitingCertificate: [], pastCertificate: [] });
    expect(previewsForNewSeats('own', undefined, DOMAIN, seats(120).slice(100), seats(120))).toEqual({ awaitingCertificate: [], pastCertificate: [] });
  });

  it('names the seats past the 98 a certificate holds, and has it obtained again only for those it can name', () => {
    // Prepare: a roster of 100; the certificate names dev-1 to dev-96.
    const roster = seats(100);

    // Act
    const previews = previewsForNewSeats('acme', status({ names: wantedNames(DOMAIN, seats(96)) }), DOMAIN, [97, 98, 99, 100], roster);

    // Assess
    expect(previews).toEqual({ awaitingCertificate: [97, 98], pastCertificate: [99, 100] });
  });

  it('does nothing for a seat past the 98 alone', () => {
    expect(previewsForNewSeats('acme', status({ names: wantedNames(DOMAIN, seats(98)) }), DOMAIN, [99], seats(99))).toEqual({ awaitingCertificate: [], pastCertificate: [99] });
  });

  it('counts the lowest seats of the roster after the change: a freed low seat taken again is named', () => {
    // Prepare: dev-4 was freed and taken again by the newcomer; the roster runs to dev-120.
    const roster = seats(120);

    // Act
    const previews = previewsForNewSeats('acme', status({ names: wantedNames(DOMAIN, seats(98).filter((slot) => slot !== 4)) }), DOMAIN, [4], roster);

    // Assess
    expect(previews).toEqual({ awaitingCertificate: [4], pastCertificate: [] });
  });

  it('takes several seats at once, each on its own', () => {
    expect(previewsForNewSeats('acme', status(), DOMAIN, [2, 3, 4], [1, 2, 3, 4, 5])).toEqual({ awaitingCertificate: [3, 4], pastCertificate: [] });
  });
});

describe('newSeatPreviewLines', () => {
  const site = { domainName: DOMAIN, exposedPort: 443 };

  it('says a new seat\'s previews come in a few minutes once the certificate function started', () => {
    expect(newSeatPreviewLines({ awaitingCertificate: [6], pastCertificate: [] }, true, site)).toEqual([
      'Previews for dev-6 (`https://<port>.dev-6.code.example.com`) come once the certificate is re-issued to name that seat, in a few minutes; a run started before then goes without them, its apps at `https://dev-6.code.example.com/proxy/<port>/`.',
    ]);
  });

  it('says they wait for the daily check when it could not be started', () => {
    expect(newSeatPreviewLines({ awaitingCertificate: [6, 7], pastCertificate: [] }, false, { domainName: DOMAIN, exposedPort: 8443 })).toEqual([
      'Previews for dev-6 to dev-7 (`https://<port>.dev-N.code.example.com:8443`) wait for the certificate\'s daily check, which re-issues it to name those seats: the check could not be started now. Until then runs go without them, their apps at `https://dev-N.code.example.com:8443/proxy/<port>/`.',
    ]);
  });

  it('says they wait for the daily check when the last renewal failed, and where to read why', () => {
    expect(newSeatPreviewLines({ awaitingCertificate: [6], pastCertificate: [], lastRenewalFailed: true }, false, site)).toEqual([
      'Previews for dev-6 (`https://<port>.dev-6.code.example.com`) wait for the certificate to be re-issued to name that seat, which its last attempt failed to do (`/ide status` says why); the daily check tries again. Until then runs go without them, their apps at `https://dev-6.code.example.com/proxy/<port>/`.',
    ]);
  });

  it('says a seat past the 98 gets none, and where its apps open', () => {
    expect(newSeatPreviewLines({ awaitingCertificate: [], pastCertificate: [99] }, false, site)).toEqual([
      'No previews for dev-99: dev-99 is past the roster\'s 98 lowest seats, the most whose previews fit in one certificate (100 names). Its apps open at `https://dev-99.code.example.com/proxy/<port>/`, behind the same login.',
    ]);
  });

  it('says nothing when nothing changes for previews', () => {
    expect(newSeatPreviewLines({ awaitingCertificate: [], pastCertificate: [] }, false, site)).toEqual([]);
  });

  it('stays within Slack\'s limits for the most seats a roster add can bring', () => {
    // Prepare: every other seat, so no range folds them.
    const spread = Array.from({ length: 127 }, (_, index) => 2 * index + 1);

    // Act
    const lines = newSeatPreviewLines({ awaitingCertificate: spread.slice(0, 49), pastCertificate: spread.slice(49) }, true, { domainName: `${'a'.repeat(80)}.example.com`, exposedPort: 8443 });

    // Assess
    expectWithinSlackLimits({ text: 'roster', blocks: lines.map(context) });
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
