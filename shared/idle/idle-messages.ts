import type { ActionsBlock } from '@slack/types';
import { ACTION, decodeRunTime, encodeButtonValue, encodeRunTime, keepsHomesOf, stopNowButton } from '../runs/lifetime-messages';
import { formatDuration } from '../runs/run-lifetime';
import type { SlackMessage } from '../slack/slack-api';
import { context, mention, plural, section, slackTime } from '../slack/slack-format';
import type { RunTags } from '../stack/team-stack';
import type { RunIdleState, SeatState } from './idle-state';

/**
 * The idle stop's messages: the warning with its buttons, what the warning becomes (someone
 * is back, someone kept the run, the run stops), the host that stopped reporting, and the
 * lines of `/ide status`. Pure; no password, no address.
 */

/** What the "Keep running" button carries: the run and the idle time the warning was for. */
export interface KeepTarget {
  runId: string;
  idleSince: string;
}

export const encodeKeepValue = (target: KeepTarget): string => encodeRunTime(target.runId, 'idleSince', target.idleSince);

/** Undefined for a value this version did not write. */
export const decodeKeepValue = (value: string | undefined): KeepTarget | undefined => decodeRunTime(value, 'idleSince');

/** `30 min`, or `20 s` on the sandbox's fast idle clock. */
export function idleDuration(milliseconds: number): string {
  return milliseconds >= 60_000 ? formatDuration(milliseconds) : `${Math.max(0, Math.round(milliseconds / 1000))} s`;
}

const WHAT_COUNTS = 'In use means a browser is connected to an IDE: a tab left open counts, so close it when you are done.';

export interface IdleWarningInput {
  run: RunTags;
  idleSince: Date;
  now: Date;
  stopsAt: Date;
  /** The run's current end, for the Stop button (the same value the warning before the end carries). */
  endsAt: Date;
}

/** Posted once per idle spell, IDLE_MINUTES after the last use. */
export function idleWarningMessage(input: IdleWarningInput): SlackMessage {
  const { run } = input;
  const text = `Nobody has used the team IDEs ${mention(run.requestedBy)} started since ${slackTime(input.idleSince)} (${idleDuration(input.now.getTime() - input.idleSince.getTime())}): they stop at ${slackTime(input.stopsAt)}.`;
  const buttons: ActionsBlock = {
    type: 'actions',
    block_id: 'run_idle',
    elements: [
      {
        type: 'button',
        action_id: ACTION.keep,
        text: { type: 'plain_text', text: 'Keep running' },
        style: 'primary',
        value: encodeKeepValue({ runId: run.runId, idleSince: input.idleSince.toISOString() }),
      },
      stopNowButton(encodeButtonValue({ runId: run.runId, endsAt: input.endsAt.toISOString() }), keepsHomesOf(run)),
    ],
  };
  return {
    text,
    blocks: [
      section(`:zzz: ${text} Opening any of them, or *Keep running*, keeps them. ${keepsHomesOf(run) ? 'Stopping saves every home for the next start.' : 'Push your work: stopping deletes the host and its disks.'}`),
      buttons,
      context(`${WHAT_COUNTS} Only people allowed to start and stop team IDEs can press these.`),
    ],
  };
}

/** The warning, once someone uses the run again. */
export function idleCancelledMessage(run: RunTags, connected: readonly number[], afterMs: number): SlackMessage {
  const who = connected.length > 0 ? ` (${connected.map((slot) => `dev-${slot}`).join(', ')})` : '';
  const text = `Someone is using the team IDEs ${mention(run.requestedBy)} started again${who}: they keep running.`;
  return { text, blocks: [section(`:arrow_forward: ${text}`), context(`I'll warn here again once nobody has used them for ${idleDuration(afterMs)}.`)] };
}

