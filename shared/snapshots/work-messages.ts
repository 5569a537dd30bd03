import type { ActionsBlock } from '@slack/types';
import { formatDuration } from '../runs/run-lifetime';
import type { SlackMessage } from '../slack/slack-api';
import { context, mention, plural, section, slackTime } from '../slack/slack-format';
import type { WorkOrigin } from '../stack/team-stack';
import type { LatestWork, SavedWorkCost } from './saved-work';
import type { StoppedWork } from './work-keeper';

/**
 * What the channel hears about the developers' saved homes: where a run's homes came from,
 * whether a stop saved them, why a start waits or cannot restore them, what the kept
 * snapshots cost, and the confirmation `/ide stop --discard` asks for. Pure.
 */

const FRESH_HINT = '`/ide start --fresh` starts with empty homes and keeps the snapshots.';

const runOf = (latest: Exclude<LatestWork, { kind: 'none' }>) => `the last run (started ${slackTime(latest.record.startedAt)})`;

const progressOf = (latest: Extract<LatestWork, { kind: 'pending' }>) =>
  latest.snapshot ? `its snapshot is ${latest.snapshot.progress || '0%'} done, started ${slackTime(latest.snapshot.startTime)}` : 'its host is still being stopped';

/** The start waits for the previous run's snapshot: said once, in the channel. */
export function waitingForWorkMessage(requesterId: string, latest: Extract<LatestWork, { kind: 'pending' }> | { kind: 'stopping' }): SlackMessage {
  const what = latest.kind === 'stopping' ? 'the previous run is still stopping and saving its homes' : `the homes of ${runOf(latest)} are still being saved: ${progressOf(latest)}`;
  const text = `${mention(requesterId)} asked for team IDEs, but ${what}.`;
  return { text, blocks: [section(`:floppy_disk: ${text} I'll start them as soon as that is done, with every home as it was.`), context(`Not waiting? ${FRESH_HINT}`)] };
}

/** Why a start refuses: restoring an older snapshot in place of the newest would lose work silently. */
export function restoreImpossibleText(latest: Extract<LatestWork, { kind: 'unusable' }>): string {
  return `I cannot restore the developers' homes: for ${runOf(latest)}, ${latest.problem}. Restoring an older snapshot instead would silently lose that run's work, so nothing was started. ${FRESH_HINT} Whoever deployed team-ide can look at the snapshots in the EC2 console.`;
}

/** The snapshot did not complete within the launcher's wait. */
export function stillSavingText(latest: Extract<LatestWork, { kind: 'pending' }>, waitedMs: number): string {
  return `The homes of ${runOf(latest)} are still being saved after ${formatDuration(waitedMs)} (${progressOf(latest)}), so nothing was started. Try \`/ide start\` again in a few minutes. ${FRESH_HINT}`;
}

/** Where this run's homes come from, for the start announcement and the "ready" message; undefined without a data volume. */
export function workOriginLine(origin: WorkOrigin | undefined): string | undefined {
  switch (origin?.kind) {
    case 'restored':
      return `Homes restored from the snapshot of ${slackTime(new Date(origin.savedAt))}.`;
    case 'blank':
      return 'Homes start empty: no work was saved yet. `/ide stop` saves them for the next start.';
    case 'fresh':
      return 'Homes start empty (`--fresh`); the saved snapshots are kept.';
    default:
      return undefined;
  }
}

const GIB = 1024 ** 3;

