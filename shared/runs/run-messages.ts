import type { SlackMessage } from '../slack/slack-api';
import { context, cut, escapeMrkdwn, listSections, mention, plural, section, slackTime } from '../slack/slack-format';
import type { FailedResource } from '../stack/stack-gateway';
import { LOGICAL_ID, type RunTags, stackConsoleUrl } from '../stack/team-stack';
import { workOriginLine } from '../snapshots/work-messages';

/**
 * The channel messages that follow a run after the launcher's announcement: ready, failed
 * to start, stopped, failed to stop. They never hold a password.
 */

/** One seat of a ready run, as the channel hears of it. */
export interface SeatReport {
  slot: number;
  /** Undefined when the slot is no longer on the roster. */
  userId?: string;
  url?: string;
  /** Whether the email went out. Which address it went to is the lead's business only, never the channel's. */
  emailed: boolean;
  /** Why no email went out and what to do, in mrkdwn; set exactly when the email did not go out. */
  problem?: string;
}

// What the ready message's two lists may fill: every link of 50 seats (MAX_SEATS allows 30) on
// the longest domain, and as many SES refusals as fit beside them inside Slack's 40,000
// characters per message.
const LINKS_CHARS = 18_000;
const PROBLEMS_CHARS = 14_000;
// What CloudFormation or AWS says is shown up to this length; the console has the rest.
const REASON_MAX = 1000;

const seatName = (seat: Pick<SeatReport, 'slot' | 'userId'>) => `dev-${seat.slot} ${seat.userId ? mention(seat.userId) : '(no longer on the roster)'}`;

function endsAtLine(run: RunTags): string {
  const endsAt = run.endsAt ? new Date(run.endsAt) : undefined;
  const until = endsAt && !Number.isNaN(endsAt.getTime()) ? `Runs until ${slackTime(endsAt)}, then stops by itself (a warning with a button to extend comes first). ` : '';
  const keeps = run.work && run.work.kind !== 'off'
    ? 'Stopping saves every home (`/home/coder`) for the next start; push what others need.'
    : 'Push your work before it stops: `/ide stop` deletes the host and its disks.';
  return `${until}${keeps}`;
}

/** The run is up: the links, and which emails went out and which did not. */
export function readyMessage(run: RunTags, seats: readonly SeatReport[]): SlackMessage {
  const emailed = seats.filter((seat) => seat.emailed);
  const missed = seats.filter((seat) => !seat.emailed);
  const tally = missed.length === 0
    ? `every developer got an email with their password`
    : `${plural(emailed.length, 'email', 'emails')} sent, ${missed.length} not`;
  const text = `The team IDEs ${mention(run.requestedBy)} started are ready: ${plural(seats.length, 'seat', 'seats')}, ${tally}.`;
  const links = seats.map((seat) => {
    const link = seat.url ? ` — ${seat.url}` : '';
    const email = seat.emailed ? 'emailed' : '*no email*';
    return `• ${seatName(seat)}${link} (${email})`;
  });
  const homes = workOriginLine(run.work);
  const blocks = listSections(`:white_check_mark: ${text}${homes ? ` ${homes}` : ''}\n*Links* (each password is only in its developer's email):`, links, { maxChars: LINKS_CHARS, more: '`/ide status` lists every seat.' });
  if (missed.length > 0) {
    blocks.push(
      ...listSections(
        `:warning: *No email for ${plural(missed.length, 'seat', 'seats')}:*`,
        missed.map((seat) => `• ${seatName(seat)}: ${seat.problem ?? 'not sent'}`),
        { maxChars: PROBLEMS_CHARS, more: 'the notifier\'s log has each one, by slot.' },
      ),
      section(
        'Their passwords are in AWS Secrets Manager (the stack outputs `DevPasswordSecret<N>` name the secrets): someone with console access can hand them over in a direct message. Never post a password in a channel.',
      ),
    );
  }
  blocks.push(context(endsAtLine(run)));
  return { text, blocks };
}

function failureLine(failure: FailedResource | undefined, stackReason: string): string {
  if (failure) {
    const id = failure.physicalId ? `, \`${escapeMrkdwn(cut(failure.physicalId, 200))}\`` : '';
    return `*${escapeMrkdwn(failure.logicalId)}* (${escapeMrkdwn(failure.resourceType)}${id}) failed: ${escapeMrkdwn(cut(failure.reason, REASON_MAX))}`;
  }
  return stackReason ? `CloudFormation says: ${escapeMrkdwn(cut(stackReason, REASON_MAX))}` : 'CloudFormation gave no reason; the stack\'s events in the CloudFormation console may tell more.';
}

