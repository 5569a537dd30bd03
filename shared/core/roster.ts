import { MAX_SLOT } from './host-network';

/**
 * The team roster: who can get a seat, the email their link goes to, and the dev slot
 * they always sit in. A member keeps the same dev-N on every run, so the URL in their
 * bookmarks and their browser's saved password keep working. In core because the ROSTER
 * setting, the roster until the team's own is stored, is checked at cold start; the stored
 * roster and its changes are in shared/team/.
 */
export interface RosterMember {
  /** N in dev-N. */
  slot: number;
  /** Slack user id, e.g. U0123ABCD. */
  userId: string;
  /** Slack handle, matched by a plain `@name` in the command. */
  name: string;
  /** Where the link and password are sent; empty when the roster has none. */
  email: string;
}

export type Roster = readonly RosterMember[];

/** A Slack member id (U… or, on Enterprise Grid, W…). */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;
/** A roster name: what `@name` in a command matches. */
export const ROSTER_NAME = /^[a-z0-9][a-z0-9._-]*$/i;
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

export const ROSTER_FORMAT = 'slot:SlackUserId:name:email entries separated by commas, e.g. "1:U0123ABCD:alice:alice@example.com,2:U0456EFGH:bob:bob@example.com"';

/** The ROSTER setting that holds these members: what parseRoster reads back. */
export function formatRoster(members: Roster): string {
  return members.map((member) => `${member.slot}:${member.userId}:${member.name}:${member.email}`).join(',');
}

/**
 * Parses the ROSTER setting. Returns the members sorted by slot, or the list of problems
 * (each naming the entry), so a deploy with a broken roster fails at cold start.
 */
export function parseRoster(text: string): { roster: Roster; problems: string[] } {
  const problems: string[] = [];
  const members: RosterMember[] = [];
  const entries = text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) {
    return { roster: [], problems: [`it has no entries; expected ${ROSTER_FORMAT}`] };
  }
  for (const entry of entries) {
    const fields = entry.split(':').map((field) => field.trim());
    if (fields.length !== 4) {
      problems.push(`entry "${entry}" has ${fields.length} fields; expected ${ROSTER_FORMAT}`);
      continue;
    }
    const [slotText, userId, name, email] = fields as [string, string, string, string];
    const slot = Number(slotText);
    if (!/^\d+$/.test(slotText) || slot < 1 || slot > MAX_SLOT) {
      problems.push(`entry "${entry}": slot "${slotText}" must be a whole number from 1 to ${MAX_SLOT}`);
    } else if (members.some((member) => member.slot === slot)) {
      problems.push(`entry "${entry}": slot ${slot} is given twice`);
    }
    if (!SLACK_USER_ID.test(userId)) {
      problems.push(`entry "${entry}": "${userId}" is not a Slack user id (like U0123ABCD; see the member's profile → ⋮ → Copy member ID)`);
    } else if (members.some((member) => member.userId === userId)) {
      problems.push(`entry "${entry}": user ${userId} is listed twice`);
    }
    if (!ROSTER_NAME.test(name)) {
      problems.push(`entry "${entry}": name "${name}" must be a Slack handle (letters, digits, . _ -)`);
    } else if (members.some((member) => member.name.toLowerCase() === name.toLowerCase())) {
      problems.push(`entry "${entry}": name "${name}" is listed twice`);
    }
    if (email !== '' && !EMAIL.test(email)) {
      problems.push(`entry "${entry}": "${email}" is not an email address`);
    }
    members.push({ slot, userId, name, email });
  }
  members.sort((a, b) => a.slot - b.slot);
  return { roster: problems.length === 0 ? members : [], problems };
}
