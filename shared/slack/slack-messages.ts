import { USAGE } from './command-parser';
import type { AppError } from '../core/errors';
import { formatMemory } from '../team/host-shares';
import type { CostEstimate } from '../team/instance-prices';
import { SIZES } from '../core/instance-types';
import type { Roster, RosterMember } from '../core/roster';
import { formatDuration } from '../runs/run-lifetime';
import type { LauncherJob } from '../runs/launcher-job';
import type { SlackMessage } from './slack-api';
import { context, cut, escapeMrkdwn, listSections, mention, plural, section, slackTime } from './slack-format';
import type { TeamStack } from '../stack/stack-gateway';
import type { StartPlan } from '../team/start-plan';
import { OUTPUT, type WorkOrigin } from '../stack/team-stack';
import { workOriginLine } from '../snapshots/work-messages';

function plain(text: string): SlackMessage {
  return { text, blocks: [section(text)] };
}

const seatList = (seats: readonly RosterMember[]) => seats.map((member) => `dev-${member.slot} ${mention(member.userId)}`).join(', ');

export function helpMessage(): SlackMessage {
  return { text: 'How to use /ide', blocks: [section('*team-ide* gives each developer a VS Code in the browser.'), section(USAGE)] };
}

export function userErrorMessage(error: AppError): SlackMessage {
  return plain(error.userMessage);
}

export function apologyMessage(errorId: string): SlackMessage {
  return plain(`Sorry, something went wrong on our side. If it happens again, give this id to whoever runs team-ide: \`${errorId}\`.`);
}

/**
 * The launcher stopped before it could answer (it crashed or timed out, and Lambda put the
 * job in the failed-jobs queue): the person who typed the command hears it from the sweeper.
 */
export function launcherFailedMessage(action: LauncherJob['action'], errorId: string): SlackMessage {
  const command = `/ide ${action.replace('-', ' ')}`;
  const look: Record<LauncherJob['action'], string> = {
    start: '`/ide status` shows whether the run started; if not, try again.',
    stop: '`/ide status` shows whether the run is stopping; if not, try again.',
    status: 'Try again in a minute.',
    'roster-add': '`/ide roster` shows whether the change was made; if not, try again.',
    'roster-remove': '`/ide roster` shows whether the change was made; if not, try again.',
  };
  return plain(`Sorry, your \`${command}\` did not finish: team-ide's launcher stopped before it could answer. ${look[action]} If it happens again, give this id to whoever runs team-ide: \`${errorId}\`.`);
}

/** What each developer gets of the host, and why the host is larger than the default when it is. */
function shareText(plan: StartPlan): string {
  const upsized = plan.upsizedFrom ? ` (larger than the default \`${plan.upsizedFrom}\`, ${SIZES[plan.upsizedFrom]}, which is too small for ${plan.seats.length})` : '';
  return `${formatMemory(plan.share.memoryMiB)} of memory and up to ${plan.share.cpus} vCPUs of the ${plan.instanceType} host${upsized}`;
}

/**
 * The ephemeral answer within Slack's 3 seconds. Only the lead reads it, so it is the one
 * message that names the addresses the links go to; the channel sees mentions only.
 */
export function acknowledgement(action: 'start' | 'stop' | 'status', plan?: StartPlan): SlackMessage {
  if (action === 'start' && plan) {
    const text = `On it: starting ${plural(plan.seats.length, 'IDE', 'IDEs')} (${plan.instanceType}) for ${seatList(plan.seats)}.`;
    const emails = plan.seats.map((member) => `dev-${member.slot} ${mention(member.userId)}: ${escapeMrkdwn(member.email)}`).join(', ');
    return {
      text,
      blocks: [section(`${text} Each developer gets ${shareText(plan)}.`), context(`The links go by email to ${emails}. I'll post in this channel when the IDEs are on the way.`)],
    };
  }
  return plain(action === 'stop' ? 'On it: looking for the run to stop…' : 'Looking up the team IDEs…');
}

/**
 * Minutes from `/ide start` to the emails, as the channel is promised: the boot's budget (the
 * README, "What the boot does": about 90 s to CREATE_COMPLETE), then the events and the emails.
 */
export const MINUTES_TO_READY = 2;

/** Visible to the channel once CloudFormation has accepted the stack. */
export function startAnnouncement(requesterId: string, plan: StartPlan, endsAt: Date, work: WorkOrigin): SlackMessage {
  const text = `${mention(requesterId)} is starting ${plural(plan.seats.length, 'IDE', 'IDEs')} (${plan.instanceType}), ready in about ${MINUTES_TO_READY} minutes.`;
  const homes = workOriginLine(work);
  return {
    text,
    blocks: [
      section(text),
      section(`*Seats:* ${seatList(plan.seats)}\nEach developer gets an email with their own link and password, and ${shareText(plan)}.${homes ? `\n${homes}` : ''}`),
      context(`Runs ${plural(plan.hours, 'hour', 'hours')}, until ${slackTime(endsAt)}. \`/ide stop\` ends it sooner.`),
    ],
  };
}

/** What happens to the developers' work when a run stops: saved (KEEP_WORK), discarded (`--discard`), or lost with the host. */
export type StopWork = 'saved' | 'discarded' | 'lost';

