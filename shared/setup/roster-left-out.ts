import type { Roster } from '../core/roster';
import { fail, type Finding } from './findings';

/** How many people a finding names before "and N more": enough to recognise, short enough for one line. */
const NAMED = 5;

/** The people of `given` (a ROSTER setting) whom `stored` (the team's roster in SSM) lacks, by Slack id. */
export function leftOutOfStoredRoster(given: Roster, stored: Roster): Roster {
  const onTeam = new Set(stored.map((member) => member.userId));
  return given.filter((member) => !onTeam.has(member.userId));
}

const handle = (member: Roster[number]) => `@${member.name || member.userId}`;

/**
 * What setup says when it shortens ROSTER to the leads while SSM already holds the team's
 * roster, and ROSTER named people that roster lacks: they end up on neither, so they are named
 * (Slack names only, as setup prints the roster anyway; never their addresses) with the step
 * that seats them. A ✗ that setup goes past: see fitRosterIntoEnvironment.
 */
export function leftOutFinding(leftOut: Roster, givenCount: number, where: string): Finding {
  const named = leftOut.slice(0, NAMED).map(handle);
  const more = leftOut.length - named.length;
  const who = more > 0 ? `${named.join(', ')} and ${more} more` : named.join(', ');
  return fail(
    'Roster',
    `${leftOut.length} of the ${givenCount} people in ROSTER ${leftOut.length === 1 ? 'is' : 'are'} not on the team's roster in ${where} (which \`/ide roster\` keeps and the functions read), and with ROSTER cut to the leads ${leftOut.length === 1 ? 'is' : 'are'} on neither: ${who}.`,
    `if they belong on the team, add them in Slack once deployed: \`/ide roster add ${named.join(' ')}${more > 0 ? ' …' : ''}\` (type @ and pick each person from the list; one command takes several). If \`/ide roster remove\` took them off, nothing is to be done.`,
  );
}
