import { describe, expect, it } from 'vitest';
import { decideIdle, idleDeadlines, type IdleDecisionInput, type OpenWarning } from '../../../shared/idle/idle-decision';
import type { RunIdleState } from '../../../shared/idle/idle-state';

const at = (time: string) => new Date(`2026-11-28T${time}Z`);
const MINUTE = 60_000;
const seats = new Map();
const idleSince = (time: string): RunIdleState => ({ kind: 'idle', since: at(time), seats });
const posted = { channel: 'C0000TEAM', ts: '1764320000.000001' };

function decide(state: RunIdleState, now: string, warning?: OpenWarning, afterMs = 30 * MINUTE): ReturnType<typeof decideIdle> {
  const input: IdleDecisionInput = { state, warning, now: at(now), afterMs, warningMs: 15 * MINUTE };
  return decideIdle(input);
}

describe('decideIdle', () => {
  it('warns once the run has been idle for IDLE_MINUTES, not before', () => {
    expect(decide(idleSince('09:03:00'), '09:32:59')).toEqual({ kind: 'none' });
    expect(decide(idleSince('09:03:00'), '09:33:00')).toEqual({ kind: 'warn', idleSince: at('09:03:00') });
  });

  it('stops WARNING_MINUTES after a posted warning if the run stayed idle', () => {
    const warning = { idleSince: at('09:03:00'), warnedAt: at('09:33:00'), posted };

    expect(decide(idleSince('09:03:00'), '09:47:59', warning)).toEqual({ kind: 'none' });
    expect(decide(idleSince('09:03:00'), '09:48:00', warning)).toEqual({ kind: 'stop', warning });
  });

  it('never stops on a warning that did not go out', () => {
    expect(decide(idleSince('09:03:00'), '10:30:00', { idleSince: at('09:03:00'), warnedAt: at('09:33:00') })).toEqual({ kind: 'none' });
  });

  it('settles the warning when someone is back, or used the run since it', () => {
    const warning = { idleSince: at('09:03:00'), warnedAt: at('09:33:00'), posted };

    expect(decide({ kind: 'in-use', seats }, '09:40:00', warning)).toEqual({ kind: 'cancel', warning });
    expect(decide(idleSince('09:38:00'), '09:40:00', warning)).toEqual({ kind: 'cancel', warning });
  });

  it('neither warns nor stops an unknown run, and keeps its warning out', () => {
    const warning = { idleSince: at('09:03:00'), warnedAt: at('09:33:00'), posted };

    expect(decide({ kind: 'uncertain', seats }, '11:00:00', warning)).toEqual({ kind: 'none' });
    expect(decide({ kind: 'silent', lastReportAt: at('09:30:00') }, '11:00:00', warning)).toEqual({ kind: 'report-silence' });
    expect(decide({ kind: 'unsupported' }, '11:00:00')).toEqual({ kind: 'none' });
  });

  it('does nothing with IDLE_MINUTES=0', () => {
    expect(decide(idleSince('09:03:00'), '16:00:00', undefined, 0)).toEqual({ kind: 'none' });
  });
});

describe('idleDeadlines', () => {
  const settings = { afterMs: 30 * MINUTE, warningMs: 15 * MINUTE };

  it('puts the warning IDLE_MINUTES after the last use and the stop WARNING_MINUTES after that', () => {
    expect(idleDeadlines({ kind: 'idle', since: at('09:03:00'), seats }, undefined, settings)).toEqual({ warnAt: at('09:33:00'), stopAt: at('09:48:00') });
  });

  it('counts from the warning out, when it is for this idle spell', () => {
    const state = { kind: 'idle' as const, since: at('09:03:00'), seats };

    expect(idleDeadlines(state, { idleSince: at('09:03:00'), warnedAt: at('09:35:00'), posted }, settings)).toEqual({ warnAt: at('09:35:00'), stopAt: at('09:50:00') });
    expect(idleDeadlines(state, { idleSince: at('08:00:00'), warnedAt: at('08:30:00'), posted }, settings)).toEqual({ warnAt: at('09:33:00'), stopAt: at('09:48:00') });
  });
});
