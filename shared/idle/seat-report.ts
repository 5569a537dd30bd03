import { GetParameterCommand, ParameterNotFound, type SSMClient } from '@aws-sdk/client-ssm';

/**
 * What the host says about its IDEs. Every minute its agent (infra/host/seat-report.sh) asks
 * each code-server's `GET /healthz` on the host's own bridge networks and writes the answers
 * to one String parameter of the run, which the team stack creates (and deletes) and only
 * that run's host may overwrite:
 *
 *     {"seats":[{"slot":1,"status":"alive","lastHeartbeat":1764320000000},
 *               {"slot":2,"status":"expired","lastHeartbeat":0},
 *               {"slot":5,"status":"unreachable"}]}
 *
 * `alive` and `expired` are code-server's words: alive while a browser is connected or a
 * request came in the last minute (`/healthz` itself does not count); `lastHeartbeat` is the
 * host's clock in milliseconds, 0 until a browser first connects. `unreachable`: no answer.
 * The parameter's LastModifiedDate, which SSM sets, says when the host last reported.
 */

/** The run's report parameter: beside its passwords' names, `<stack name>/<run id>/…` (infra/team-stack.yaml, SeatReport). */
export function seatReportName(stackName: string, runId: string): string {
  return `/${stackName}/${runId}/seats`;
}

export type SeatStatus = 'alive' | 'expired' | 'unreachable';

/** One seat as the host last saw it. */
export interface SeatReading {
  status: SeatStatus;
  /** The last activity code-server counted, on the host's clock; undefined: never (or no answer). */
  lastHeartbeat?: Date;
}

/** The host's last report: when SSM took it, and each seat of the run it said something about. */
export interface SeatReport {
  receivedAt: Date;
  seats: ReadonlyMap<number, SeatReading>;
}

const STATUSES: readonly string[] = ['alive', 'expired', 'unreachable'];

/**
 * The seats of `slots` the report describes. The value is only as trustworthy as the host
 * that wrote it, so anything unexpected is left out: a seat not in the run, an unknown
 * status, a heartbeat that is not a time. A seat left out counts as not reported.
 */
export function parseSeatReport(value: string, slots: readonly number[]): Map<number, SeatReading> {
  const seats = new Map<number, SeatReading>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return seats;
  }
  const entries = (parsed as { seats?: unknown } | null)?.seats;
  if (!Array.isArray(entries)) return seats;
  for (const entry of entries as unknown[]) {
    const { slot, status, lastHeartbeat } = (entry ?? {}) as Record<string, unknown>;
    if (typeof slot !== 'number' || !slots.includes(slot) || typeof status !== 'string' || !STATUSES.includes(status)) continue;
    const heartbeat = typeof lastHeartbeat === 'number' && Number.isSafeInteger(lastHeartbeat) && lastHeartbeat > 0 ? new Date(lastHeartbeat) : undefined;
    seats.set(slot, { status: status as SeatStatus, ...(heartbeat ? { lastHeartbeat: heartbeat } : {}) });
  }
  return seats;
}

/** The run's report; undefined when the run has no report parameter (a stack made before the idle stop). */
export async function readSeatReport(ssm: SSMClient, name: string, slots: readonly number[]): Promise<SeatReport | undefined> {
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
    return { receivedAt: Parameter?.LastModifiedDate ?? new Date(0), seats: parseSeatReport(Parameter?.Value ?? '', slots) };
  } catch (error) {
    if (error instanceof ParameterNotFound) return undefined;
    throw error;
  }
}
