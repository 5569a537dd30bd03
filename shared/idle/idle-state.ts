import type { SeatReport } from './seat-report';

/**
 * What "idle" means, from the host's last report (shared/idle/seat-report.ts). Pure: the
 * clock and every input are given.
 *
 * A seat is in use while code-server says "alive": a browser is connected (a tab left open
 * counts) or a request came in the last minute. It is idle since its last heartbeat once
 * code-server says "expired", and a seat nobody ever opened is idle since the run was ready.
 * A run is idle when every seat is, since the latest of those times, of the run's readiness
 * and of the last "Keep running". Whatever cannot be known (no answer from a seat, no report
 * from the host for `silentMs`) is unknown, and an unknown run is never idle.
 */

export type SeatState =
  | { kind: 'connected' }
  | { kind: 'idle'; since: Date }
  | { kind: 'never-opened' }
  | { kind: 'not-answering' }
  | { kind: 'not-reported' };

export type RunIdleState =
  /** The run has no report to read: its stack predates the idle stop. */
  | { kind: 'unsupported' }
  /** The host has not reported for `silentMs`: unknown, never idle. */
  | { kind: 'silent'; lastReportAt: Date }
  /** Some seat could not be read, and none is in use: unknown, never idle. */
  | { kind: 'uncertain'; seats: ReadonlyMap<number, SeatState> }
  | { kind: 'in-use'; seats: ReadonlyMap<number, SeatState> }
  | { kind: 'idle'; since: Date; seats: ReadonlyMap<number, SeatState> };

export interface IdleInput {
  now: Date;
  /** The run's seats. */
  slots: readonly number[];
  /** When the developers could start: the run was ready and the emails went out. */
  readyAt: Date;
  /** The last "Keep running": the idle clock starts again from there. */
  keptAt?: Date;
  /** Undefined when the run has no report parameter. */
  report: SeatReport | undefined;
  silentMs: number;
}

const latest = (dates: readonly Date[]): Date => new Date(Math.max(...dates.map((date) => date.getTime())));

/** Each seat's state and the run's. */
export function assessIdle(input: IdleInput): RunIdleState {
  const { report } = input;
  if (!report) return { kind: 'unsupported' };
  // The host gets `silentMs` after the run is ready before its silence counts.
  if (input.now.getTime() - latest([report.receivedAt, input.readyAt]).getTime() >= input.silentMs) return { kind: 'silent', lastReportAt: report.receivedAt };
  const seats = new Map<number, SeatState>(input.slots.map((slot) => [slot, seatState(report, slot)]));
  const states = [...seats.values()];
  if (states.some((seat) => seat.kind === 'connected')) return { kind: 'in-use', seats };
  if (states.some((seat) => seat.kind === 'not-answering' || seat.kind === 'not-reported')) return { kind: 'uncertain', seats };
  const lastUses = states.flatMap((seat) => (seat.kind === 'idle' ? [seat.since] : []));
  return { kind: 'idle', since: latest([input.readyAt, ...(input.keptAt ? [input.keptAt] : []), ...lastUses]), seats };
}

function seatState(report: SeatReport, slot: number): SeatState {
  const reading = report.seats.get(slot);
  if (!reading) return { kind: 'not-reported' };
  if (reading.status === 'alive') return { kind: 'connected' };
  if (reading.status === 'unreachable') return { kind: 'not-answering' };
  // A heartbeat the host dated after its own report is a clock gone wrong: it counts as the report's time.
  if (reading.lastHeartbeat) return { kind: 'idle', since: reading.lastHeartbeat.getTime() > report.receivedAt.getTime() ? report.receivedAt : reading.lastHeartbeat };
  return { kind: 'never-opened' };
}
