import type { SeatRequest } from '../slack/command-parser';
import type { Config } from '../core/config';
import { NotAllowedError, RosterError, UsageError } from '../core/errors';
import { formatMemory, type IdeShare, shareHost, smallestSizeFor } from './host-shares';
import { INSTANCE_SPECS, INSTANCE_TYPES, type InstanceType, isInstanceType, isSize, LARGEST_SIZE, MIN_IDE_MEMORY_MIB, mostSeatsOn, type Size, SIZES } from '../core/instance-types';
import type { RosterMember } from '../core/roster';
import { echo } from '../slack/slack-format';
import { findMember } from './roster-changes';

/** What `/ide start` asked for, as read from the command text: checked by `planStart`. */
export interface StartRequest {
  seats: SeatRequest;
  size?: string;
  hours?: number;
  /** Empty homes instead of the saved ones (`--fresh`). */
  fresh?: boolean;
}

/** A start request checked against this team's roster and limits: what the launcher creates. */
export interface StartPlan {
  seats: RosterMember[];
  instanceType: InstanceType;
  hours: number;
  /** What each IDE gets of the host. */
  share: IdeShare;
  /** Set when no size was asked and the default one was too small for the seats, so a larger one was chosen. */
  upsizedFrom?: Size;
  /** Empty homes instead of the saved ones, which are kept. */
  fresh: boolean;
}

/** Who asks, as Slack says: the workspace, the user and the channel. */
export interface Asker {
  teamId: string;
  userId: string;
  channelId: string;
}

/** Throws `NotAllowedError` unless the workspace is this deployment's and the user and the channel are on the allowlists. */
export function authorize(config: Pick<Config, 'slackTeamId' | 'allowedUsers' | 'allowedChannels'>, asker: Asker, doing?: string): void {
  authorizeWorkspace(config, asker.teamId);
  authorizeUser(config, asker.userId, doing);
  authorizeChannel(config, asker.channelId);
}

/** Throws `NotAllowedError` unless the channel is on ALLOWED_CHANNELS (listing the roster needs only this and the workspace). */
export function authorizeChannel(config: Pick<Config, 'allowedChannels'>, channelId: string): void {
  if (config.allowedChannels !== '*' && !config.allowedChannels.includes(channelId)) {
    throw new NotAllowedError('team-ide is not allowed in this channel. Use it in the team\'s channel, or ask whoever deployed it to add this channel to ALLOWED_CHANNELS.');
  }
}

/**
 * Throws `NotAllowedError` for a request from another Slack workspace: an app installed in
 * several workspaces (or across an Enterprise Grid) signs all their requests with one secret.
 */
export function authorizeWorkspace(config: Pick<Config, 'slackTeamId'>, teamId: string | undefined): void {
  if (teamId !== config.slackTeamId) {
    throw new NotAllowedError('This team-ide belongs to another Slack workspace and does not act on requests from this one.');
  }
}

/**
 * Throws `NotAllowedError` unless the user is on ALLOWED_USERS. The warning's buttons check
 * only this: the warning is in the run's own channel, checked when the run started, and a
 * later change of ALLOWED_CHANNELS must not leave a running host nobody can stop or extend.
 */
export function authorizeUser(config: Pick<Config, 'allowedUsers'>, userId: string, doing = 'start or stop team IDEs'): void {
  if (config.allowedUsers !== '*' && !config.allowedUsers.includes(userId)) {
    throw new NotAllowedError(`You are not allowed to ${doing}. Ask whoever deployed team-ide to add your Slack member id to ALLOWED_USERS.`);
  }
}

export function planStart(
  request: StartRequest,
  config: Pick<Config, 'roster' | 'maxSeats' | 'defaultSize' | 'defaultHours' | 'maxHours'>,
): StartPlan {
  // Option mistakes first: they are typos, while seat problems may need the roster changed.
  const askedType = chooseInstanceType(request.size ?? config.defaultSize);
  const hours = chooseHours(request.hours, config);
  const seats = chooseSeats(request.seats, config);
  const withoutEmail = seats.filter((member) => member.email === '');
  if (withoutEmail.length > 0) {
    const names = withoutEmail.map((member) => `@${member.name} (dev-${member.slot})`).join(', ');
    throw new RosterError(`${names} ${withoutEmail.length === 1 ? 'has' : 'have'} no email in the roster, so the link could not reach them. Name other people, or \`/ide roster add\` them again once Slack has their email.`);
  }
  return { seats, hours, ...fitHost(askedType, seats.length, request.size === undefined ? config.defaultSize : undefined), fresh: request.fresh === true };
}

