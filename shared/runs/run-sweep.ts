import type { Config } from '../core/config';
import { runEndedMessage, warningMessage } from './lifetime-messages';
import {
  decodeEndFate,
  encodeEndFate,
  endMarker,
  extendedEnd,
  readRunEnd,
  runKeyOf,
  SWEPT_STATUSES,
  sweepDecision,
  warnedMarker,
} from './run-lifetime';
import { claimRunMarker, readRunMarker, releaseRunMarker, type RunKey, writeRunMarker } from './run-markers';
import { postRunNews } from './run-news';
import { ensureNotified, type RepairDeps, type RepairOutcome, repairStuckRun } from './run-repair';
import { stopRunOnce } from './run-stop';
import { type IdleOutcome, sweepIdleRun } from '../idle/idle-sweep';
import { describeTeamStack, type TeamStack } from '../stack/stack-gateway';
import { type RunTags, teamStackName } from '../stack/team-stack';

/** What the sweeper needs; tests and the sandbox hand in mocked clients, a recording poster and a clock. */
export interface SweepDeps extends RepairDeps {
  config: RepairDeps['config'] & Pick<Config, 'warningMinutes' | 'extendHours' | 'maxHours' | 'idle'>;
}

/** What one tick did, for the logs and for whoever invokes the sweeper by hand (the sandbox). */
export type SweepOutcome =
  | { action: 'idle' }
  | { action: 'ignored'; status: string }
  | { action: 'repaired'; status: string; repair: RepairOutcome }
  | { action: 'waiting'; endsAt: string; repair?: RepairOutcome; idle?: IdleOutcome }
  | { action: 'warned'; endsAt: string; idle?: IdleOutcome }
  | { action: 'stopped'; endsAt: string }
  | { action: 'stopped-idle'; endsAt: string }
  | { action: 'already-stopping'; endsAt: string };

/** What the idle stop did that the sweeper's outcome reports: not its quiet states. */
const QUIET_IDLE: readonly (IdleOutcome | undefined)[] = [undefined, 'off', 'unsupported'];

interface SweptRun {
  stack: TeamStack;
  run: RunTags;
  runKey: RunKey;
  endsAt: Date;
  now: Date;
}

/**
 * One tick of the cost guard, every minute: reads the team stack; from `WARNING_MINUTES`
 * before its end warns the channel once (per end: an extension re-arms the warning); from
 * its end on deletes it as `/ide stop` does and tells the channel. Every step claims a run
 * marker first, so overlapping ticks, a double-pressed button or a racing `/ide stop` do it
 * once. Being the only mechanism, it is also the safety sweep: whatever was lost, the next
 * tick finds a run past its end. The same tick repairs what a lost event or job left
 * undone (shared/runs/run-repair.ts).
 */
export async function sweepTeamRun(deps: SweepDeps): Promise<SweepOutcome> {
  const stack = await describeTeamStack(deps.cloudFormation, teamStackName(deps.config.stackNamePrefix));
  if (!stack) {
    deps.logger.debug('Nothing running');
    return { action: 'idle' };
  }
  const runKey = runKeyOf(deps.config.stackNamePrefix, stack.stackId);
  if (!stack.run || !runKey || !SWEPT_STATUSES.includes(stack.status)) {
    const repair = stack.run && runKey ? await repairStuckRun(deps, { stack, run: stack.run, runKey }) : undefined;
    if (repair) return { action: 'repaired', status: stack.status, repair };
    // Stopping, or not the launcher's: nothing to guard.
    deps.logger.debug('Team stack not swept', { stackId: stack.stackId, status: stack.status, hasRunTags: Boolean(stack.run) });
    return { action: 'ignored', status: stack.status };
  }
  const now = deps.now();
  const swept: SweptRun = { stack, run: stack.run, runKey, now, endsAt: await readRunEnd(deps.ssm, runKey, stack, deps.config.maxHours) };
  const decision = sweepDecision({ endsAt: swept.endsAt, now, warningMinutes: deps.config.warningMinutes });
  if (decision === 'stop') return stop(deps, swept);
  const repair = stack.status === 'CREATE_COMPLETE' ? await ensureNotified(deps, { stack, run: stack.run, runKey }) : undefined;
  const idle = stack.status === 'CREATE_COMPLETE' ? await sweepIdle(deps, swept) : undefined;
  if (idle === 'stopped' || idle === 'already-stopping') return { action: idle === 'stopped' ? 'stopped-idle' : 'already-stopping', endsAt: swept.endsAt.toISOString() };
  const idleField = QUIET_IDLE.includes(idle) ? {} : { idle };
  // A run still starting is not warned (nobody works on it yet), but it is stopped at its end.
  if (decision === 'warn' && stack.status === 'CREATE_COMPLETE') return { ...(await warn(deps, swept)), ...idleField };
  return { action: 'waiting', endsAt: swept.endsAt.toISOString(), ...(repair ? { repair } : {}), ...idleField };
}

