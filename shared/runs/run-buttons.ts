import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Config } from '../core/config';
import { StackStateError } from '../core/errors';
import {
  alreadyExtendedMessage,
  alreadyStoppedMessage,
  type ButtonTarget,
  decodeButtonValue,
  extendedMessage,
} from './lifetime-messages';
import type { Logger } from '../core/logger';
import { decodeEndFate, encodeEndFate, endMarker, extendedEnd, latestEnd, readRunEnd, runKeyOf, SWEPT_STATUSES } from './run-lifetime';
import { claimRunMarker, readRunMarker, type RunKey, writeRunMarker } from './run-markers';
import { stopRunOnce } from './run-stop';
import type { SlackMessage } from '../slack/slack-api';
import { slackTime } from '../slack/slack-format';
import { stopAnnouncement, stopWorkOf } from '../slack/slack-messages';
import { discardRunWork } from '../snapshots/work-records';
import { decodeDiscardValue, discardWhileStoppingMessage } from '../snapshots/work-messages';
import { describeTeamStack, type TeamStack } from '../stack/stack-gateway';
import { authorizeUser, authorizeWorkspace } from '../team/start-plan';
import { type RunTags, teamStackName } from '../stack/team-stack';

/** What the warning's buttons need; functions/slack-interactions.ts hands in real clients, tests mocked ones. */
export interface RunButtonDeps {
  config: Pick<Config, 'stackNamePrefix' | 'slackTeamId' | 'allowedUsers' | 'maxHours' | 'extendHours' | 'warningMinutes'>;
  logger: Logger;
  cloudFormation: CloudFormationClient;
  ssm: SSMClient;
  now: () => Date;
}

/** One press of a warning's button, as Slack reports it. */
export interface ButtonPress {
  /** The workspace of the presser. */
  teamId: string | undefined;
  userId: string;
  /** The button's value: the run and the end the warning was shown for. */
  value: string | undefined;
}

/**
 * How to answer a press: `replace` turns the warning into the message (everyone in the
 * channel sees the new state, and the buttons are gone); `ephemeral` shows it to the presser
 * only and leaves the warning as it is.
 */
export interface ButtonReply {
  /** `announce`: the pressed message goes (an ephemeral confirmation), the message goes to the channel. */
  mode: 'replace' | 'ephemeral' | 'announce';
  message: SlackMessage;
}

const gone = (): ButtonReply => ({ mode: 'replace', message: alreadyStoppedMessage() });

/**
 * "Extend N h": moves the run's end once per shown end. The press claims the `end-<time>`
 * marker of the end it was shown for, which the sweeper claims too before stopping at that
 * end, so a double press extends once and a press racing the end either extends or finds the
 * run stopped, never both.
 */
export async function pressExtend(deps: RunButtonDeps, press: ButtonPress): Promise<ButtonReply> {
  authorizePresser(deps, press);
  const found = await findPressedRun(deps, press);
  if (!found) return gone();
  const { stack, run, runKey, target } = found;
  const shownEnd = new Date(target.endsAt);
  const currentEnd = await readRunEnd(deps.ssm, runKey, stack, deps.config.maxHours);
  if (currentEnd.getTime() > shownEnd.getTime()) return { mode: 'ephemeral', message: alreadyExtendedMessage(currentEnd) };
  const next = extendedEnd({ endsAt: shownEnd, createdAt: stack.createdAt, extendHours: deps.config.extendHours, maxHours: deps.config.maxHours });
  if (!next) {
    throw new StackStateError(
      `These team IDEs already run as long as a run may: ${deps.config.maxHours} h from their start, until ${slackTime(latestEnd(stack.createdAt, deps.config.maxHours))}. Start a new run once they stop.`,
    );
  }
  const marker = endMarker(shownEnd);
  if (!(await claimRunMarker(deps.ssm, runKey, marker, deps.now(), encodeEndFate({ kind: 'extended', endsAt: next.endsAt })))) {
    const fate = decodeEndFate(await readRunMarker(deps.ssm, runKey, marker));
    deps.logger.info('Extend already decided', { runId: run.runId, userId: press.userId, fate: fate?.kind });
    return fate?.kind === 'extended' ? { mode: 'ephemeral', message: alreadyExtendedMessage(fate.endsAt) } : gone();
  }
  await writeRunMarker(deps.ssm, runKey, 'ends-at', next.endsAt.toISOString());
  // A stop may have been claimed while this press was on its way: then the run ends anyway.
  if (await readRunMarker(deps.ssm, runKey, 'stopping')) return gone();
  deps.logger.info('Run extended', { runId: run.runId, userId: press.userId, endsAt: next.endsAt.toISOString(), capped: next.capped });
  return {
    mode: 'replace',
    message: extendedMessage({ run, userId: press.userId, endsAt: next.endsAt, capped: next.capped, maxHours: deps.config.maxHours, warningMinutes: deps.config.warningMinutes }),
  };
}

