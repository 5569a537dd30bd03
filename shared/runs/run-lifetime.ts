import type { SSMClient } from '@aws-sdk/client-ssm';
import { parseTime } from '../core/time';
import { readRunMarker, type RunKey } from './run-markers';
import type { TeamStack } from '../stack/stack-gateway';
import { parseStackId } from '../stack/stack-status-event';

/**
 * When a run ends, and what the cost guard does about it. The end a run was started with is
 * its `team-ide:ends-at` tag; tags cannot change without an UpdateStack, so an extended end
 * is kept in the run's `ends-at` parameter beside its markers (shared/runs/run-markers.ts), which
 * wins when present. The functions here are pure except `readRunEnd`; `now` is always given.
 */

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** The statuses in which a run costs money and the sweeper watches its end. */
export const SWEPT_STATUSES: readonly string[] = ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE'];

/** The run's key for its markers; undefined for a stack id that is not a CloudFormation stack ARN. */
export function runKeyOf(prefix: string, stackId: string): RunKey | undefined {
  const parsed = parseStackId(stackId);
  return parsed ? { prefix, stackUuid: parsed.stackUuid } : undefined;
}

/** `2026-11-28T17:00:00.000Z` → `20261128T170000Z`: a time that fits in a marker name. */
export function compactTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/**
 * The end the run was started with. A stack without a readable `ends-at` tag still ends:
 * `hours` after its creation, or `maxHours` when that is unreadable too. Never later than
 * `maxHours` after its creation, whatever the tags say.
 */
export function startedEnd(stack: Pick<TeamStack, 'createdAt' | 'run'>, maxHours: number): Date {
  const tagged = parseTime(stack.run?.endsAt);
  const hours = stack.run && stack.run.hours > 0 ? stack.run.hours : maxHours;
  return capEnd(tagged ?? new Date(stack.createdAt.getTime() + hours * HOUR_MS), stack.createdAt, maxHours);
}

/**
 * The run's current end: the extended one when it was extended, else the one it started
 * with. The tags and the marker are only as trustworthy as whoever could write them (anyone
 * with UpdateStack or PutParameter), so the end is capped at `maxHours` after the stack's
 * creation, a time CloudFormation keeps itself.
 */
export async function readRunEnd(ssm: SSMClient, runKey: RunKey, stack: Pick<TeamStack, 'createdAt' | 'run'>, maxHours: number): Promise<Date> {
  const extended = parseTime(await readRunMarker(ssm, runKey, 'ends-at'));
  return extended ? capEnd(extended, stack.createdAt, maxHours) : startedEnd(stack, maxHours);
}

function capEnd(endsAt: Date, createdAt: Date, maxHours: number): Date {
  const latest = latestEnd(createdAt, maxHours);
  return endsAt.getTime() > latest.getTime() ? latest : endsAt;
}

/** The latest end any run may have: `maxHours` after it was created. */
export function latestEnd(createdAt: Date, maxHours: number): Date {
  return new Date(createdAt.getTime() + maxHours * HOUR_MS);
}

export type SweepDecision = 'none' | 'warn' | 'stop';

/** What the sweeper does now: nothing, warn (from `warningMinutes` before the end), or stop (from the end on). */
export function sweepDecision(input: { endsAt: Date; now: Date; warningMinutes: number }): SweepDecision {
  const left = input.endsAt.getTime() - input.now.getTime();
  if (left <= 0) return 'stop';
  return left <= input.warningMinutes * MINUTE_MS ? 'warn' : 'none';
}

/**
 * The end after one extension of `endsAt`: `extendHours` later, but never past `maxHours`
 * from the run's start (`capped` then). Undefined when the run already ends at that limit.
 */
export function extendedEnd(input: { endsAt: Date; createdAt: Date; extendHours: number; maxHours: number }): { endsAt: Date; capped: boolean } | undefined {
  const wanted = input.endsAt.getTime() + input.extendHours * HOUR_MS;
  const limit = latestEnd(input.createdAt, input.maxHours).getTime();
  if (limit <= input.endsAt.getTime()) return undefined;
  return { endsAt: new Date(Math.min(wanted, limit)), capped: wanted > limit };
}

/** `2 h 5 min`, `14 min`, `less than a minute`: time left, rounded down to the minute. */
export function formatDuration(milliseconds: number): string {
  const minutes = Math.floor(milliseconds / MINUTE_MS);
  if (minutes < 1) return 'less than a minute';
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/**
 * What happened at one end time, decided once by whoever claims the `end-<time>` marker
 * first: the "Extend" button (the run goes on to a later end) or the sweeper (the run
 * stops). A double press, or a press racing the sweeper, finds the other's claim.
 */
export type EndFate = { kind: 'extended'; endsAt: Date } | { kind: 'reached' };

export const endMarker = (endsAt: Date) => `end-${compactTime(endsAt)}` as const;
export const warnedMarker = (endsAt: Date) => `warned-${compactTime(endsAt)}` as const;

export function encodeEndFate(fate: EndFate): string {
  return fate.kind === 'extended' ? `extended ${fate.endsAt.toISOString()}` : 'reached';
}

export function decodeEndFate(value: string | undefined): EndFate | undefined {
  if (value === 'reached') return { kind: 'reached' };
  const endsAt = parseTime(/^extended (.+)$/.exec(value ?? '')?.[1]);
  return endsAt ? { kind: 'extended', endsAt } : undefined;
}