/**
 * The instance type and each IDE's share of it. A size the lead asked for must hold the
 * seats; the default size grows to the smallest one that does, since nobody chose it.
 */
function fitHost(asked: InstanceType, seats: number, defaultSize: Size | undefined): Pick<StartPlan, 'instanceType' | 'share' | 'upsizedFrom'> {
  const share = shareHost(asked, seats);
  if (share) return { instanceType: asked, share };
  const fitting = smallestSizeFor(seats, defaultSize);
  if (defaultSize && fitting) return { instanceType: SIZES[fitting], share: shareHost(SIZES[fitting], seats) as IdeShare, upsizedFrom: defaultSize };
  const need = `each IDE needs at least ${formatMemory(MIN_IDE_MEMORY_MIB)} of memory and the host keeps some for itself`;
  if (!fitting) {
    const largest = SIZES[LARGEST_SIZE];
    throw new UsageError(`No size holds ${seats} IDEs: ${need}, so the largest, \`${LARGEST_SIZE}\` (${largest}), holds ${mostSeatsOn(largest)}. Start fewer IDEs.`);
  }
  throw new UsageError(`${seats} IDEs do not fit on ${asked} (${formatMemory(INSTANCE_SPECS[asked].memoryMiB)}): ${need}, so it holds at most ${mostSeatsOn(asked)}. The smallest size for ${seats} is \`${fitting}\` (${SIZES[fitting]}): use \`--size ${fitting}\`.`);
}

function chooseSeats(request: SeatRequest, config: Pick<Config, 'roster' | 'maxSeats'>): RosterMember[] {
  const { roster, maxSeats } = config;
  switch (request.kind) {
    case 'all':
      if (roster.length > maxSeats) {
        throw new RosterError(`The roster has ${roster.length} people but one run holds at most ${maxSeats}. Use \`/ide start ${maxSeats}\` or name the people.`);
      }
      return [...roster];
    case 'count':
      if (request.count > maxSeats) throw new RosterError(`One run holds at most ${maxSeats} IDEs; you asked for ${request.count}.`);
      if (request.count > roster.length) throw new RosterError(`The roster has ${roster.length} people; you asked for ${request.count} IDEs.`);
      return roster.slice(0, request.count);
    case 'people': {
      const chosen: RosterMember[] = [];
      const unknown: string[] = [];
      for (const person of request.people) {
        const member = findMember(roster, person);
        if (!member) unknown.push(person.label);
        else if (!chosen.includes(member)) chosen.push(member);
      }
      if (unknown.length > 0) {
        throw new RosterError(`${echo(unknown.join(', '), 200)} ${unknown.length === 1 ? 'is' : 'are'} not on the team roster. On it: ${roster.map((member) => `@${member.name}`).join(', ')}.`);
      }
      if (chosen.length > maxSeats) throw new RosterError(`One run holds at most ${maxSeats} IDEs; you named ${chosen.length} people.`);
      return chosen.sort((a, b) => a.slot - b.slot);
    }
  }
}

function chooseInstanceType(size: string): InstanceType {
  if (isSize(size)) return SIZES[size];
  if (isInstanceType(size)) return size;
  throw new UsageError(`\`--size ${echo(size)}\` is not a size I know. Use ${Object.keys(SIZES).map((name) => `\`${name}\``).join(', ')} or one of ${INSTANCE_TYPES.join(', ')}.`);
}

function chooseHours(hours: number | undefined, config: Pick<Config, 'defaultHours' | 'maxHours'>): number {
  const chosen = hours ?? config.defaultHours;
  if (chosen < 1 || chosen > config.maxHours) {
    throw new UsageError(`\`--hours ${chosen}\`: a run lives from 1 to ${config.maxHours} hours.`);
  }
  return chosen;
}
