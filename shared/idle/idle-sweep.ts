import type { Config } from '../core/config';
import { claimLease } from '../core/ssm-lease';
import { parseTime } from '../core/time';
import { claimRunMarker, readRunMarker, releaseRunMarker, type RunKey, runMarkerName } from '../runs/run-markers';
import { postRunNews, type RunNewsDeps } from '../runs/run-news';
import { type RunStopDeps, stopRunOnce } from '../runs/run-stop';
import type { TeamStack } from '../stack/stack-gateway';
import { type RunTags, teamStackName } from '../stack/team-stack';
import { decideIdle, idleDeadlines, type OpenWarning } from './idle-decision';
import { clearWarning, claimWarning, readIdleMarkers, recordKept, recordWarningPosted, settleWarning, STALE_WARNING_CLAIM_MS } from './idle-markers';
import { hostSilentMessage, idleCancelledMessage, idleStatusLine, idleStoppedMessage, idleWarningMessage, seatStateNote } from './idle-messages';
import { assessIdle, type RunIdleState, type SeatState } from './idle-state';
import { readSeatReport, seatReportName } from './seat-report';

/** What the idle stop needs; the sweeper hands in its own. */
export interface IdleSweepDeps extends RunStopDeps, RunNewsDeps {
  config: Pick<Config, 'stackNamePrefix' | 'slackBotUserId' | 'idle'>;
}

/** A running run, as the sweeper found it at this tick. */
export interface IdleRun {
  stack: TeamStack;
  run: RunTags;
  runKey: RunKey;
  /** The run's current end, for the warning's Stop button and the silent host's message. */
  endsAt: Date;
  now: Date;
}

/** What the idle stop did at this tick, for the sweeper's outcome and logs. */
export type IdleOutcome = 'off' | RunIdleState['kind'] | 'silence-reported' | 'warned' | 'cancelled' | 'stopped' | 'already-stopping';

/** The template's RunId pattern: the report's name is built from it. */
const RUN_ID = /^[a-zA-Z0-9-]{1,64}$/;

/** The run's idleness, as the host last reported it: the state, and what it was measured against. */
export async function readRunIdleness(deps: Pick<IdleSweepDeps, 'ssm' | 'config'>, found: Pick<IdleRun, 'stack' | 'run' | 'runKey' | 'now'>): Promise<{ state: RunIdleState; warning?: OpenWarning }> {
  const runId = found.stack.parameters.RunId ?? '';
  if (!RUN_ID.test(runId)) return { state: { kind: 'unsupported' } };
  const [report, notified, markers] = await Promise.all([
    readSeatReport(deps.ssm, seatReportName(teamStackName(deps.config.stackNamePrefix), runId), found.run.slots),
    readRunMarker(deps.ssm, found.runKey, 'notified'),
    readIdleMarkers(deps.ssm, found.runKey),
  ]);
  // The developers could start once they were emailed; without that record, from the stack's creation.
  const readyAt = parseTime(notified) ?? found.stack.createdAt;
  const state = assessIdle({ now: found.now, slots: found.run.slots, readyAt, report, silentMs: deps.config.idle.silentMs, ...(markers.keptAt ? { keptAt: markers.keptAt } : {}) });
  return { state, ...(markers.warning ? { warning: markers.warning } : {}) };
}

/**
 * One tick of the idle stop for a run that is up: reads what the host reported, then warns
 * the channel once every seat has gone unused for IDLE_MINUTES, edits the warning when
 * someone is back, stops the run WARNING_MINUTES after the warning if nobody was, and says
 * once when the host stopped reporting (an unknown run is never stopped). Each step claims
 * a marker first (shared/idle/idle-markers.ts), so overlapping ticks and the buttons do it once.
 */
export async function sweepIdleRun(deps: IdleSweepDeps, idle: IdleRun): Promise<IdleOutcome> {
  if (deps.config.idle.afterMs === 0) return 'off';
  const { state, warning: found } = await readRunIdleness(deps, idle);
  let warning = found;
  if (warning && !warning.posted && idle.now.getTime() - warning.warnedAt.getTime() >= STALE_WARNING_CLAIM_MS) {
    // A tick claimed the warning and died before posting it: nobody was warned, so nothing may stop on it.
    await giveUpStaleWarning(deps, idle, warning);
    warning = undefined;
  }
  const action = decideIdle({ state, warning, now: idle.now, afterMs: deps.config.idle.afterMs, warningMs: deps.config.idle.warningMs });
  switch (action.kind) {
    case 'none':
      return state.kind;
    case 'report-silence':
      return reportSilence(deps, idle, state.kind === 'silent' ? state.lastReportAt : idle.now);
    case 'warn':
      return warn(deps, idle, action.idleSince);
    case 'cancel':
      return cancel(deps, idle, action.warning, state);
    case 'stop':
      return stop(deps, idle, action.warning);
  }
}

/**
 * Removes a warning claim whose tick died, once: two ticks that both found it stale would
 * otherwise both delete it, the second deleting the claim the first made since, and both warn.
 * Only the holder of the takeover lease deletes; a holder that died too is stepped over once its
 * lease is STALE_WARNING_CLAIM_MS old (longer than a sweeper runs, so it cannot still be at work).
 * The lease is never given back, or a slow tick that read the stale claim could take it and
 * delete the next warning; it goes with the run's other markers.
 */