/** The warning, once someone pressed "Keep running". */
export function idleKeptMessage(input: { run: RunTags; userId: string; nextWarningAt: Date; afterMs: number }): SlackMessage {
  const text = `${mention(input.userId)} kept the team IDEs ${mention(input.run.requestedBy)} started running.`;
  return {
    text,
    blocks: [section(`:arrow_forward: ${text}`), context(`If nobody uses them for ${idleDuration(input.afterMs)} more, I'll warn here again at ${slackTime(input.nextWarningAt)}. They still stop at their end.`)],
  };
}

/** A second press, or a press after the run was kept or used: nothing changes. */
export function idleAlreadySettledMessage(settled: { kind: 'kept'; userId: string } | { kind: 'active' }): SlackMessage {
  const text = settled.kind === 'kept'
    ? `Already kept running by ${mention(settled.userId)}: the idle clock starts again only once.`
    : 'Someone is already using these team IDEs again: they keep running.';
  return { text, blocks: [section(text)] };
}

/** The warning, once the run stops for idleness: as at its end, with every home saved where the run keeps them. */
export function idleStoppedMessage(run: RunTags, idleSince: Date): SlackMessage {
  const text = `Nobody has used the team IDEs ${mention(run.requestedBy)} started since ${slackTime(idleSince)}, so they are being deleted.`;
  const homes = keepsHomesOf(run) ? ' Every home is saved in a snapshot for the next start.' : '';
  return { text, blocks: [section(`:zzz: ${text}${homes} I'll say here when they are gone. \`/ide start\` starts new ones.`)] };
}

/** Said once per run: the host stopped reporting, so the run cannot be seen idle. */
export function hostSilentMessage(run: RunTags, lastReportAt: Date, endsAt: Date): SlackMessage {
  const text = `The host of the team IDEs ${mention(run.requestedBy)} started has not said which IDEs are in use since ${slackTime(lastReportAt)}, so they will not stop for idleness.`;
  return {
    text,
    blocks: [section(`:warning: ${text} They still stop at their end, ${slackTime(endsAt)}; \`/ide stop\` ends them sooner.`), context('Whoever deployed team-ide can look at the host: its report timer is `team-ide-seats.timer` (`journalctl -u team-ide-seats`).')],
  };
}

/** One seat's state, as `/ide status` shows it beside the seat. */
export function seatStateNote(state: SeatState): string {
  switch (state.kind) {
    case 'connected':
      return 'connected';
    case 'idle':
      return `idle since ${slackTime(state.since)}`;
    case 'never-opened':
      return 'never opened';
    case 'not-answering':
      return 'not answering';
    case 'not-reported':
      return 'no report yet';
  }
}

/** The `/ide status` line about the idle stop: when the run stops for idleness, or why it does not. */
export function idleStatusLine(input: { state: RunIdleState; afterMs: number; deadlines?: { warnAt: Date; stopAt: Date }; now: Date }): string | undefined {
  const { state, afterMs } = input;
  if (afterMs === 0) return 'Idle stop is off (`IDLE_MINUTES=0`): they run until their end.';
  switch (state.kind) {
    case 'unsupported':
      return undefined;
    case 'silent':
      return `Idle stop is paused: the host has not reported since ${slackTime(state.lastReportAt)}.`;
    case 'uncertain':
      return `Idle stop is paused until every IDE answers the host again.`;
    case 'in-use': {
      const connected = [...state.seats.values()].filter((seat) => seat.kind === 'connected').length;
      return `In use (${plural(connected, 'IDE', 'IDEs')} connected): they stop for idleness once nobody has used them for ${idleDuration(afterMs)}.`;
    }
    case 'idle': {
      const stopAt = input.deadlines?.stopAt;
      const warned = input.deadlines && input.deadlines.warnAt.getTime() <= input.now.getTime();
      const when = stopAt ? ` They stop for idleness at ${slackTime(stopAt)}${warned ? ' (the warning is out)' : `, after a warning at ${slackTime(input.deadlines?.warnAt ?? stopAt)}`}, unless someone uses them.` : '';
      return `Nobody has used them since ${slackTime(state.since)}.${when}`;
    }
  }
}
