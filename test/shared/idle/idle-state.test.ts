import { describe, expect, it } from 'vitest';
import { assessIdle, type IdleInput } from '../../../shared/idle/idle-state';
import type { SeatReading } from '../../../shared/idle/seat-report';

const at = (time: string) => new Date(`2026-11-28T${time}Z`);
const MINUTE = 60_000;

/** Slots 1, 2 and 5, ready at 09:03, the host's last report a minute ago. */
function input(seats: Record<number, SeatReading>, extra: Partial<IdleInput> = {}): IdleInput {
  return {
    now: at('10:00:00'),
    slots: [1, 2, 5],
    readyAt: at('09:03:00'),
    report: { receivedAt: at('09:59:00'), seats: new Map(Object.entries(seats).map(([slot, reading]) => [Number(slot), reading])) },
    silentMs: 5 * MINUTE,
    ...extra,
  };
}

const neverOpened: SeatReading = { status: 'expired' };
const usedAt = (time: string): SeatReading => ({ status: 'expired', lastHeartbeat: at(time) });

describe('assessIdle', () => {
  it('finds a run idle since it was ready when nobody ever opened an IDE', () => {
    const state = assessIdle(input({ 1: neverOpened, 2: neverOpened, 5: neverOpened }));

    expect(state).toMatchObject({ kind: 'idle', since: at('09:03:00') });
    expect(state.kind === 'idle' && [...state.seats.values()]).toEqual([{ kind: 'never-opened' }, { kind: 'never-opened' }, { kind: 'never-opened' }]);
  });

  it('finds a run idle since its last use: the latest heartbeat of any seat', () => {
    const state = assessIdle(input({ 1: usedAt('09:20:00'), 2: usedAt('09:41:30'), 5: neverOpened }));

    expect(state).toMatchObject({ kind: 'idle', since: at('09:41:30') });
    expect(state.kind === 'idle' && state.seats.get(2)).toEqual({ kind: 'idle', since: at('09:41:30') });
  });

  it('finds a run in use while one seat is connected, whatever the others', () => {
    const state = assessIdle(input({ 1: neverOpened, 2: { status: 'alive', lastHeartbeat: at('09:59:30') }, 5: { status: 'unreachable' } }));

    expect(state.kind).toBe('in-use');
  });

  it('starts the idle clock again at the last "Keep running"', () => {
    expect(assessIdle(input({ 1: usedAt('09:20:00'), 2: neverOpened, 5: neverOpened }, { keptAt: at('09:50:00') }))).toMatchObject({ kind: 'idle', since: at('09:50:00') });
  });

  it('is never idle while a seat does not answer or was not reported', () => {
    expect(assessIdle(input({ 1: neverOpened, 2: { status: 'unreachable' }, 5: neverOpened })).kind).toBe('uncertain');
    expect(assessIdle(input({ 1: neverOpened, 2: neverOpened })).kind).toBe('uncertain');
  });

  it('counts a host that has not reported for five minutes as silent: unknown, never idle', () => {
    const stale = input({ 1: neverOpened, 2: neverOpened, 5: neverOpened }, { report: { receivedAt: at('09:55:00'), seats: new Map() } });

    expect(assessIdle(stale)).toEqual({ kind: 'silent', lastReportAt: at('09:55:00') });
    expect(assessIdle({ ...stale, now: at('09:59:59') }).kind).toBe('uncertain');
  });

  it('gives the host five minutes after the run is ready before its silence counts', () => {
    const fresh = input({}, { readyAt: at('09:57:00'), report: { receivedAt: at('09:40:00'), seats: new Map() } });

    expect(assessIdle(fresh).kind).toBe('uncertain');
    expect(assessIdle({ ...fresh, now: at('10:02:00') }).kind).toBe('silent');
  });

  it('takes a heartbeat dated after the report as the report\'s time', () => {
    const state = assessIdle(input({ 1: usedAt('11:00:00'), 2: neverOpened, 5: neverOpened }));

    expect(state).toMatchObject({ kind: 'idle', since: at('09:59:00') });
  });

  it('has nothing to say about a run without a report', () => {
    expect(assessIdle(input({}, { report: undefined }))).toEqual({ kind: 'unsupported' });
  });
});