/** What a stop did with the homes, for the "stopped" message; undefined when there was nothing to keep. */
export function stoppedWorkLine(outcome: StoppedWork): string | undefined {
  switch (outcome.kind) {
    case 'saved': {
      const size = outcome.snapshot.fullSizeBytes !== undefined ? `, ${(outcome.snapshot.fullSizeBytes / GIB).toFixed(1)} GiB` : '';
      return `:floppy_disk: Every home was saved at ${slackTime(outcome.snapshot.startTime)} (snapshot ${outcome.snapshot.snapshotId}${size}): the next \`/ide start\` brings it back.`;
    }
    case 'saving':
      return `:floppy_disk: The homes are being saved${outcome.snapshot ? ` (snapshot ${outcome.snapshot.snapshotId} of ${slackTime(outcome.snapshot.startTime)}, ${outcome.snapshot.progress || '0%'} done)` : ''}: the next \`/ide start\` waits for it.`;
    case 'discarded':
      return outcome.asked
        ? ':wastebasket: Their work was discarded, as asked: no snapshot of this run is kept. The next `/ide start` restores the work saved before it, if any.'
        : undefined;
    case 'failed':
      return `:warning: The homes could not be saved: ${outcome.problem}. The next \`/ide start\` will say so and offer \`--fresh\`; whoever deployed team-ide can look in the EC2 console.`;
    default:
      return undefined;
  }
}

/** `/ide status`: what is kept, and about what it costs a month. `running`: a run will save a newer snapshot when it stops. */
export function savedWorkStatusLine(cost: SavedWorkCost | undefined, running: boolean): string {
  if (!cost) return 'Saved work: none yet. `/ide stop` saves every home in a snapshot for the next start.';
  const restores = running ? '' : ', which the next `/ide start` restores';
  const data = `${cost.dataGb.toFixed(1)} GiB${cost.sizesFromVolumes ? ' at most' : ''}`;
  const price = `$${cost.gbMonthUsd} per GB-month${cost.approximateRegion ? ' (us-east-1 price: not in the table for this region)' : ''}, from memory of the EBS price list`;
  return (
    `Saved work: ${plural(cost.count, 'snapshot', 'snapshots')}, the newest of ${slackTime(cost.newest.startTime)} (${data})${restores}. ` +
    `About $${cost.usdPerMonth.toFixed(2)} a month, at most $${cost.upToUsdPerMonth.toFixed(2)}: snapshots are incremental, so the older ones cost only for what changed since (${price}).`
  );
}

/** The `action_id` of the confirmation button of `/ide stop --discard`. */
export const DISCARD_ACTION = 'discard_stop';

/** The button's value: the run it was shown for, so a stale press never discards the next run. */
export function encodeDiscardValue(runId: string): string {
  return JSON.stringify({ runId });
}

export function decodeDiscardValue(value: string | undefined): string | undefined {
  try {
    const parsed = JSON.parse(value ?? '') as { runId?: unknown };
    return typeof parsed.runId === 'string' && parsed.runId !== '' ? parsed.runId : undefined;
  } catch {
    return undefined;
  }
}

/** Asked before `/ide stop --discard` does anything: only to the person who typed it. */
export function discardConfirmationMessage(run: { runId: string; requestedBy: string }): SlackMessage {
  const text = `Stop the team IDEs ${mention(run.requestedBy)} started and throw away every developer's changes since they started?`;
  const button: ActionsBlock = {
    type: 'actions',
    block_id: 'discard_work',
    elements: [
      {
        type: 'button',
        action_id: DISCARD_ACTION,
        text: { type: 'plain_text', text: 'Stop and discard the work' },
        style: 'danger',
        value: encodeDiscardValue(run.runId),
        confirm: {
          title: { type: 'plain_text', text: 'Discard the work?' },
          text: { type: 'plain_text', text: 'No snapshot of this run is kept: unsaved and unpushed changes in every home are gone for good.' },
          confirm: { type: 'plain_text', text: 'Discard' },
          deny: { type: 'plain_text', text: 'Cancel' },
          style: 'danger',
        },
      },
    ],
  };
  return {
    text,
    blocks: [section(`:warning: ${text}`), button, context('Homes go back to the last saved snapshot (if any). Plain `/ide stop` saves the work instead.')],
  };
}

/** `--discard` confirmed while the run was already stopping: its work is still thrown away. */
export function discardWhileStoppingMessage(userId: string, run: { requestedBy: string }): SlackMessage {
  const text = `${mention(userId)} discarded the work of the team IDEs ${mention(run.requestedBy)} started: they were already stopping, and no snapshot of them is kept.`;
  return { text, blocks: [section(`:wastebasket: ${text} I'll say here when they are gone.`)] };
}
