import { describe, expect, it } from 'vitest';
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

      expect(await checkHostedZone(route53, 'Z0PUBLIC', 'code.example.com')).toEqual({ ok: true, check: 'Hosted zone', detail: 'Z0PUBLIC (example.com, public) holds code.example.com.' });
    });

    it('fails a zone that does not hold the domain, and says how to find the right one', async () => {
      const { route53 } = await start([zone('Z0PUBLIC', 'example.com'), zone('Z0OTHER', 'example.org')]);

      const finding = await checkHostedZone(route53, 'Z0OTHER', 'code.example.com');

      expect(finding).toMatchObject({ ok: false, detail: 'Z0OTHER is the zone of example.org, which does not hold code.example.com: the IDEs\' names could not be created there.' });
      expect(finding.fix).toContain('set HOSTED_ZONE_ID to the zone of code.example.com or a parent domain');
    });

    it('fails a zone whose name is only the end of a label (ample.com does not hold example.com\'s names)', async () => {
      const { route53 } = await start([zone('Z0LOOKALIKE', 'ample.com')]);

      expect(await checkHostedZone(route53, 'Z0LOOKALIKE', 'code.example.com')).toMatchObject({ ok: false });
    });

    it('fails a private zone: the internet cannot resolve its names', async () => {
      const { route53 } = await start([zone('Z0PRIVATE', 'example.com', true), zone('Z0PUBLIC', 'example.com')]);

      expect(await checkHostedZone(route53, 'Z0PRIVATE', 'code.example.com')).toMatchObject({ ok: false, detail: expect.stringContaining('is a private zone') });
    });

    it('fails the parent\'s zone when the domain has a public zone of its own that would hide the records', async () => {
      const { route53 } = await start([zone('Z0PARENT', 'example.com'), zone('Z0OWN', 'code.example.com')]);

      expect(await checkHostedZone(route53, 'Z0PARENT', 'code.example.com')).toMatchObject({ ok: false, fix: 'set HOSTED_ZONE_ID to Z0OWN.' });
    });

    it('fails a zone id that does not exist, as Route 53 answers NoSuchHostedZone', async () => {
      const { route53 } = await start([zone('Z0PUBLIC', 'example.com')]);

      expect(await checkHostedZone(route53, 'Z0MISSING', 'code.example.com')).toMatchObject({ ok: false, detail: 'HOSTED_ZONE_ID Z0MISSING does not exist in this account.' });
    });

    it('says which permission is missing when Route 53 refuses the caller', async () => {
      const { route53, account } = await start([zone('Z0PUBLIC', 'example.com')]);
      account.deniedActions.push('route53:GetHostedZone');

      expect(await checkHostedZone(route53, 'Z0PUBLIC', 'code.example.com')).toMatchObject({ ok: false, detail: expect.stringContaining('AccessDenied'), fix: expect.stringContaining('route53:GetHostedZone') });
    });
  });
});
