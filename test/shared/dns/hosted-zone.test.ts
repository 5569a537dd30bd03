import { describe, expect, it } from 'vitest';
import { examineHostedZone, findPublicZones } from '../../../shared/dns/hosted-zone';
import { backendWithZones, hostedZone as zone } from '../../helpers/setup-backend';

describe('the hosted zone of the domain, as Route 53 describes it', () => {
  const start = backendWithZones();

  describe('findPublicZones', () => {
    it('finds the parent domain\'s public zone and leaves out a private zone of the same name', async () => {
      const { route53 } = await start([zone('Z0PRIVATE', 'example.com', true), zone('Z0PUBLIC', 'example.com'), zone('Z0OTHER', 'example.org'), zone('Z0DEEPER', 'www.example.com')]);

      expect(await findPublicZones(route53, 'code.example.com')).toEqual([{ id: 'Z0PUBLIC', name: 'example.com', privateZone: false }]);
    });

    it('prefers the domain\'s own zone, which DNS asks first, over its parent\'s', async () => {
      const { route53 } = await start([zone('Z0PARENT', 'example.com'), zone('Z0OWN', 'code.example.com')]);

      expect((await findPublicZones(route53, 'code.example.com')).map((found) => found.id)).toEqual(['Z0OWN']);
    });

    it('pages through many zones of one name (ListHostedZonesByName lists from the name on, 10 at a time here)', async () => {
      // Eleven private zones sort before the one public zone of the same name.
      const privates = Array.from({ length: 11 }, (_unused, index) => zone(`Z0A${String(index).padStart(2, '0')}`, 'example.com', true));
      const { route53 } = await start([...privates, zone('Z0ZPUBLIC', 'example.com'), zone('Z0NEXT', 'example.net')]);

      expect((await findPublicZones(route53, 'code.example.com')).map((found) => found.id)).toEqual(['Z0ZPUBLIC']);
    });

    it('returns every public zone of the same name, for the user to choose from', async () => {
      const { route53 } = await start([zone('Z0FIRST', 'example.com'), zone('Z0SECOND', 'example.com')]);

      expect((await findPublicZones(route53, 'code.example.com')).map((found) => found.id)).toEqual(['Z0FIRST', 'Z0SECOND']);
    });
  });

  describe('examineHostedZone', () => {
    it('finds that the public zone of a parent domain serves the domain', async () => {
      const { route53 } = await start([zone('Z0PUBLIC', 'example.com')]);

      expect(await examineHostedZone(route53, 'Z0PUBLIC', 'code.example.com')).toEqual({ kind: 'serves', zone: zone('Z0PUBLIC', 'example.com') });
    });

    it('tells a missing zone, one outside the domain (a mere suffix of a label is not a parent) and a private one apart', async () => {
      const { route53 } = await start([zone('Z0LOOKALIKE', 'ample.com'), zone('Z0PRIVATE', 'example.com', true)]);

      expect(await examineHostedZone(route53, 'Z0MISSING', 'code.example.com')).toEqual({ kind: 'missing' });
      expect(await examineHostedZone(route53, 'Z0LOOKALIKE', 'code.example.com')).toEqual({ kind: 'outside', zone: zone('Z0LOOKALIKE', 'ample.com') });
      expect(await examineHostedZone(route53, 'Z0PRIVATE', 'code.example.com')).toEqual({ kind: 'private', zone: zone('Z0PRIVATE', 'example.com', true) });
    });

    it('finds a more specific public zone of the domain, which DNS would ask instead', async () => {
      const { route53 } = await start([zone('Z0PARENT', 'example.com'), zone('Z0OWN', 'code.example.com')]);

      expect(await examineHostedZone(route53, 'Z0PARENT', 'code.example.com')).toEqual({ kind: 'shadowed', zone: zone('Z0PARENT', 'example.com'), by: zone('Z0OWN', 'code.example.com') });
      expect(await examineHostedZone(route53, 'Z0OWN', 'code.example.com')).toEqual({ kind: 'serves', zone: zone('Z0OWN', 'code.example.com') });
    });

    it('asked about a name under the domain, finds a zone of that name too (the CA\'s _acme-challenge)', async () => {
      const { route53 } = await start([zone('Z0PARENT', 'example.com'), zone('Z0CHALLENGE', '_acme-challenge.code.example.com')]);

      expect(await examineHostedZone(route53, 'Z0PARENT', 'code.example.com', '_acme-challenge.code.example.com')).toEqual({ kind: 'shadowed', zone: zone('Z0PARENT', 'example.com'), by: zone('Z0CHALLENGE', '_acme-challenge.code.example.com') });
      // Setup and the doctor ask about the domain: the IDEs' names are not under that zone.
      expect(await examineHostedZone(route53, 'Z0PARENT', 'code.example.com')).toEqual({ kind: 'serves', zone: zone('Z0PARENT', 'example.com') });
    });

    it('leaves a private zone of that name be: the CA does not see it', async () => {
      const { route53 } = await start([zone('Z0PARENT', 'example.com'), zone('Z0INSIDE', '_acme-challenge.code.example.com', true)]);

      expect(await examineHostedZone(route53, 'Z0PARENT', 'code.example.com', '_acme-challenge.code.example.com')).toEqual({ kind: 'serves', zone: zone('Z0PARENT', 'example.com') });
    });

    it('passes on Route 53\'s refusals other than NoSuchHostedZone, for the caller to report', async () => {
      const { route53, account } = await start([zone('Z0PUBLIC', 'example.com')]);
      account.deniedActions.push('route53:ListHostedZonesByName');

      await expect(examineHostedZone(route53, 'Z0PUBLIC', 'code.example.com')).rejects.toMatchObject({ name: 'AccessDenied' });
    });
  });
});
