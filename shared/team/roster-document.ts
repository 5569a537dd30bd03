import { gunzipSync, gzipSync } from 'node:zlib';
import * as z from 'zod';
import { RosterError } from '../core/errors';
import { MAX_SLOT } from '../core/host-network';
import { type Roster, ROSTER_NAME, type RosterMember, SLACK_USER_ID } from '../core/roster';

/**
 * The roster as it is stored in SSM: one JSON document,
 * `{"version":1,"members":[{"seat":1,"userId":"U…","name":"alice","email":"…"}]}`. Up to 4 KB
 * (about 30 people) it is stored as it is, readable in the console, in a free standard
 * parameter. Beyond that it is stored gzipped and base64-encoded in an advanced parameter
 * (8 KB, about $0.05 a month): 200 people with realistic ids, names and addresses take
 * 4.7 KB so (measured in the tests), where the plain JSON takes 20 KB; the 254 seats fit.
 */
const memberSchema = z.object({
  seat: z.number().int().min(1).max(MAX_SLOT),
  userId: z.string().regex(SLACK_USER_ID),
  name: z.string().regex(ROSTER_NAME),
  email: z.union([z.literal(''), z.email()]),
});

const documentSchema = z.object({
  version: z.literal(1),
  members: z.array(memberSchema).superRefine((members, context) => {
    for (const key of ['seat', 'userId'] as const) {
      const seen = new Set<unknown>();
      for (const member of members) {
        if (seen.has(member[key])) context.addIssue({ code: 'custom', message: `${key} ${String(member[key])} is listed twice` });
        seen.add(member[key]);
      }
    }
  }),
});

/** A standard parameter's limit; past it the document is compressed into an advanced one. */
export const STANDARD_VALUE_LIMIT = 4096;
/** An advanced parameter's limit: the most the roster can take. */
export const ADVANCED_VALUE_LIMIT = 8192;

/** Thrown when the stored document is not a roster: someone edited it by hand. */
export class RosterDocumentError extends Error {
  override readonly name = 'RosterDocumentError';
}

export function encodeRoster(roster: Roster): string {
  const json = JSON.stringify({ version: 1, members: roster.map(({ slot, userId, name, email }) => ({ seat: slot, userId, name, email })) });
  if (json.length <= STANDARD_VALUE_LIMIT) return json;
  const packed = gzipSync(json, { level: 9 }).toString('base64');
  if (packed.length > ADVANCED_VALUE_LIMIT) {
    throw new RosterError(`The roster is full: its ${roster.length} people take more than the ${ADVANCED_VALUE_LIMIT / 1024} KB an SSM parameter holds. Remove people who no longer need a seat (\`/ide roster remove @someone\`).`);
  }
  return packed;
}

/** Reads a stored document, plain or compressed; throws RosterDocumentError naming what is wrong. */
export function decodeRoster(value: string): Roster {
  let document: unknown;
  try {
    document = JSON.parse(value.startsWith('{') ? value : gunzipSync(Buffer.from(value, 'base64')).toString('utf8'));
  } catch (error) {
    throw new RosterDocumentError(`the roster parameter is neither JSON nor compressed JSON (${(error as Error).message})`);
  }
  const parsed = documentSchema.safeParse(document);
  if (!parsed.success) {
    throw new RosterDocumentError(`the roster parameter is not a roster: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'document'} ${issue.message}`).join('; ')}`);
  }
  return parsed.data.members
    .map((member): RosterMember => ({ slot: member.seat, userId: member.userId, name: member.name, email: member.email }))
    .sort((a, b) => a.slot - b.slot);
}
