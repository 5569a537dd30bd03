import type { EventBridgeEvent } from 'aws-lambda';

/** The detail of EventBridge's "CloudFormation Stack Status Change" events. */
export interface StackStatusChangeDetail {
  'stack-id': string;
  'status-details': { status: string; 'status-reason'?: string };
  'client-request-token'?: string;
}

/** The detail-type of the events the rule forwards. */
export const STACK_STATUS_CHANGE = 'CloudFormation Stack Status Change';

/** A stack status change as Lambda receives it from EventBridge. */
export type StackStatusChangeEvent = EventBridgeEvent<typeof STACK_STATUS_CHANGE, StackStatusChangeDetail>;

/**
 * The statuses the stack-events function acts on, as the EventBridge rule filters them: the
 * terminal ones, and ROLLBACK_IN_PROGRESS, where a failed start is already known minutes
 * before the rollback ends.
 */
export const HANDLED_STATUSES = [
  'CREATE_COMPLETE',
  'CREATE_FAILED',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_COMPLETE',
  'ROLLBACK_FAILED',
  'DELETE_COMPLETE',
  'DELETE_FAILED',
] as const;

/** One of `HANDLED_STATUSES`. */
export type HandledStatus = (typeof HANDLED_STATUSES)[number];

/** One status change of our team stack, reduced to what the handlers need. */
export interface TeamStackStatusChange {
  /** EventBridge's id: a redelivered event carries the same one. */
  eventId: string;
  stackId: string;
  /** The last part of the stack id: new for every stack, so it names one run. */
  stackUuid: string;
  status: HandledStatus;
  reason: string;
}

/** The parts of a stack id (`arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`). */
export function parseStackId(stackId: string): { stackName: string; stackUuid: string } | undefined {
  const match = /^arn:[\w-]+:cloudformation:[\w-]+:\d{12}:stack\/([A-Za-z][A-Za-z0-9-]*)\/([0-9a-f-]{36})$/.exec(stackId);
  return match ? { stackName: match[1] as string, stackUuid: match[2] as string } : undefined;
}

/**
 * Reads an EventBridge event; undefined unless it is a handled status change of the
 * stack named `stackName` (the rule filters the same way, but a rule edited in the
 * console or a test event sent by hand may let others through).
 */
export function readTeamStackStatusChange(event: unknown, stackName: string): TeamStackStatusChange | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const candidate = event as Partial<StackStatusChangeEvent>;
  if (candidate['detail-type'] !== STACK_STATUS_CHANGE || typeof candidate.detail !== 'object' || candidate.detail === null) return undefined;
  const stackId = candidate.detail['stack-id'];
  const status = candidate.detail['status-details']?.status;
  const parsed = typeof stackId === 'string' ? parseStackId(stackId) : undefined;
  if (!parsed || parsed.stackName !== stackName || !isHandledStatus(status)) return undefined;
  return {
    eventId: String(candidate.id ?? ''),
    stackId: stackId as string,
    stackUuid: parsed.stackUuid,
    status,
    reason: candidate.detail['status-details']?.['status-reason'] ?? '',
  };
}

function isHandledStatus(status: unknown): status is HandledStatus {
  return typeof status === 'string' && (HANDLED_STATUSES as readonly string[]).includes(status);
}
