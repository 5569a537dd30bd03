import type { ActionsBlock, Button } from '@slack/types';
import { describe, expect, it } from 'vitest';
import {
  decodeKeepValue,
  encodeKeepValue,
  hostSilentMessage,
  idleAlreadySettledMessage,
  idleCancelledMessage,
  idleDuration,
  idleKeptMessage,
  idleStatusLine,
  idleStoppedMessage,
  idleWarningMessage,
} from '../../../shared/idle/idle-messages';
import { decodeButtonValue } from '../../../shared/runs/lifetime-messages';
import type { RunTags } from '../../../shared/stack/team-stack';
import { expectWithinSlackLimits } from '../../helpers/slack-limits';

const run: RunTags = { runId: 'run-1', requestedBy: 'U0000LEAD', requestedByName: 'lead', channel: 'C0000TEAM', slots: [1, 2], hours: 8, endsAt: '2026-11-28T17:00:00.000Z' };
const at = (time: string) => new Date(`2026-11-28T${time}Z`);
const buttonsOf = (blocks: unknown[] | undefined) => ((blocks ?? []).find((block) => (block as ActionsBlock).type === 'actions') as ActionsBlock | undefined)?.elements as Button[] | undefined;

describe('idle messages', () => {
  it('warns with "Keep running" for this idle spell and the same "Stop now" as before the end', () => {
    const message = idleWarningMessage({ run, idleSince: at('09:03:00'), now: at('09:33:00'), stopsAt: at('09:48:00'), endsAt: at('17:00:00') });

    expectWithinSlackLimits(message);
    const [keep, stop] = buttonsOf(message.blocks) ?? [];
    expect(keep).toMatchObject({ action_id: 'keep_running', style: 'primary', text: { text: 'Keep running' } });
    expect(decodeKeepValue(keep?.value)).toEqual({ runId: 'run-1', idleSince: '2026-11-28T09:03:00.000Z' });
    expect(stop).toMatchObject({ action_id: 'stop_run', style: 'danger', text: { text: 'Stop now' } });
    expect(decodeButtonValue(stop?.value)).toEqual({ runId: 'run-1', endsAt: '2026-11-28T17:00:00.000Z' });
    expect(stop?.confirm?.title?.text).toBe('Stop the team IDEs?');
    // What counts as use, said where the warning is read.
    expect(JSON.stringify(message.blocks)).toContain('a tab left open counts');
  });

  it('leaves no buttons on a settled warning, and keeps every message within Slack\'s limits', () => {
    const settled = [
      idleCancelledMessage(run, [1, 2], 30 * 60_000),
      idleKeptMessage({ run, userId: 'U0000AAA1', nextWarningAt: at('10:05:00'), afterMs: 30 * 60_000 }),
      idleStoppedMessage(run, at('09:03:00')),
    ];
    for (const message of [...settled, idleAlreadySettledMessage({ kind: 'kept', userId: 'U0000AAA1' }), idleAlreadySettledMessage({ kind: 'active' }), hostSilentMessage(run, at('09:20:00'), at('17:00:00'))]) {
      expectWithinSlackLimits(message);
    }
    expect(settled.map((message) => buttonsOf(message.blocks))).toEqual([undefined, undefined, undefined]);
  });

  it('says stopping saves every home when the run keeps them, as the warning before the end does', () => {
    const keeping: RunTags = { ...run, work: { kind: 'blank' } };

    const warning = idleWarningMessage({ run: keeping, idleSince: at('09:03:00'), now: at('09:33:00'), stopsAt: at('09:48:00'), endsAt: at('17:00:00') });
    const stopped = idleStoppedMessage(keeping, at('09:03:00'));

    expect(JSON.stringify(warning.blocks)).toContain('Stopping saves every home for the next start.');
    expect(buttonsOf(warning.blocks)?.[1]?.confirm?.text.text).toBe('The host is deleted; every home is saved for the next start.');
    expect(JSON.stringify(stopped.blocks)).toContain('Every home is saved in a snapshot for the next start.');
    expect(JSON.stringify(idleStoppedMessage(run, at('09:03:00')).blocks)).not.toContain('saved');
  });

  it('refuses a Keep value this version did not write', () => {
    expect(decodeKeepValue(encodeKeepValue({ runId: 'run-1', idleSince: '2026-11-28T09:03:00.000Z' }))).toEqual({ runId: 'run-1', idleSince: '2026-11-28T09:03:00.000Z' });
    expect(decodeKeepValue('{"runId":"run-1","idleSince":"soon"}')).toBeUndefined();
    expect(decodeKeepValue('{"runId":"run-1","endsAt":"2026-11-28T17:00:00.000Z"}')).toBeUndefined();
    expect(decodeKeepValue(undefined)).toBeUndefined();
  });

  it('says durations in minutes, and in seconds on the sandbox\'s fast clock', () => {
    expect(idleDuration(30 * 60_000)).toBe('30 min');
    expect(idleDuration(5_000)).toBe('5 s');
  });

  it('has no status line for a run that predates the idle stop', () => {
    expect(idleStatusLine({ state: { kind: 'unsupported' }, afterMs: 30 * 60_000, now: at('10:00:00') })).toBeUndefined();
  });
});