export function stopAnnouncement(requesterId: string, stack: TeamStack, work: StopWork): SlackMessage {
  const startedBy = stack.run ? ` started by ${mention(stack.run.requestedBy)}` : '';
  const whileStarting = stack.status === 'CREATE_IN_PROGRESS'
    ? ' It was still starting: no emails will go out, and everything it created so far is being removed.'
    : STOP_WORK[work];
  const text = `${mention(requesterId)} is stopping the team IDEs${startedBy}.${whileStarting} I'll say here when they are gone.`;
  return plain(text);
}

/** What a plain stop does with this run's work: saved when it has a data volume (its `team-ide:work` tag says so). */
export const stopWorkOf = (stack: TeamStack): StopWork => (stack.run?.work && stack.run.work.kind !== 'off' ? 'saved' : 'lost');

const STOP_WORK: Record<StopWork, string> = {
  saved: ' Every home is saved in a snapshot for the next start.',
  discarded: ' Their work is discarded: no snapshot of this run is kept.',
  lost: ' Unpushed work on them is lost.',
};

const isFailedStart = (status: string) => status.includes('ROLLBACK') || status === 'CREATE_FAILED';

/** Words for the stack states a lead can meet. */
function describeState(status: string): string {
  if (status === 'CREATE_IN_PROGRESS') return 'starting';
  if (status === 'CREATE_COMPLETE' || status.startsWith('UPDATE_')) return 'running';
  if (status === 'DELETE_IN_PROGRESS') return 'stopping';
  if (status === 'DELETE_FAILED') return 'failed to stop (whoever deployed team-ide should look at the stack in the CloudFormation console)';
  if (isFailedStart(status)) return 'failed to start and is being cleaned up';
  return status.toLowerCase().replace(/_/g, ' ');
}

export function alreadyRunningMessage(stack: TeamStack): SlackMessage {
  const who = stack.run ? ` (started by ${mention(stack.run.requestedBy)} ${slackTime(stack.createdAt)})` : '';
  if (stack.status === 'DELETE_IN_PROGRESS') {
    return plain(`The team IDEs${who} are still stopping. Try again once they are gone, in a minute or two.`);
  }
  if (isFailedStart(stack.status)) {
    return plain(`The last run${who} failed to start and is being cleaned up. Try again in a minute or two; if this message stays, \`/ide stop\` clears it.`);
  }
  if (stack.status === 'DELETE_FAILED') {
    return plain(`The last run${who} ${describeState(stack.status)}.`);
  }
  return plain(`The team IDEs are already ${describeState(stack.status)}${who}. \`/ide status\` shows them; \`/ide stop\` ends them.`);
}

export function nothingRunningMessage(): SlackMessage {
  return plain('No team IDEs are running. `/ide start` starts them.');
}

export function alreadyStoppingMessage(): SlackMessage {
  return plain('The team IDEs are already stopping. I\'ll say in the channel when they are gone.');
}

/** What `/ide status` adds for a run that is starting or running: its current end, its cost so far, and whether it is in use. */
export interface StatusLifetime {
  endsAt: Date;
  now: Date;
  cost?: CostEstimate;
  /** Each seat's state as the host last reported it (shared/idle), and when the run stops for idleness. */
  idle?: { seatNotes: ReadonlyMap<number, string>; line?: string };
}

/** `Cost so far: about $0.42 …`, labelled an estimate, with how it was reckoned. */
export function costLine(cost: CostEstimate): string {
  const price = `${cost.instanceType} at $${cost.usdPerHour} an hour in ${cost.region}${cost.approximateRegion ? ' (not in the price table: the us-east-1 price)' : ''}`;
  return `Cost so far: about $${cost.usd.toFixed(2)} (${price}, ${cost.hours.toFixed(1)} h). An estimate: the instance's on-demand price only.`;
}

export function statusMessage(stack: TeamStack, roster: Roster, lifetime?: StatusLifetime): SlackMessage {
  const state = describeState(stack.status);
  const blocks = [section(`*The team IDEs are ${state}.*`)];
  if (stack.run) {
    const ends = lifetime
      ? `, ends ${slackTime(lifetime.endsAt)} (${formatDuration(lifetime.endsAt.getTime() - lifetime.now.getTime())} left)`
      : stack.run.endsAt ? `, ends ${slackTime(new Date(stack.run.endsAt))}` : '';
    blocks.push(section(`Started by ${mention(stack.run.requestedBy)} ${slackTime(stack.createdAt)}${ends}.`));
    if (lifetime?.cost) blocks.push(section(costLine(lifetime.cost)));
    if (lifetime?.idle?.line) blocks.push(section(lifetime.idle.line));
    const seats = stack.run.slots.map((slot) => {
      const member = roster.find((candidate) => candidate.slot === slot);
      const holder = member ? mention(member.userId) : '(no longer on the roster)';
      const url = stack.outputs[OUTPUT.devUrl(slot)];
      const state = lifetime?.idle?.seatNotes.get(slot);
      return `• dev-${slot} ${holder}${url ? ` — ${url}` : ''}${state ? ` (${state})` : ''}`;
    });
    blocks.push(...listSections('*Seats:*', seats, { maxChars: 20_000, more: 'the stack\'s outputs in the CloudFormation console list every link.' }));
  }
  if (stack.statusReason && stack.status !== 'CREATE_COMPLETE') blocks.push(section(`_${escapeMrkdwn(cut(stack.statusReason, 1000))}_`));
  return { text: `The team IDEs are ${state}.`, blocks };
}
