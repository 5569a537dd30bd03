import type { PersonRef } from '../slack/command-parser';
import { RosterError } from '../core/errors';
import { MAX_SLOT } from '../core/host-network';
import type { Roster, RosterMember } from '../core/roster';
import { echo } from '../slack/slack-format';

/** Someone to add, as Slack describes them (users.info). */
export interface NewMember {
  userId: string;
  name: string;
  email: string;
}

export interface Added {
  added: RosterMember[];
  /** Already on the roster: they keep their seat. */
  already: RosterMember[];
}

/**
 * Gives each new person the lowest free seat, for good: their dev-N, bookmarks and saved
 * password stay theirs run after run. Someone already on it keeps their seat (their name
 * and email are refreshed from Slack). Pure: the store calls it again on a newer roster
 * when another change came first.
 */
export function addMembers(roster: Roster, people: readonly NewMember[]): { roster: Roster; result: Added } {
  const members = [...roster];
  const result: Added = { added: [], already: [] };
  let changed = false;
  for (const person of people) {
    const index = members.findIndex((member) => member.userId === person.userId);
    const existing = members[index];
    if (existing) {
      const refreshed = { ...existing, name: person.name, email: person.email };
      if (refreshed.name !== existing.name || refreshed.email !== existing.email) {
        members[index] = refreshed;
        changed = true;
      }
      result.already.push(refreshed);
      continue;
    }
    const taken = new Set(members.map((member) => member.slot));
    let slot = 1;
    while (taken.has(slot)) slot += 1;
    if (slot > MAX_SLOT) throw new RosterError(`Every seat from dev-1 to dev-${MAX_SLOT} is taken. Remove someone first (\`/ide roster remove @someone\`).`);
    const member = { slot, ...person };
    members.push(member);
    result.added.push(member);
    changed = true;
  }
  return { roster: changed ? members.sort((a, b) => a.slot - b.slot) : roster, result };
}

/** The member a command names: by Slack id when picked from the @ list, else by roster name. */
export function findMember(roster: Roster, person: PersonRef): RosterMember | undefined {
  return 'userId' in person ? roster.find((member) => member.userId === person.userId) : roster.find((member) => member.name.toLowerCase() === person.name);
}

/**
 * Frees the seats of the people named; not while one of them sits in the running run
 * (`seatedSlots`), whose host still serves their IDE. Someone not on the roster is an error,
 * so a typo does not pass for a removal.
 */
export function removeMembers(roster: Roster, people: readonly PersonRef[], seatedSlots: readonly number[]): { roster: Roster; result: RosterMember[] } {
  const found = people.map((person) => ({ person, member: findMember(roster, person) }));
  const unknown = found.filter(({ member }) => !member).map(({ person }) => person.label);
  if (unknown.length > 0) throw new RosterError(`${echo(unknown.join(', '), 200)} ${unknown.length === 1 ? 'is' : 'are'} not on the roster. \`/ide roster\` lists who is.`);
  const members = [...new Set(found.map(({ member }) => member as RosterMember))];
  const seated = members.filter((member) => seatedSlots.includes(member.slot));
  if (seated.length > 0) {
    const names = seated.map((member) => `<@${member.userId}> (dev-${member.slot})`).join(', ');
    throw new RosterError(`${names} ${seated.length === 1 ? 'holds a seat' : 'hold seats'} in the running run. Remove ${seated.length === 1 ? 'them' : 'those people'} once it has stopped (\`/ide stop\`, or at its end).`);
  }
  return { roster: roster.filter((member) => !members.includes(member)), result: members };
}