/** The run failed to start; said once, as soon as the rollback begins. */
export function startFailedMessage(run: RunTags, failure: FailedResource | undefined, stackReason: string): SlackMessage {
  const text = `The team IDEs ${mention(run.requestedBy)} asked for could not start.`;
  const restoring = failure?.logicalId === LOGICAL_ID.dataVolume && run.work?.kind === 'restored'
    ? `\nThe developers' homes could not be restored from the snapshot of ${slackTime(new Date(run.work.savedAt))} (${escapeMrkdwn(run.work.snapshotId)}). \`/ide start --fresh\` starts with empty homes and keeps the snapshots; whoever deployed team-ide can look at the snapshot in the EC2 console.`
    : '';
  return {
    text,
    blocks: [
      section(`:x: ${text}\n${failureLine(failure, stackReason)}${restoring}`),
      context('No emails went out. I am removing what was created so the next `/ide start` works, and will say here when it is gone.'),
    ],
  };
}

/** A link to the stack in the CloudFormation console, for whoever deployed team-ide. */
const consoleLink = (stackName: string, stackId: string) => `<${stackConsoleUrl(stackId)}|${stackName} in the CloudFormation console>`;

/** CloudFormation refused to delete the run's stack, so it stays in the way of the next start and may cost money. */
export function failedRunNotRemovedMessage(run: RunTags, stackName: string, stackId: string, problem: string): SlackMessage {
  const text = `I could not delete the run ${mention(run.requestedBy)} started, so \`/ide start\` will find it in the way.`;
  return plain(
    `:warning: ${text} ${escapeMrkdwn(cut(problem, REASON_MAX))} I will keep trying, less and less often; whoever deployed team-ide should fix what AWS says or delete the stack: ${consoleLink(stackName, stackId)}.`,
    text,
  );
}

/** The stack is gone; after a failed start that means the next start can go ahead. `work` says what became of the homes. */
export function stoppedMessage(run: RunTags, afterFailure: boolean, work?: string): SlackMessage {
  const text = afterFailure
    ? `The failed run ${mention(run.requestedBy)} started is cleaned up: \`/ide start\` works again.`
    : `The team IDEs ${mention(run.requestedBy)} started are stopped and deleted.`;
  return work ? { text, blocks: [section(`:wave: ${text}`), section(work)] } : plain(`:wave: ${text}`, text);
}

/** Deleting the stack failed: the host may still be running, and costing money. Said once per stop. */
export function deleteFailedMessage(run: RunTags, stackName: string, stackId: string, failure: FailedResource | undefined, stackReason: string): SlackMessage {
  const text = `The team IDEs ${mention(run.requestedBy)} started could not be deleted.`;
  const retries = 'I will try deleting it again in a minute, then less and less often (at most hourly); `/ide stop` tries now.';
  const advice = failure?.logicalId === LOGICAL_ID.dataVolume
    ? `The developers' homes could not be saved, so CloudFormation kept their volume${failure.physicalId ? ` ${escapeMrkdwn(failure.physicalId)}` : ''}: no work is lost, and the volume costs money until it goes. ${retries} Each try takes the snapshot again. If it keeps failing, whoever deployed team-ide should snapshot the volume by hand in the EC2 console (or decide its work can go), then delete the stack keeping \`${LOGICAL_ID.dataVolume}\` (${consoleLink(stackName, stackId)}), and delete the volume.`
    : `Parts of the run may still be running and cost money. ${retries} If it stays stuck, whoever deployed team-ide should look at the resource: ${consoleLink(stackName, stackId)}.`;
  return { text, blocks: [section(`:warning: ${text}\n${failureLine(failure, stackReason)}`), context(advice)] };
}

/** The notifier failed in a way it could not report per seat. */
export function notifyFailedMessage(run: RunTags, errorId: string): SlackMessage {
  const text = `The team IDEs ${mention(run.requestedBy)} started are up, but I could not finish sending the emails.`;
  return plain(`:warning: ${text} \`/ide status\` shows the links. If it happens again, give this id to whoever runs team-ide: \`${errorId}\`.`, text);
}

function plain(mrkdwn: string, text: string): SlackMessage {
  return { text, blocks: [section(mrkdwn)] };
}
