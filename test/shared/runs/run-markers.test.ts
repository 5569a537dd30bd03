import { ParameterAlreadyExists, PutParameterCommand, SSMClient, SSMServiceException } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { claimRunMarker, readRunMarker, releaseRunMarker, removeStoppedRunMarkers, runMarkerName, writeRunMarker } from '../../../shared/runs/run-markers';
import { fakeParameterStore } from '../../helpers/run-fixtures';

const ssm = mockClient(SSMClient);
const client = new SSMClient({ region: 'eu-west-1' });
const run = { prefix: 'team-ide-test', stackUuid: '0a1b2c3d-aaaa-4bbb-8ccc-123456789012' };
const now = new Date('2026-11-28T09:02:45Z');

describe('run markers', () => {
  beforeEach(() => {
    ssm.reset();
  });

  describe('claimRunMarker', () => {
    it('creates a String parameter under the run, refusing to overwrite', async () => {
      ssm.on(PutParameterCommand).resolves({ Version: 1 });

      expect(await claimRunMarker(client, run, 'notified', now)).toBe(true);
      expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, {
        Name: '/team-ide-test/runs/0a1b2c3d-aaaa-4bbb-8ccc-123456789012/notified',
        Value: '2026-11-28T09:02:45.000Z',
        Type: 'String',
        Overwrite: false,
      });
    });

    it('returns false when an earlier delivery claimed it', async () => {
      ssm.on(PutParameterCommand).rejects(new ParameterAlreadyExists({ message: 'The parameter already exists.', $metadata: {} }));

      expect(await claimRunMarker(client, run, 'notified', now)).toBe(false);
    });

    it('throws any other error', async () => {
      ssm.on(PutParameterCommand).rejects(new SSMServiceException({ name: 'AccessDeniedException', message: 'not authorized', $fault: 'client', $metadata: {} }));

      await expect(claimRunMarker(client, run, 'notified', now)).rejects.toThrow('not authorized');
    });
  });

  describe('removeStoppedRunMarkers', () => {
    it('keeps only the newest stopped marker and the markers of runs not stopped, over many pages', async () => {
      const earlier = Array.from({ length: 12 }, (_, index) => `/team-ide-test/runs/00000000-0000-4000-8000-${String(index).padStart(12, '0')}`);
      const starting = '/team-ide-test/runs/99999999-8888-4777-8666-555555555555/notified';
      const store = fakeParameterStore(ssm, {
        ...Object.fromEntries(earlier.flatMap((path) => [[`${path}/notified`, 't'], [`${path}/stopped`, 't']])),
        [starting]: 't',
        [runMarkerName(run, 'failure-reported')]: 't',
        [runMarkerName(run, 'stopped')]: 't',
        '/team-ide-test/slack-bot-token': 'not a marker',
      });

      const markers = await removeStoppedRunMarkers(client, run);

      expect([...store.keys()].sort()).toEqual(['/team-ide-test/slack-bot-token', starting, runMarkerName(run, 'stopped')].sort());
      expect(markers.sort()).toEqual(['failure-reported', 'stopped']);
    });
  });

  describe('the cost guard\'s state', () => {
    it('reads a marker\'s value, and undefined for one nobody wrote', async () => {
      fakeParameterStore(ssm, { [runMarkerName(run, 'ends-at')]: '2026-11-28T19:00:00.000Z' });

      expect(await readRunMarker(client, run, 'ends-at')).toBe('2026-11-28T19:00:00.000Z');
      expect(await readRunMarker(client, run, 'stopping')).toBeUndefined();
    });

    it('overwrites the end when it moves, and gives a claim back even when it is already gone', async () => {
      const store = fakeParameterStore(ssm, { [runMarkerName(run, 'ends-at')]: '2026-11-28T19:00:00.000Z' });

      await writeRunMarker(client, run, 'ends-at', '2026-11-28T21:00:00.000Z');
      await claimRunMarker(client, run, 'stopping', now);
      await releaseRunMarker(client, run, 'stopping');
      await releaseRunMarker(client, run, 'stopping');

      expect(Object.fromEntries(store)).toEqual({ [runMarkerName(run, 'ends-at')]: '2026-11-28T21:00:00.000Z' });
    });

    it('is removed with the other markers once the run is stopped', async () => {
      const store = fakeParameterStore(ssm, {
        [runMarkerName(run, 'ends-at')]: 't',
        [runMarkerName(run, 'warned-20261128T170000Z')]: 't',
        [runMarkerName(run, 'end-20261128T170000Z')]: 'reached',
        [runMarkerName(run, 'stopping')]: 't',
        [runMarkerName(run, 'stopped')]: 't',
      });

      await removeStoppedRunMarkers(client, run);

      expect([...store.keys()]).toEqual([runMarkerName(run, 'stopped')]);
    });
  });
});
