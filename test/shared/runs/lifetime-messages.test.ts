import type { ActionsBlock, Button } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { costLine, statusMessage } from '../../../shared/slack/slack-messages';
import {
  ACTION,
  alreadyExtendedMessage,
  alreadyStoppedMessage,
  decodeButtonValue,
  encodeButtonValue,
  extendedMessage,
  runEndedMessage,
  warningMessage,
} from '../../../shared/runs/lifetime-messages';
import type { TeamStack } from '../../../shared/stack/stack-gateway';
import type { RunTags } from '../../../shared/stack/team-stack';
import { expectWithinSlackLimits } from '../../helpers/slack-limits';

const run: RunTags = { runId: 'run-1', requestedBy: 'U0000LEAD', requestedByName: 'lead', channel: 'C0000TEAM', slots: [1, 2], hours: 8, endsAt: '2026-11-28T17:00:00.000Z' };
const endsAt = new Date('2026-11-28T17:00:00Z');
const now = new Date('2026-11-28T16:45:00Z');
const buttonsOf = (blocks: unknown[] | undefined) => ((blocks ?? []).find((block) => (block as ActionsBlock).type === 'actions') as ActionsBlock | undefined)?.elements as Button[] | undefined;

describe('lifetime messages', () => {
  describe('warningMessage', () => {
    it('says when the run stops and offers "Extend 2 h" and "Stop now", each carrying the run and the end', () => {
      const message = warningMessage({ run, endsAt, now, extendHours: 2, maxHours: 24 });

      expectWithinSlackLimits(message);
      const buttons = buttonsOf(message.blocks);
      expect(message.text).toBe('The team IDEs <@U0000LEAD> started stop in 15 min, at <!date^1795885200^{date_short_pretty} {time}|2026-11-28T17:00:00Z>.');
      expect(buttons?.map((button) => [button.action_id, button.text.text, button.style])).toEqual([
        [ACTION.extend, 'Extend 2 h', 'primary'],
        [ACTION.stop, 'Stop now', 'danger'],
      ]);
      expect(buttons?.map((button) => decodeButtonValue(button.value))).toEqual([
        { runId: 'run-1', endsAt: '2026-11-28T17:00:00.000Z' },
        { runId: 'run-1', endsAt: '2026-11-28T17:00:00.000Z' },
      ]);
      expect(buttons?.[1]?.confirm?.text.text).toContain('unpushed work is lost');
    });

    it('says stopping saves every home, not that work is lost, when the run keeps homes', () => {
      const message = warningMessage({ run: { ...run, work: { kind: 'blank' } }, endsAt, now, extendHours: 2, maxHours: 24 });

      expect(JSON.stringify(message.blocks)).toContain('Stopping saves every home for the next start.');
      expect(buttonsOf(message.blocks)?.[1]?.confirm?.text.text).toBe('The host is deleted; every home is saved for the next start.');
      expect(JSON.stringify(message.blocks)).not.toContain('unpushed');
    });

    it('offers no Extend button once the run may live no longer, and says why', () => {
      const message = warningMessage({ run, endsAt, now, extendHours: undefined, maxHours: 8 });

      expectWithinSlackLimits(message);
      expect(buttonsOf(message.blocks)?.map((button) => button.action_id)).toEqual([ACTION.stop]);
      expect(JSON.stringify(message.blocks)).toContain('It cannot be extended: a run lives at most 8 h.');
    });
  });

  it('reads back only button values it wrote', () => {
    expect(decodeButtonValue(encodeButtonValue({ runId: 'r', endsAt: '2026-11-28T17:00:00.000Z' }))).toEqual({ runId: 'r', endsAt: '2026-11-28T17:00:00.000Z' });
    expect(decodeButtonValue('not json')).toBeUndefined();
    expect(decodeButtonValue('{"runId":"r","endsAt":"soon"}')).toBeUndefined();
    expect(decodeButtonValue(undefined)).toBeUndefined();
  });

  it('says who extended the run, until when, and when it was capped', () => {
    const message = extendedMessage({ run, userId: 'U0000AAA1', endsAt: new Date('2026-11-28T19:00:00Z'), capped: true, maxHours: 10, warningMinutes: 15 });

    expectWithinSlackLimits(message);
    expect(message.text).toBe('<@U0000AAA1> extended the team IDEs <@U0000LEAD> started until <!date^1795892400^{date_short_pretty} {time}|2026-11-28T19:00:00Z>.');
    expect(JSON.stringify(message.blocks)).toContain('That is as long as a run may live: 10 h from its start.');
    expect(JSON.stringify(message.blocks)).toContain('again 15 minutes before');
    expect(buttonsOf(message.blocks)).toBeUndefined();
  });

  it('tells the channel the run reached its end and is being deleted', () => {
    expectWithinSlackLimits(runEndedMessage(run, endsAt, true));
    expect(runEndedMessage(run, endsAt, false).text).toBe('The team IDEs <@U0000LEAD> started reached their end at <!date^1795885200^{date_short_pretty} {time}|2026-11-28T17:00:00Z> and are being deleted.');
    expect(JSON.stringify(runEndedMessage(run, endsAt, true).blocks)).toContain('It was still starting');
  });

  it('answers a late press with the end the run has now', () => {
    expectWithinSlackLimits(alreadyExtendedMessage(new Date('2026-11-28T19:00:00Z')));
    expectWithinSlackLimits(alreadyStoppedMessage());
    expect(alreadyExtendedMessage(new Date('2026-11-28T19:00:00Z')).text).toContain('Already extended: the team IDEs now run until <!date^1795892400');
  });

  describe('statusMessage', () => {
    const stack: TeamStack = { stackId: 'arn', status: 'CREATE_COMPLETE', createdAt: new Date('2026-11-28T09:00:00Z'), run, outputs: {}, parameters: { InstanceType: 't3.large' } };

    it('shows the time left and the cost so far, labelled an estimate', () => {
      const cost = { instanceType: 't3.large' as const, region: 'us-west-2', usdPerHour: 0.0832, hours: 7.75, usd: 0.6448, approximateRegion: false };

      const message = statusMessage(stack, [], { endsAt, now, cost });

      expectWithinSlackLimits(message);
      const text = JSON.stringify(message.blocks);
      expect(text).toContain('ends <!date^1795885200^{date_short_pretty} {time}|2026-11-28T17:00:00Z> (15 min left)');
      expect(text).toContain('Cost so far: about $0.64 (t3.large at $0.0832 an hour in us-west-2, 7.8 h). An estimate');
    });

    it('marks a price borrowed from us-east-1', () => {
      expect(costLine({ instanceType: 't3.large', region: 'sa-east-1', usdPerHour: 0.0832, hours: 1, usd: 0.0832, approximateRegion: true })).toContain('in sa-east-1 (not in the price table: the us-east-1 price)');
    });
  });
});
