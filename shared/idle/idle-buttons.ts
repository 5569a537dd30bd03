import type { Config } from '../core/config';
import { alreadyStoppedMessage } from '../runs/lifetime-messages';
import { authorizePresser, type ButtonPress, type ButtonReply, findRunningRun, type RunButtonDeps } from '../runs/run-buttons';
import { clearWarning, readIdleMarkers, recordKept, settleWarning } from './idle-markers';
import { decodeKeepValue, idleAlreadySettledMessage, idleKeptMessage } from './idle-messages';

/** What "Keep running" needs: the warning's buttons' deps, and the idle clock. */
export interface IdleButtonDeps extends RunButtonDeps {
  config: RunButtonDeps['config'] & Pick<Config, 'idle'>;
}

/**
 * "Keep running" on the idle warning: starts the idle clock again, once per warning. The press
 * claims the warning's settlement, which the sweeper claims too before stopping the run for
 * idleness, so a double press keeps it once and a press racing the stop either keeps the run
 * or finds it stopping, never both. ("Stop now" is the same button as on the warning before
 * the end: shared/runs/run-buttons.ts.)
 */
export async function pressKeepRunning(deps: IdleButtonDeps, press: ButtonPress): Promise<ButtonReply> {
  authorizePresser(deps, press);
  const target = decodeKeepValue(press.value);
  const found = target && (await findRunningRun(deps, target.runId));
  if (!target || !found) return { mode: 'replace', message: alreadyStoppedMessage() };
  const idleSince = new Date(target.idleSince);
  const now = deps.now();
  const settled = await settleWarning(deps.ssm, found.runKey, idleSince, { kind: 'kept', at: now, userId: press.userId });
  if (!settled.won) {
    deps.logger.info('Idle warning already settled', { runId: found.run.runId, userId: press.userId, settled: settled.settled?.kind });
    if (settled.settled?.kind === 'kept') return { mode: 'ephemeral', message: idleAlreadySettledMessage({ kind: 'kept', userId: settled.settled.userId }) };
    if (settled.settled?.kind === 'active') return { mode: 'ephemeral', message: idleAlreadySettledMessage({ kind: 'active' }) };
    return { mode: 'replace', message: alreadyStoppedMessage() };
  }
  await recordKept(deps.ssm, found.runKey, now);
  const { warning } = await readIdleMarkers(deps.ssm, found.runKey);
  if (warning?.idleSince.getTime() === idleSince.getTime()) await clearWarning(deps.ssm, found.runKey);
  deps.logger.info('Idle run kept', { runId: found.run.runId, userId: press.userId, idleSince: idleSince.toISOString() });
  const { afterMs } = deps.config.idle;
  return { mode: 'replace', message: idleKeptMessage({ run: found.run, userId: press.userId, nextWarningAt: new Date(now.getTime() + afterMs), afterMs }) };
}
