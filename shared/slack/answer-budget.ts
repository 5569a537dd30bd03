import { LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ServiceTimeoutError } from '../core/errors';
import type { Logger } from '../core/logger';

/*
 * Slack waits 3 seconds for a slash command's answer, then shows the user that it failed;
 * its retry is ignored (functions/slack-command.ts), so a late answer is no answer. Every AWS
 * call made before answering therefore has a limit, and the worst case, a cold start with
 * each call at its limit, still answers in time:
 *
 *   Slack → API Gateway → Lambda, and the answer back        ~150 ms  not ours to bound
 *   Lambda's init: the runtime, the SDK, the bundle          ≤ 900 ms `npm run bench`: 0.2-0.3 s here, its AWS calls included
 *   the signing secret, SSM (cold start only)                ≤ 500 ms AWS_CALL_LIMIT_MS
 *   the roster, SSM (cold start, then every 15 s)            ≤ 500 ms
 *   the hand-off to the launcher, Lambda Invoke              ≤ 500 ms
 *   bolt, reading and planning the command                    < 20 ms the bench's warm figure
 *                                                          ≤ 2,570 ms of Slack's 3,000
 *
 * One attempt at a read may take 300 ms (its connection 200 ms): SSM answers in tens of
 * milliseconds, the first call of a container with its TLS handshake included. A second
 * attempt gets whatever is left of the call's 500 ms: enough after a kept-alive socket that
 * died while the function was frozen, which fails at once; not after a slow first attempt,
 * which means AWS is slow now, and a plain "try again" is the honest answer.
 *
 * The hand-off is not a read: an Invoke that Lambda accepted but answered late has queued the
 * job, and sending it again would start the command twice. So it has one attempt for the
 * whole 500 ms, and a second only when the connection failed before any answer.
 */

/** The most one AWS call may take before the answer, all attempts and the waits between them included. */
const AWS_CALL_LIMIT_MS = 500;
const ATTEMPT_LIMIT_MS = 300;
const CONNECTION_LIMIT_MS = 200;
const MAX_ATTEMPTS = 2;

export interface AnswerClients {
  ssm: SSMClient;
  lambda: LambdaClient;
}

/**
 * The AWS clients of an answer to Slack, each call limited as above. The limits are set twice
 * on purpose: the HTTP handler's timeouts free the socket, and the call's own limit holds
 * whatever the SDK does between attempts (a throttled call waits up to a second before its
 * retry) and whichever SDK the Lambda runtime ships (older ones read `requestTimeout` as the
 * socket's idle time and ignore `throwOnRequestTimeout`). `endpoint`: a local stand-in.
 */
export function answerClients(options: { region: string; endpoint?: string }): AnswerClients {
  const common = { region: options.region, ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
  const ssm = new SSMClient({
    ...common,
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: { connectionTimeout: CONNECTION_LIMIT_MS, requestTimeout: ATTEMPT_LIMIT_MS, throwOnRequestTimeout: true },
  });
  ssm.middlewareStack.add((next) => (args) => withinLimit(next(args)), CALL_LIMIT);
  const lambda = new LambdaClient({
    ...common,
    retryStrategy: retryOnlyUnanswered,
    requestHandler: { connectionTimeout: CONNECTION_LIMIT_MS, requestTimeout: AWS_CALL_LIMIT_MS, throwOnRequestTimeout: true },
  });
  lambda.middlewareStack.add((next) => (args) => withinLimit(next(args)), CALL_LIMIT);
  return { ssm, lambda };
}

type RetryStrategyV2 = Extract<NonNullable<LambdaClientConfig['retryStrategy']>, { acquireInitialRetryToken: unknown }>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;

/** Errors of a connection that failed before the request could be answered: a stale kept-alive socket, a refused connection. */
const CONNECTION_FAILED_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

const retryToken = (retries: number): RetryToken => ({ getRetryCount: () => retries, getRetryDelay: () => 0 });

/**
 * The hand-off's retries: once, at once, after a failed connection; never after a timeout or
 * an answer (throttled, refused), since Lambda may have queued the job.
 */
const retryOnlyUnanswered: RetryStrategyV2 = {
  acquireInitialRetryToken: async () => retryToken(0),
  refreshRetryTokenForRetry: async (token, errorInfo) => {
    const code = String((errorInfo.error as { code?: unknown } | undefined)?.code);
    if (token.getRetryCount() + 1 >= MAX_ATTEMPTS || !CONNECTION_FAILED_CODES.has(code)) throw errorInfo.error ?? new Error('Lambda did not confirm the hand-off');
    return retryToken(token.getRetryCount() + 1);
  },
  recordSuccess: () => undefined,
};

/** Outermost, so that the limit covers the retries. */
const CALL_LIMIT = { step: 'initialize', name: 'teamIdeCallLimit' } as const;

/** An AWS call that went past AWS_CALL_LIMIT_MS; named as the SDK names its own timeouts. */
class CallLimitError extends Error {
  constructor() {
    super(`AWS did not answer within ${AWS_CALL_LIMIT_MS} ms`);
    this.name = 'TimeoutError';
  }
}

function withinLimit<T>(call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CallLimitError()), AWS_CALL_LIMIT_MS);
  });
  // The call left behind ends at its HTTP handler's timeout; race() has already handled its outcome.
  return Promise.race([call, late]).finally(() => clearTimeout(timer));
}

/** Errors of a call AWS did not answer: our limit, the SDK's timeouts, a connection that failed. */
const NO_ANSWER_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

function isNoAnswer(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || NO_ANSWER_CODES.has(String((error as { code?: unknown }).code)));
}

/**
 * The result of `call`; when AWS did not answer it in time, a ServiceTimeoutError that tells
 * the user `userMessage` (and the logs the cause), instead of an apology with an error id:
 * the user can do something about it, try again.
 */
export async function answeredInTime<T>(call: Promise<T>, userMessage: string, logger: Logger): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (!isNoAnswer(error)) throw error;
    logger.warn('AWS did not answer in time', { error: error as Error });
    throw new ServiceTimeoutError(userMessage, { cause: error });
  }
}

export const ROSTER_NOT_READ_IN_TIME = 'I could not read the team\'s roster in time: AWS is slow to answer right now. Nothing was done; try again in a moment.';

export const HAND_OFF_NOT_CONFIRMED =
  'AWS did not confirm in time that your command was handed on, so it may or may not run. Look in a minute (`/ide status`, or `/ide roster` after a roster change) before trying again.';