/**
 * The idle stop (shared/idle/idle-sweep.ts). Its failure (Slack or SSM unreachable) is
 * logged and does not hold up the end of the run, the guard that always applies: the next
 * tick tries again.
 */
async function sweepIdle(deps: SweepDeps, swept: SweptRun): Promise<IdleOutcome | undefined> {
  try {
    return await sweepIdleRun(deps, swept);
  } catch (error) {
    deps.logger.error('Idle check failed', { ...logFields(swept), error: error as Error });
    return undefined;
  }
}

async function warn(deps: SweepDeps, swept: SweptRun): Promise<SweepOutcome> {
  const endsAt = swept.endsAt.toISOString();
  const marker = warnedMarker(swept.endsAt);
  if (!(await claimRunMarker(deps.ssm, swept.runKey, marker, swept.now))) return { action: 'waiting', endsAt };
  const extension = extendedEnd({ endsAt: swept.endsAt, createdAt: swept.stack.createdAt, extendHours: deps.config.extendHours, maxHours: deps.config.maxHours });
  const message = warningMessage({
    run: swept.run,
    endsAt: swept.endsAt,
    now: swept.now,
    extendHours: extension ? deps.config.extendHours : undefined,
    maxHours: deps.config.maxHours,
  });
  try {
    await postRunNews(deps, swept.run, message);
  } catch (error) {
    // Give the claim back: the next tick tries the warning again.
    await releaseRunMarker(deps.ssm, swept.runKey, marker);
    throw error;
  }
  deps.logger.info('End of run announced', logFields(swept));
  return { action: 'warned', endsAt };
}

async function stop(deps: SweepDeps, swept: SweptRun): Promise<SweepOutcome> {
  const endsAt = swept.endsAt.toISOString();
  const marker = endMarker(swept.endsAt);
  if (!(await claimRunMarker(deps.ssm, swept.runKey, marker, swept.now, encodeEndFate({ kind: 'reached' })))) {
    const fate = decodeEndFate(await readRunMarker(deps.ssm, swept.runKey, marker));
    if (fate?.kind === 'extended') {
      // Someone pressed "Extend" first. Should the new end not have been written (the press
      // died after its claim), write it here, so the run still stops at its new end.
      await writeRunMarker(deps.ssm, swept.runKey, 'ends-at', fate.endsAt.toISOString());
      deps.logger.info('Run was extended in time', { ...logFields(swept), newEndsAt: fate.endsAt.toISOString() });
      return { action: 'waiting', endsAt: fate.endsAt.toISOString() };
    }
    // An earlier tick reached this end; its stop may not have finished: the stop claim decides.
  }
  if ((await stopRunOnce(deps, swept.stack)) === 'already-stopping') {
    deps.logger.info('Run already stopping', logFields(swept));
    return { action: 'already-stopping', endsAt };
  }
  try {
    await postRunNews(deps, swept.run, runEndedMessage(swept.run, swept.endsAt, swept.stack.status === 'CREATE_IN_PROGRESS'));
  } catch (error) {
    // The deletion is under way and DELETE_COMPLETE will be reported: log, do not retry.
    deps.logger.error('Could not post to the channel', { ...logFields(swept), channel: swept.run.channel, error: error as Error });
  }
  deps.logger.info('Run stopped at its end', logFields(swept));
  return { action: 'stopped', endsAt };
}

const logFields = (swept: SweptRun) => ({ stackId: swept.stack.stackId, runId: swept.run.runId, endsAt: swept.endsAt.toISOString() });
