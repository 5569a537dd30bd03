import type { ActionsBlock, Button } from '@slack/types';
import { parseTime } from '../core/time';
import { formatDuration } from './run-lifetime';
import type { SlackMessage } from '../slack/slack-api';
import { context, mention, section, slackTime } from '../slack/slack-format';
import type { RunTags } from '../stack/team-stack';

/**
 * The cost guard's channel messages: the warning before a run's end (with its buttons), the
 * stop at the end, and what a pressed button turns the warning into. Pure; they never hold a
 * password.
 */

/** The `action_id`s of the warnings' buttons (before the end, and when idle), as functions/slack-interactions.ts listens for them. */
export const ACTION = { extend: 'extend_run', stop: 'stop_run', keep: 'keep_running' } as const;

/** What a button carries back: the run and the end it was shown for, so a stale press is recognised. */
export interface ButtonTarget {
  runId: string;
  endsAt: string;
}

export const encodeButtonValue = (target: ButtonTarget): string => encodeRunTime(target.runId, 'endsAt', target.endsAt);

/** Undefined for a value this version did not write. */
export const decodeButtonValue = (value: string | undefined): ButtonTarget | undefined => decodeRunTime(value, 'endsAt');

/** A button's value: the run, and the one time its message was about (as `key`). */
export function encodeRunTime<K extends string>(runId: string, key: K, time: string): string {
  return JSON.stringify({ runId, [key]: time });
}

/** The run and the time under `key`; undefined for a value this version did not write. */
export function decodeRunTime<K extends string>(value: string | undefined, key: K): ({ runId: string } & Record<K, string>) | undefined {
  try {
    const parsed = JSON.parse(value ?? '') as Record<string, unknown>;
    const time = parsed[key];
    if (typeof parsed.runId !== 'string' || typeof time !== 'string' || !parseTime(time)) return undefined;
    return { runId: parsed.runId, [key]: time } as { runId: string } & Record<K, string>;
  } catch {
    return undefined;
  }
}

/** Whether stopping this run saves every home (KEEP_WORK): what the warnings and their Stop button say. */
export const keepsHomesOf = (run: RunTags): boolean => run.work !== undefined && run.work.kind !== 'off';

/** "Stop now", with Slack's confirmation: the same button on the warning before the end and on the idle warning. */
export function stopNowButton(value: string, keepsHomes: boolean): Button {
  return {
    type: 'button',
    action_id: ACTION.stop,
    text: { type: 'plain_text', text: 'Stop now' },
    style: 'danger',
    value,
    confirm: {
      title: { type: 'plain_text', text: 'Stop the team IDEs?' },
      text: { type: 'plain_text', text: keepsHomes ? 'The host is deleted; every home is saved for the next start.' : 'The host and its disks are deleted: unpushed work is lost.' },
      confirm: { type: 'plain_text', text: 'Stop now' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'danger',
    },
  };
}

export interface WarningInput {
  run: RunTags;
  endsAt: Date;
  now: Date;
  /** Hours the Extend button adds; undefined when the run already ends at the longest allowed lifetime. */
  extendHours: number | undefined;
  maxHours: number;
}

/** Posted once per end time, `WARNING_MINUTES` before it. */
export function warningMessage(input: WarningInput): SlackMessage {
  const { run, endsAt, now } = input;
  const text = `The team IDEs ${mention(run.requestedBy)} started stop in ${formatDuration(endsAt.getTime() - now.getTime())}, at ${slackTime(endsAt)}.`;
  const value = encodeButtonValue({ runId: run.runId, endsAt: endsAt.toISOString() });
  const keepsHomes = keepsHomesOf(run);
  const buttons: ActionsBlock = {
    type: 'actions',
    block_id: 'run_lifetime',
    elements: [
      ...(input.extendHours === undefined
        ? []
        : [{ type: 'button' as const, action_id: ACTION.extend, text: { type: 'plain_text' as const, text: `Extend ${input.extendHours} h` }, style: 'primary' as const, value }]),
      stopNowButton(value, keepsHomes),
    ],
  };
  const limit = input.extendHours === undefined ? ` It cannot be extended: a run lives at most ${input.maxHours} h.` : '';
  return {
    text,
    blocks: [
      section(`:hourglass_flowing_sand: ${text} ${keepsHomes ? 'Stopping saves every home for the next start.' : 'Push your work: stopping deletes the host and its disks.'}${limit}`),
      buttons,
      context('Only people allowed to start and stop team IDEs can press these.'),
    ],
  };
}

/** The sweeper stopped the run at its end. */
export function runEndedMessage(run: RunTags, endsAt: Date, stillStarting: boolean): SlackMessage {
  const starting = stillStarting ? ' It was still starting: no emails will go out.' : '';
  const text = `The team IDEs ${mention(run.requestedBy)} started reached their end at ${slackTime(endsAt)} and are being deleted.`;
  return { text, blocks: [section(`:alarm_clock: ${text}${starting} I'll say here when they are gone.`)] };
}

/** What the warning becomes once someone extended the run. */
export function extendedMessage(input: { run: RunTags; userId: string; endsAt: Date; capped: boolean; maxHours: number; warningMinutes: number }): SlackMessage {
  const text = `${mention(input.userId)} extended the team IDEs ${mention(input.run.requestedBy)} started until ${slackTime(input.endsAt)}.`;
  const capped = input.capped ? ` That is as long as a run may live: ${input.maxHours} h from its start.` : '';
  return { text, blocks: [section(`:hourglass: ${text}${capped}`), context(`I'll warn here again ${input.warningMinutes} minutes before it ends.`)] };
}

/** Answer to a second press, or a press on an older warning: someone extended it already. */
export function alreadyExtendedMessage(endsAt: Date): SlackMessage {
  const text = `Already extended: the team IDEs now run until ${slackTime(endsAt)}.`;
  return { text, blocks: [section(text)] };
}

/** Answer to a press on the warning of a run that has stopped, or is being deleted. */
export function alreadyStoppedMessage(): SlackMessage {
  const text = 'These team IDEs have already stopped (or are being deleted). `/ide start` starts new ones.';
  return { text, blocks: [section(text)] };
}
