import { describe, expect, it } from 'vitest';
import { CertificateRenewalError } from '../../../shared/certificate/certificate-errors';
import { checkHostedZone as checkRenewalZone } from '../../../shared/certificate/dns-challenge';
import { findPublicZones } from '../../../shared/dns/hosted-zone';
import { checkHostedZone, noZoneFinding } from '../../../shared/setup/hosted-zone';
import { backendWithZones, hostedZone as zone } from '../../helpers/setup-backend';

describe('the hosted zone of the domain', () => {
  const start = backendWithZones();

  describe('noZoneFinding', () => {
    it('finds nothing when only other domains have zones, and says what to create', async () => {
      const { route53 } = await start([zone('Z0OTHER', 'example.org'), zone('Z0PRIVATE', 'example.com', true)]);

      expect(await findPublicZones(route53, 'code.example.com')).toEqual([]);
      expect(noZoneFinding('code.example.com')).toMatchObject({ ok: false, fix: expect.stringContaining('create one for example.com') });
    });
  });

  describe('checkHostedZone', () => {
    it('passes the public zone of the parent domain', async () => {
      const { route53 } = await start([zone('Z0PUBLIC', 'example.com')]);

      expect(await checkHostedZone(route53, 'Z0PUBLIC', 'code.example.com', 'acme')).toEqual({ ok: true, check: 'Hosted zone', detail: 'Z0PUBLIC (example.com, public) holds code.example.com and _acme-challenge.code.example.com, where the CA looks.' });
      expect(await checkHostedZone(route53, 'Z0PUBLIC', 'code.example.com', 'own')).toMatchObject({ ok: true, detail: 'Z0PUBLIC (example.com, public) holds code.example.com.' });
    });

    it('fails a zone that does not hold the domain, and says how to find the right one', async () => {
      const { route53 } = await start([zone('Z0PUBLIC', 'example.com'), zone('Z0OTHER', 'example.org')]);

      const finding = await checkHostedZone(route53, 'Z0OTHER', 'code.example.com', 'acme');

      expect(finding).toMatchObject({ ok: false, detail: 'Z0OTHER is the zone of example.org, which does not hold code.example.com: the IDEs\' names could not be created there.' });
      expect(finding.fix).toContain('set HOSTED_ZONE_ID to the zone of code.example.com or a parent domain');
    });

    it('fails a zone whose name is only the end of a label (ample.com does not hold example.com\'s names)', async () => {
      const { route53 } = await start([zone('Z0LOOKALIKE', 'ample.com')]);

      expect(await checkHostedZone(route53, 'Z0LOOKALIKE', 'code.example.com', 'acme')).toMatchObject({ ok: false });
    });

    it('fails a private zone: the internet cannot resolve its names', async () => {
      const { route53 } = await start([zone('Z0PRIVATE', 'example.com', true), zone('Z0PUBLIC', 'example.com')]);

      expect(await checkHostedZone(route53, 'Z0PRIVATE', 'code.example.com', 'acme')).toMatchObject({ ok: false, detail: expect.stringContaining('is a private zone') });
    });

    it('fails the parent\'s zone when the domain has a public zone of its own, and gives both ways out: it may be a leftover nobody delegates to', async () => {
      const { route53 } = await start([zone('Z0PARENT', 'example.com'), zone('Z0OWN', 'code.example.com')]);

      for (const mode of ['acme', 'own'] as const) {
        expect(await checkHostedZone(route53, 'Z0PARENT', 'code.example.com', mode)).toEqual({
          ok: false,
          check: 'Hosted zone',
          detail: 'code.example.com has its own public zone Z0OWN: once an NS record points at it, DNS asks it instead, and records made in Z0PARENT (example.com) would never be seen.',
          fix: 'Set HOSTED_ZONE_ID to Z0OWN, or delete that zone if no NS record points at it.',
        });
      }
    });

    it('with TLS_CERTIFICATE=acme, fails a zone that a public zone of _acme-challenge.<domain> hides from the CA, as the certificate function would', async () => {
      const { route53 } = await start([zone('Z0PARENT', 'example.com'), zone('Z0CHALLENGE', '_acme-challenge.code.example.com')]);

      expect(await checkHostedZone(route53, 'Z0PARENT', 'code.example.com', 'acme')).toEqual({
        ok: false,
        check: 'Hosted zone',
        detail: '_acme-challenge.code.example.com has its own public zone Z0CHALLENGE: the CA would look for the certificate\'s DNS-01 answer there, not in Z0PARENT (example.com), and every renewal would fail.',
        fix: 'Delete hosted zone Z0CHALLENGE if nothing uses it, with the NS record of _acme-challenge.code.example.com in example.com: the certificate function writes its answers in HOSTED_ZONE_ID.',
      });
      // A certificate of one's own is never renewed through DNS: the zone serves the IDEs' names.
      expect(await checkHostedZone(route53, 'Z0PARENT', 'code.example.com', 'own')).toMatchObject({ ok: true });
    });

    it.each([
      ['a zone of the domain', zone('Z0OWN', 'code.example.com')],
      ['a zone of _acme-challenge.<domain>', zone('Z0CHALLENGE', '_acme-challenge.code.example.com')],
    ])('gives the certificate function\'s own words for what to do about %s', async (_what, inner) => {
      const { route53 } = await start([zone('Z0PARENT', 'example.com'), inner]);

      const renewal = await checkRenewalZone(route53, 'Z0PARENT', 'code.example.com').then(() => undefined, (error: unknown) => error as CertificateRenewalError);
      const finding = await checkHostedZone(route53, 'Z0PARENT', 'code.example.com', 'acme');

      expect(renewal).toBeInstanceOf(CertificateRenewalError);
      expect(finding).toMatchObject({ ok: false, fix: renewal?.hint });
    });

    it('fails a zone id that does not exist, as Route 53 answers NoSuchHostedZone', async () => {
      const { route53 } = await start([zone('Z0PUBLIC', 'example.com')]);

      expect(await checkHostedZone(route53, 'Z0MISSING', 'code.example.com', 'acme')).toMatchObject({ ok: false, detail: 'HOSTED_ZONE_ID Z0MISSING does not exist in this account.' });
    });

    it('says which permission is missing when Route 53 refuses the caller', async () => {
      const { route53, account } = await start([zone('Z0PUBLIC', 'example.com')]);
      account.deniedActions.push('route53:GetHostedZone');

      expect(await checkHostedZone(route53, 'Z0PUBLIC', 'code.example.com', 'acme')).toMatchObject({ ok: false, detail: expect.stringContaining('AccessDenied'), fix: expect.stringContaining('route53:GetHostedZone') });
    });
  });
});
