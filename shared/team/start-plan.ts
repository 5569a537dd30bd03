import type { SeatRequest } from '../slack/command-parser';
import type { Config } from '../core/config';
import { NotAllowedError, RosterError, UsageError } from '../core/errors';
import { type InstanceType, isInstanceType, isSize, SIZES, INSTANCE_TYPES } from './instance-types';
import type { RosterMember } from './roster';

/** A start request checked against this team's roster and limits: what the launcher creates. */
export interface StartPlan {
  seats: RosterMember[];
  instanceType: InstanceType;
  hours: number;
}

/** Throws `NotAllowedError` unless the user and the channel are on the allowlists. */
export function authorize(config: Pick<Config, 'allowedUsers' | 'allowedChannels'>, userId: string, channelId: string): void {
  authorizeUser(config, userId);
  if (config.allowedChannels !== '*' && !config.allowedChannels.includes(channelId)) {
    throw new NotAllowedError('team-ide is not allowed in this channel. Use it in the team\'s channel, or ask whoever deployed it to add this channel to ALLOWED_CHANNELS.');
  }
}

/**
 * Throws `NotAllowedError` unless the user is on ALLOWED_USERS. The warning's buttons check
 * only this: the warning is in the run's own channel, checked when the run started, and a
 * later change of ALLOWED_CHANNELS must not leave a running host nobody can stop or extend.
 */
export function authorizeUser(config: Pick<Config, 'allowedUsers'>, userId: string): void {
  if (config.allowedUsers !== '*' && !config.allowedUsers.includes(userId)) {
    throw new NotAllowedError('You are not allowed to start or stop team IDEs. Ask whoever deployed team-ide to add your Slack member id to ALLOWED_USERS.');
  }
}

export function planStart(
  request: { seats: SeatRequest; size?: string; hours?: number },
  config: Pick<Config, 'roster' | 'maxSeats' | 'defaultSize' | 'defaultHours' | 'maxHours'>,
): StartPlan {
  // Option mistakes first: they are typos, while seat problems may need the roster changed.
  const instanceType = chooseInstanceType(request.size ?? config.defaultSize);
  const hours = chooseHours(request.hours, config);
  const seats = chooseSeats(request.seats, config);
  const withoutEmail = seats.filter((member) => member.email === '');
  if (withoutEmail.length > 0) {
    const names = withoutEmail.map((member) => `@${member.name} (dev-${member.slot})`).join(', ');
    throw new RosterError(`${names} ${withoutEmail.length === 1 ? 'has' : 'have'} no email in the roster, so the link could not reach them. Name other people, or ask whoever deployed team-ide to add the email to ROSTER.`);
  }
  return { seats, instanceType, hours };
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
        const member = 'userId' in person
          ? roster.find((candidate) => candidate.userId === person.userId)
          : roster.find((candidate) => candidate.name.toLowerCase() === person.name);
        if (!member) unknown.push(person.label);
        else if (!chosen.includes(member)) chosen.push(member);
      }
      if (unknown.length > 0) {
        throw new RosterError(`${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not on the team roster. On it: ${roster.map((member) => `@${member.name}`).join(', ')}.`);
      }
      if (chosen.length > maxSeats) throw new RosterError(`One run holds at most ${maxSeats} IDEs; you named ${chosen.length} people.`);
      return chosen.sort((a, b) => a.slot - b.slot);
    }
  }
}

function chooseInstanceType(size: string): InstanceType {
  if (isSize(size)) return SIZES[size];
  if (isInstanceType(size)) return size;
  throw new UsageError(`\`--size ${size}\` is not a size I know. Use ${Object.keys(SIZES).map((name) => `\`${name}\``).join(', ')} or one of ${INSTANCE_TYPES.join(', ')}.`);
}

function chooseHours(hours: number | undefined, config: Pick<Config, 'defaultHours' | 'maxHours'>): number {
  const chosen = hours ?? config.defaultHours;
  if (chosen < 1 || chosen > config.maxHours) {
    throw new UsageError(`\`--hours ${chosen}\`: a run lives from 1 to ${config.maxHours} hours.`);
  }
  return chosen;
}