/** "Stop now": deletes the run as `/ide stop` does, sharing its `stopping` claim with the sweeper and the command. */
export async function pressStop(deps: RunButtonDeps, press: ButtonPress): Promise<ButtonReply> {
  authorizePresser(deps, press);
  const found = await findPressedRun(deps, press);
  if (!found) return gone();
  if ((await stopRunOnce(deps, found.stack)) === 'already-stopping') {
    deps.logger.info('Stop already under way', { runId: found.run.runId, userId: press.userId });
    return { mode: 'ephemeral', message: alreadyStoppedMessage() };
  }
  return { mode: 'replace', message: stopAnnouncement(press.userId, found.stack, stopWorkOf(found.stack)) };
}

/** Only the workspace's people allowed to start and stop runs may press a run's buttons. */
export function authorizePresser(deps: Pick<RunButtonDeps, 'config'>, press: ButtonPress): void {
  authorizeWorkspace(deps.config, press.teamId);
  authorizeUser(deps.config, press.userId);
}

/**
 * "Stop and discard the work", the confirmation of `/ide stop --discard`: marks the run's
 * work as not kept, then deletes the run as `/ide stop` does (its snapshot is deleted once
 * made, by stack-events). A run already stopping still has its work discarded.
 */
export async function pressDiscard(deps: RunButtonDeps, press: ButtonPress): Promise<ButtonReply> {
  authorizePresser(deps, press);
  const runId = decodeDiscardValue(press.value);
  const stack = await describeTeamStack(deps.cloudFormation, teamStackName(deps.config.stackNamePrefix));
  if (!runId || !stack?.run || stack.run.runId !== runId || !DISCARDABLE_STATUSES.includes(stack.status)) {
    return { mode: 'ephemeral', message: alreadyStoppedMessage() };
  }
  await discardRunWork(deps.ssm, deps.config.stackNamePrefix, { stackId: stack.stackId, runId, startedAt: stack.createdAt }, deps.now());
  const stopping = (await stopRunOnce(deps, stack)) === 'already-stopping';
  deps.logger.info('Run work discarded', { runId, userId: press.userId, alreadyStopping: stopping });
  return { mode: 'announce', message: stopping ? discardWhileStoppingMessage(press.userId, stack.run) : stopAnnouncement(press.userId, stack, 'discarded') };
}

/** The statuses in which a run's work can still be discarded: its volume is not deleted yet. */
const DISCARDABLE_STATUSES: readonly string[] = [...SWEPT_STATUSES, 'DELETE_IN_PROGRESS'];

/** A run a button was pressed for, as it is now. */
export interface PressedRun {
  stack: TeamStack;
  run: RunTags;
  runKey: RunKey;
}

/** The run with this id, if it is still the one starting or running and nobody is stopping it. */
export async function findRunningRun(deps: Pick<RunButtonDeps, 'config' | 'cloudFormation' | 'ssm'>, runId: string): Promise<PressedRun | undefined> {
  const stack = await describeTeamStack(deps.cloudFormation, teamStackName(deps.config.stackNamePrefix));
  const runKey = stack && runKeyOf(deps.config.stackNamePrefix, stack.stackId);
  if (!stack?.run || !runKey || stack.run.runId !== runId || !SWEPT_STATUSES.includes(stack.status)) return undefined;
  if (await readRunMarker(deps.ssm, runKey, 'stopping')) return undefined;
  return { stack, run: stack.run, runKey };
}

/** The run the button was made for, with the end it was shown for. */
async function findPressedRun(deps: RunButtonDeps, press: ButtonPress): Promise<(PressedRun & { target: ButtonTarget }) | undefined> {
  const target = decodeButtonValue(press.value);
  const found = target && (await findRunningRun(deps, target.runId));
  return found ? { ...found, target } : undefined;
}
