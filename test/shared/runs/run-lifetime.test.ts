import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  compactTime,
  decodeEndFate,
  encodeEndFate,
  extendedEnd,
  formatDuration,
  readRunEnd,
  runKeyOf,
  startedEnd,
  sweepDecision,
} from '../../../shared/runs/run-lifetime';
import type { RunTags } from '../../../shared/stack/team-stack';
import { fakeParameterStore, STACK_ID, STACK_UUID } from '../../helpers/run-fixtures';

const ssm = mockClient(SSMClient);
const at = (time: string) => new Date(`2026-11-28T${time}Z`);
const run: RunTags = { runId: 'run-1', requestedBy: 'U0000LEAD', requestedByName: 'lead', channel: 'C0000TEAM', slots: [1], hours: 8, endsAt: '2026-11-28T17:00:00.000Z' };
const stack = { createdAt: at('09:00:00'), run };

describe('run lifetime', () => {
  beforeEach(() => {
    ssm.reset();
  });

  describe('sweepDecision', () => {
    it.each([
      ['16:44:59', 'none'],
      ['16:45:00', 'warn'],
      ['16:59:59', 'warn'],
      ['17:00:00', 'stop'],
      ['23:00:00', 'stop'],
    ])('at %s decides %s for a run ending at 17:00 with a 15-minute warning', (time, decision) => {
      expect(sweepDecision({ endsAt: at('17:00:00'), now: at(time), warningMinutes: 15 })).toBe(decision);
    });
  });

  describe('extendedEnd', () => {
    it('moves the end by the extension', () => {
      expect(extendedEnd({ endsAt: at('17:00:00'), createdAt: at('09:00:00'), extendHours: 2, maxHours: 24 })).toEqual({ endsAt: at('19:00:00'), capped: false });
    });

    it('stops at MAX_HOURS from the run\'s start, and says it was capped', () => {
      expect(extendedEnd({ endsAt: at('17:00:00'), createdAt: at('09:00:00'), extendHours: 2, maxHours: 9 })).toEqual({ endsAt: at('18:00:00'), capped: true });
    });

    it('refuses when the run already ends at MAX_HOURS from its start', () => {
      expect(extendedEnd({ endsAt: at('17:00:00'), createdAt: at('09:00:00'), extendHours: 2, maxHours: 8 })).toBeUndefined();
    });
  });

  describe('the end of a run', () => {
    it('is the ends-at tag while the run was not extended', async () => {
      fakeParameterStore(ssm);

      expect(await readRunEnd(new SSMClient({}), { prefix: 'team-ide-test', stackUuid: STACK_UUID }, stack, 24)).toEqual(at('17:00:00'));
    });

    it('is the run\'s ends-at parameter once it was extended', async () => {
      fakeParameterStore(ssm, { [`/team-ide-test/runs/${STACK_UUID}/ends-at`]: '2026-11-28T19:00:00.000Z' });

      expect(await readRunEnd(new SSMClient({}), { prefix: 'team-ide-test', stackUuid: STACK_UUID }, stack, 24)).toEqual(at('19:00:00'));
    });

    it('still comes without a readable ends-at tag: the hours tag, else MAX_HOURS, after the creation', () => {
      expect(startedEnd({ createdAt: at('09:00:00'), run: { ...run, endsAt: 'garbled' } }, 24)).toEqual(at('17:00:00'));
      expect(startedEnd({ createdAt: at('00:00:00'), run: { ...run, endsAt: '', hours: 0 } }, 20)).toEqual(at('20:00:00'));
    });

    it('is never later than MAX_HOURS after the creation, whatever the tags or the marker say', async () => {
      fakeParameterStore(ssm, { [`/team-ide-test/runs/${STACK_UUID}/ends-at`]: '9999-12-31T23:59:59.000Z' });

      expect(await readRunEnd(new SSMClient({}), { prefix: 'team-ide-test', stackUuid: STACK_UUID }, stack, 10)).toEqual(at('19:00:00'));
      expect(startedEnd({ createdAt: at('09:00:00'), run: { ...run, endsAt: '9999-12-31T23:59:59.000Z' } }, 10)).toEqual(at('19:00:00'));
      expect(startedEnd({ createdAt: at('09:00:00'), run: { ...run, endsAt: '', hours: 87_600 } }, 10)).toEqual(at('19:00:00'));
    });
  });

  it('names markers with a compact time and reads the run key from the stack id', () => {
    expect(compactTime(new Date('2026-11-28T17:00:00.000Z'))).toBe('20261128T170000Z');
    expect(runKeyOf('team-ide-test', STACK_ID)).toEqual({ prefix: 'team-ide-test', stackUuid: STACK_UUID });
    expect(runKeyOf('team-ide-test', 'team-ide-test-ides')).toBeUndefined();
  });

  it('writes and reads back what happened at an end', () => {
    expect(decodeEndFate(encodeEndFate({ kind: 'extended', endsAt: at('19:00:00') }))).toEqual({ kind: 'extended', endsAt: at('19:00:00') });
    expect(decodeEndFate(encodeEndFate({ kind: 'reached' }))).toEqual({ kind: 'reached' });
    expect(decodeEndFate('2026-11-28T09:00:00.000Z')).toBeUndefined();
  });

  it.each([
    [0, 'less than a minute'],
    [-5_000, 'less than a minute'],
    [14 * 60_000 + 59_000, '14 min'],
    [2 * 3_600_000, '2 h'],
    [2 * 3_600_000 + 5 * 60_000, '2 h 5 min'],
  ])('formats %d ms as "%s"', (milliseconds, text) => {
    expect(formatDuration(milliseconds)).toBe(text);
  });
});
