import type { RunIdleState } from './idle-state';

/**
 * What the sweeper does about a run's idleness at one tick. Pure: the state, the warning
 * out (if any) and the clock are given.
 */

/** The idle warning the channel has, as its marker keeps it (shared/idle/idle-markers.ts). */
export interface OpenWarning {
  /** The idle time it was posted for: the run has been idle since then. */
  idleSince: Date;
  warnedAt: Date;
  /** Where it was posted; absent until the post went out. */
  posted?: { channel: string; ts: string };
}

export type IdleAction =
  | { kind: 'none' }
  /** The host is not reporting: say so (once), warn and stop nothing. */
  | { kind: 'report-silence' }
  | { kind: 'warn'; idleSince: Date }
  /** Someone used the run after the warning: the warning is settled, the run keeps running. */
  | { kind: 'cancel'; warning: OpenWarning }
  | { kind: 'stop'; warning: OpenWarning };

export interface IdleDecisionInput {
  state: RunIdleState;
  warning: OpenWarning | undefined;
  now: Date;
  /** IDLE_MINUTES; 0: no idle stop. */
  afterMs: number;
  /** WARNING_MINUTES: from the warning to the stop. */
  warningMs: number;
}

export function decideIdle(input: IdleDecisionInput): IdleAction {
  const { state, warning, now } = input;
  if (input.afterMs === 0) return { kind: 'none' };
  switch (state.kind) {
    case 'unsupported':
    case 'uncertain':
      return { kind: 'none' };
    case 'silent':
      return { kind: 'report-silence' };
    case 'in-use':
      return warning ? { kind: 'cancel', warning } : { kind: 'none' };
    case 'idle':
      if (warning) {
        // A later idle time means someone used the run (or kept it) after the warning.
        if (warning.idleSince.getTime() !== state.since.getTime()) return { kind: 'cancel', warning };
        // Never a stop the channel was not warned of: the warning must have gone out.
        return warning.posted && now.getTime() - warning.warnedAt.getTime() >= input.warningMs ? { kind: 'stop', warning } : { kind: 'none' };
      }
      return now.getTime() - state.since.getTime() >= input.afterMs ? { kind: 'warn', idleSince: state.since } : { kind: 'none' };
  }
}

/** When the warning comes and when the run stops, if nobody uses it: for `/ide status` and the messages. */
export function idleDeadlines(state: Extract<RunIdleState, { kind: 'idle' }>, warning: OpenWarning | undefined, settings: { afterMs: number; warningMs: number }): { warnAt: Date; stopAt: Date } {
  const open = warning && warning.idleSince.getTime() === state.since.getTime() ? warning : undefined;
  const warnAt = open ? open.warnedAt : new Date(state.since.getTime() + settings.afterMs);
  return { warnAt, stopAt: new Date(warnAt.getTime() + settings.warningMs) };
}
