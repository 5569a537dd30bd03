import type { SSMClient } from '@aws-sdk/client-ssm';
import { parseTime } from '../core/time';
import { claimRunMarker, readRunMarker, releaseRunMarker, type RunKey, writeRunMarker } from '../runs/run-markers';
import type { OpenWarning } from './idle-decision';

/**
 * The idle stop's state, in the run's markers (shared/runs/run-markers.ts), so overlapping
 * ticks and a double-pressed button do each thing once:
 *
 * - `idle-warning`: the warning out now. Claimed before it is posted (one warning per idle
 *   spell), then rewritten with where it went; given back once the warning is settled.
 * - `idle-takeover-<claim time>-<attempt>`: a lease (shared/core/ssm-lease.ts) on removing a
 *   claim whose tick died before posting, so only one tick removes it.
 * - `idle-settled-<idle time>`: what became of the warning of that idle time, decided once by
 *   whoever claims it first: `kept` ("Keep running"), `active` (someone is back), `stopped`.
 * - `idle-kept`: the time of the last "Keep running", where the idle clock starts again.
 */

export type Settlement = { kind: 'kept'; at: Date; userId: string } | { kind: 'active'; at: Date } | { kind: 'stopped'; at: Date };

/** A claimed warning that never went out (its tick died before posting) is given up after this long. */
export const STALE_WARNING_CLAIM_MS = 2 * 60_000;

// In milliseconds: the idle time is a heartbeat's, to the millisecond.
const settledMarker = (idleSince: Date) => `idle-settled-${idleSince.getTime()}` as const;

export function encodeWarning(warning: OpenWarning): string {
  return JSON.stringify({ idleSince: warning.idleSince.toISOString(), warnedAt: warning.warnedAt.toISOString(), ...(warning.posted ?? {}) });
}

/** Undefined for a value this version did not write. */
export function decodeWarning(value: string | undefined): OpenWarning | undefined {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(value ?? '') as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const idleSince = parseTime(parsed.idleSince);
  const warnedAt = parseTime(parsed.warnedAt);
  if (!idleSince || !warnedAt) return undefined;
  const { channel, ts } = parsed;
  return { idleSince, warnedAt, ...(typeof channel === 'string' && typeof ts === 'string' ? { posted: { channel, ts } } : {}) };
}

export function encodeSettlement(settlement: Settlement): string {
  return settlement.kind === 'kept' ? `kept ${settlement.at.toISOString()} ${settlement.userId}` : `${settlement.kind} ${settlement.at.toISOString()}`;
}

export function decodeSettlement(value: string | undefined): Settlement | undefined {
  const [kind, time, userId] = (value ?? '').split(' ');
  const at = parseTime(time);
  if (!at) return undefined;
  if (kind === 'kept' && userId) return { kind, at, userId };
  return kind === 'active' || kind === 'stopped' ? { kind, at } : undefined;
}

/** The warning out now, and the last "Keep running". */
export async function readIdleMarkers(ssm: SSMClient, runKey: RunKey): Promise<{ warning?: OpenWarning; keptAt?: Date }> {
  const [warning, kept] = await Promise.all([readRunMarker(ssm, runKey, 'idle-warning'), readRunMarker(ssm, runKey, 'idle-kept')]);
  const open = decodeWarning(warning);
  const keptAt = parseTime(kept);
  return { ...(open ? { warning: open } : {}), ...(keptAt ? { keptAt } : {}) };
}

/** True when this caller may post the warning: nobody else has one out. */
export function claimWarning(ssm: SSMClient, runKey: RunKey, warning: OpenWarning): Promise<boolean> {
  return claimRunMarker(ssm, runKey, 'idle-warning', warning.warnedAt, encodeWarning(warning));
}

/** Records where the warning went, so it can be edited once settled. */
export function recordWarningPosted(ssm: SSMClient, runKey: RunKey, warning: OpenWarning): Promise<void> {
  return writeRunMarker(ssm, runKey, 'idle-warning', encodeWarning(warning));
}

/** No warning out any more: the next idle spell may be warned of. */
export function clearWarning(ssm: SSMClient, runKey: RunKey): Promise<void> {
  return releaseRunMarker(ssm, runKey, 'idle-warning');
}

/**
 * Decides the warning of `idleSince` once: `won` when this caller's settlement is the one,
 * else what an earlier caller decided.
 */
export async function settleWarning(ssm: SSMClient, runKey: RunKey, idleSince: Date, settlement: Settlement): Promise<{ won: true } | { won: false; settled: Settlement | undefined }> {
  const marker = settledMarker(idleSince);
  if (await claimRunMarker(ssm, runKey, marker, settlement.at, encodeSettlement(settlement))) return { won: true };
  return { won: false, settled: decodeSettlement(await readRunMarker(ssm, runKey, marker)) };
}

/** Starts the idle clock again from `at` ("Keep running"). */
export function recordKept(ssm: SSMClient, runKey: RunKey, at: Date): Promise<void> {
  return writeRunMarker(ssm, runKey, 'idle-kept', at.toISOString());
}