async function giveUpStaleWarning(deps: IdleSweepDeps, idle: IdleRun, stale: OpenWarning): Promise<void> {
  const lease = await claimLease({
    ssm: deps.ssm,
    nameOf: (attempt) => runMarkerName(idle.runKey, `idle-takeover-${stale.warnedAt.getTime()}-${attempt}`),
    leaseMs: STALE_WARNING_CLAIM_MS,
    now: () => idle.now,
    description: 'team-ide: a tick is giving up an idle warning that never went out (removed when the run is stopped)',
  });
  if (!lease) return;
  deps.logger.warn('Stale idle warning claim given up', { runId: idle.run.runId, warnedAt: stale.warnedAt.toISOString() });
  await clearWarning(deps.ssm, idle.runKey);
}

async function reportSilence(deps: IdleSweepDeps, idle: IdleRun, lastReportAt: Date): Promise<IdleOutcome> {
  if (!(await claimRunMarker(deps.ssm, idle.runKey, 'host-silent-reported', idle.now))) return 'silent';
  try {
    await postRunNews(deps, idle.run, hostSilentMessage(idle.run, lastReportAt, idle.endsAt));
  } catch (error) {
    await releaseRunMarker(deps.ssm, idle.runKey, 'host-silent-reported');
    throw error;
  }
  deps.logger.warn('The host is not reporting its seats', { runId: idle.run.runId, lastReportAt: lastReportAt.toISOString() });
  return 'silence-reported';
}

async function warn(deps: IdleSweepDeps, idle: IdleRun, idleSince: Date): Promise<IdleOutcome> {
  const warning: OpenWarning = { idleSince, warnedAt: idle.now };
  if (!(await claimWarning(deps.ssm, idle.runKey, warning))) return 'idle';
  const stopsAt = new Date(idle.now.getTime() + deps.config.idle.warningMs);
  let posted;
  try {
    posted = await postRunNews(deps, idle.run, idleWarningMessage({ run: idle.run, idleSince, now: idle.now, stopsAt, endsAt: idle.endsAt }));
  } catch (error) {
    // Give the claim back: the next tick warns again.
    await clearWarning(deps.ssm, idle.runKey);
    throw error;
  }
  await recordWarningPosted(deps.ssm, idle.runKey, { ...warning, posted: { channel: posted.channel, ts: posted.ts } });
  deps.logger.info('Idle run warned', { runId: idle.run.runId, idleSince: idleSince.toISOString(), stopsAt: stopsAt.toISOString() });
  return 'warned';
}

/** Someone is back: the warning says so, and no longer counts. */
async function cancel(deps: IdleSweepDeps, idle: IdleRun, warning: OpenWarning, state: RunIdleState): Promise<IdleOutcome> {
  const settled = await settleWarning(deps.ssm, idle.runKey, warning.idleSince, { kind: 'active', at: idle.now });
  // Kept by a press (which edited the warning itself), or an earlier tick that died before clearing it.
  if (settled.won || settled.settled?.kind === 'active') {
    const connected = state.kind === 'in-use' ? [...state.seats].filter(([, seat]) => seat.kind === 'connected').map(([slot]) => slot) : [];
    if (warning.posted) await deps.slack.updateMessage(warning.posted, idleCancelledMessage(idle.run, connected, deps.config.idle.afterMs));
  } else if (settled.settled?.kind === 'kept') {
    await recordKept(deps.ssm, idle.runKey, settled.settled.at);
  }
  await clearWarning(deps.ssm, idle.runKey);
  deps.logger.info('Idle warning settled: the run is in use', { runId: idle.run.runId, idleSince: warning.idleSince.toISOString() });
  return 'cancelled';
}

async function stop(deps: IdleSweepDeps, idle: IdleRun, warning: OpenWarning): Promise<IdleOutcome> {
  const settled = await settleWarning(deps.ssm, idle.runKey, warning.idleSince, { kind: 'stopped', at: idle.now });
  if (!settled.won && settled.settled?.kind !== 'stopped') {
    // Someone pressed "Keep running" first, or was back: the press (or the next tick) edits the warning.
    if (settled.settled?.kind === 'kept') await recordKept(deps.ssm, idle.runKey, settled.settled.at);
    await clearWarning(deps.ssm, idle.runKey);
    return settled.settled?.kind === 'kept' ? 'idle' : 'cancelled';
  }
  if ((await stopRunOnce(deps, idle.stack)) === 'already-stopping') {
    deps.logger.info('Run already stopping', { runId: idle.run.runId });
    return 'already-stopping';
  }
  try {
    if (warning.posted) await deps.slack.updateMessage(warning.posted, idleStoppedMessage(idle.run, warning.idleSince));
  } catch (error) {
    // The deletion is under way and DELETE_COMPLETE will be reported: log, do not retry.
    deps.logger.error('Could not edit the idle warning', { runId: idle.run.runId, error: error as Error });
  }
  deps.logger.info('Run stopped for idleness', { stackId: idle.stack.stackId, runId: idle.run.runId, idleSince: warning.idleSince.toISOString() });
  return 'stopped';
}

/** What `/ide status` shows of the idle stop: each seat's state, and when the run stops for idleness (or why not). */
export async function idleStatus(deps: Pick<IdleSweepDeps, 'ssm' | 'config'>, found: Pick<IdleRun, 'stack' | 'run' | 'runKey' | 'now'>): Promise<{ seatNotes: ReadonlyMap<number, string>; line?: string }> {
  const { state, warning } = await readRunIdleness(deps, found);
  const seats = 'seats' in state ? state.seats : new Map<number, SeatState>();
  const deadlines = state.kind === 'idle' ? idleDeadlines(state, warning, deps.config.idle) : undefined;
  const line = idleStatusLine({ state, afterMs: deps.config.idle.afterMs, now: found.now, ...(deadlines ? { deadlines } : {}) });
  return { seatNotes: new Map([...seats].map(([slot, seat]) => [slot, seatStateNote(seat)])), ...(line ? { line } : {}) };
}
