/**
 * The sandbox's Lambda Invoke, in front of serverless-offline: serverless-offline runs an
 * asynchronous invocation (InvocationType Event) once and forgets its failure, where Lambda
 * retries it (maximumRetryAttempts, 2 unless set) and then writes a record to the function's
 * on-failure destination. This stand-in does what Lambda does, with its waits between attempts
 * shortened from 1 and 2 minutes to 1 and 2 seconds, and runs each attempt in serverless-offline
 * synchronously. Synchronous invocations pass straight through.
 *
 * It keeps a journal of the attempts, in the order they started and ended, so that tests can
 * say what happened in which order (the notifier ran during the sweeper's second tick after its
 * job landed in the queue) instead of how many milliseconds it took.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import type { WireResponse } from './aws-protocols';
import type { SandboxQueue } from './sqs';

/** What serverless.yml says about one function's asynchronous invocations. */
export interface AsyncSettings {
  /** Lambda's default is 2. */
  maximumRetryAttempts: number;
  /** Whether failed jobs go to the failed-jobs queue. */
  onFailure: boolean;
}

export interface SandboxLambdaOptions {
  /** serverless-offline's Lambda endpoint. */
  offlineUrl: string;
  /** Deployed function name → its settings; a name not here does not exist. */
  functions: Record<string, AsyncSettings>;
  failedJobs: SandboxQueue;
  region: string;
  accountId: string;
  /** Waits between attempts: Lambda's 1 and 2 minutes. */
  retryDelaysMs: readonly number[];
  /** Called as each attempt starts and ends, so `npm run slack` waits for the flow to settle. */
  active: () => void;
  log: (line: string) => void;
}

/** One attempt of an asynchronous invocation, as the stand-in ran it. */
export interface InvocationAttempt {
  /** The invocation's id: Lambda's answer to the Invoke (x-amzn-RequestId), kept by its retries and its failed job's record. */
  requestId: string;
  functionName: string;
  payload: string;
  /** 1, then 2 and 3 for Lambda's retries. */
  attempt: number;
  /** When it started and ended: its place in the order of the journal's events, and the clock's time in ms. */
  startedSeq: number;
  startedAt: number;
  endedSeq?: number;
  endedAt?: number;
  /** How it ended: done, to be tried again, or given up, its record written to the failed-jobs queue or dropped. */
  outcome?: 'succeeded' | 'retrying' | 'queued' | 'dropped';
  /** The record it wrote to the failed-jobs queue, when it was `queued`. */
  record?: string;
}

/** Enough for a day of `npm start` with a sweeper tick every 10 seconds; older attempts are forgotten. */
const JOURNAL_SIZE = 10_000;

/** The outcome of one attempt, as Lambda reports a function error. */
interface Attempt {
  failed: boolean;
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export class SandboxLambda {
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = 0;
  private readonly journal: InvocationAttempt[] = [];
  private seq = 0;
  private readonly settledListeners = new Map<string, ((attempt: InvocationAttempt) => void)[]>();

  constructor(private readonly options: SandboxLambdaOptions) {}

  /** Asynchronous invocations still being attempted or waiting to be attempted again. */
  pending(): number {
    return this.running + this.timers.size;
  }

  /** The attempts so far, of one function or of all, in the order they started. */
  attempts(functionName?: string): InvocationAttempt[] {
    return this.journal.filter((attempt) => functionName === undefined || attempt.functionName === functionName).map((attempt) => ({ ...attempt }));
  }

  /** Resolves with the last attempt of an invocation once it is settled: done, or given up. */
  whenSettled(requestId: string): Promise<InvocationAttempt> {
    const last = this.journal.findLast((attempt) => attempt.requestId === requestId);
    if (last?.outcome !== undefined && last.outcome !== 'retrying') return Promise.resolve({ ...last });
    return new Promise((resolve) => this.settledListeners.set(requestId, [...(this.settledListeners.get(requestId) ?? []), resolve]));
  }

  /** POST /2015-03-31/functions/<name>/invocations */
  async invoke(functionName: string, invocationType: string, payload: string): Promise<WireResponse> {
    const settings = this.options.functions[functionName];
    if (!settings) {
      return { status: 404, contentType: 'application/json', body: JSON.stringify({ Type: 'User', Message: `Function not found: arn:aws:lambda:${this.options.region}:${this.options.accountId}:function:${functionName}` }) };
    }
    if (invocationType !== 'Event') return this.passThrough(functionName, invocationType, payload);
    const requestId = randomUUID();
    this.attempt({ requestId, functionName, payload }, settings, 1);
    return { status: 202, contentType: 'application/json', body: '', headers: { 'x-amzn-requestid': requestId } };
  }

  /** Stops every pending retry, so the sandbox can exit. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async passThrough(functionName: string, invocationType: string, payload: string): Promise<WireResponse> {
    const response = await this.offline(functionName, invocationType, payload);
    return { status: response.status, contentType: response.headers['content-type'] ?? 'application/json', body: response.body };
  }

  private attempt(invocation: { requestId: string; functionName: string; payload: string }, settings: AsyncSettings, number: number): void {
    const { functionName, payload } = invocation;
    const entry: InvocationAttempt = { ...invocation, attempt: number, startedSeq: ++this.seq, startedAt: Date.now() };
    this.journal.push(entry);
    if (this.journal.length > JOURNAL_SIZE) this.journal.shift();
    this.running++;
    this.options.active();
    this.run(functionName, payload)
      .then((attempt) => {
        if (!attempt.failed) return this.end(entry, 'succeeded');
        const attempts = settings.maximumRetryAttempts + 1;
        if (number < attempts) {
          const wait = this.options.retryDelaysMs[number - 1] ?? this.options.retryDelaysMs.at(-1) ?? 0;
          this.options.log(`${functionName} failed (${attempt.errorType}), attempt ${number} of ${attempts}: trying again in ${wait / 1000} s`);
          this.end(entry, 'retrying');
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            this.attempt(invocation, settings, number + 1);
          }, wait);
          this.timers.add(timer);
          return;
        }
        const record = this.giveUp(entry, settings, attempt);
        this.end(entry, record === undefined ? 'dropped' : 'queued', record);
      })
      .finally(() => {
        this.running--;
        this.options.active();
      });
  }

  private end(entry: InvocationAttempt, outcome: NonNullable<InvocationAttempt['outcome']>, record?: string): void {
    Object.assign(entry, { endedSeq: ++this.seq, endedAt: Date.now(), outcome, ...(record === undefined ? {} : { record }) });
    if (outcome === 'retrying') return;
    const listeners = this.settledListeners.get(entry.requestId) ?? [];
    this.settledListeners.delete(entry.requestId);
    for (const listener of listeners) listener({ ...entry });
  }

  /** Writes the failed job's record to the queue, as Lambda does for a function with an on-failure destination; returns it. */
  private giveUp(entry: InvocationAttempt, settings: AsyncSettings, attempt: Attempt): string | undefined {
    const { functionName, payload, attempt: attempts } = entry;
    if (!settings.onFailure) {
      this.options.log(`${functionName} failed ${attempts} time(s) (${attempt.errorType}): the job is dropped, as the function has no on-failure destination`);
      return undefined;
    }
    this.options.log(`${functionName} failed ${attempts} time(s) (${attempt.errorType}): the job goes to the failed-jobs queue`);
    // The record Lambda writes to an on-failure destination (docs: "Capturing records of asynchronous invocations").
    const record = JSON.stringify({
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: entry.requestId,
        functionArn: `arn:aws:lambda:${this.options.region}:${this.options.accountId}:function:${functionName}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: attempts,
      },
      requestPayload: JSON.parse(payload || '{}') as unknown,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: attempt.errorType, errorMessage: attempt.errorMessage, ...(attempt.trace ? { trace: attempt.trace } : {}) },
    });
    this.options.failedJobs.send(record);
    return record;
  }

  /** One attempt in serverless-offline; its failure as Lambda reports it (a crash of the invocation itself counts as one). */
  private async run(functionName: string, payload: string): Promise<Attempt> {
    try {
      const response = await this.offline(functionName, 'RequestResponse', payload);
      if (response.status < 300 && !response.headers['x-amz-function-error']) return { failed: false, errorType: '', errorMessage: '' };
      const error = JSON.parse(response.body || '{}') as { errorMessage?: string; trace?: string[] };
      // serverless-offline reports every error as "Error"; its trace's first line has the real name, as Lambda's errorType does.
      const errorType = /^(\w+)(:|$)/.exec(error.trace?.[0] ?? '')?.[1] ?? 'Error';
      return { failed: true, errorType, errorMessage: error.errorMessage ?? `HTTP ${response.status}`, ...(error.trace ? { trace: error.trace } : {}) };
    } catch (error) {
      return { failed: true, errorType: 'Sandbox.InvokeFailed', errorMessage: (error as Error).message };
    }
  }

  /**
   * One invocation in serverless-offline, on a connection of its own: a kept-alive one may be
   * closed by serverless-offline just as it is reused, which under load fails a call that
   * never reached the function.
   */
  private offline(functionName: string, invocationType: string, payload: string): Promise<{ status: number; headers: Record<string, string | undefined>; body: string }> {
    return new Promise((resolve, reject) => {
      const call = request(
        `${this.options.offlineUrl}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`,
        { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'x-amz-invocation-type': invocationType } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const headers = Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]));
            resolve({ status: response.statusCode ?? 500, headers, body: Buffer.concat(chunks).toString('utf8') });
          });
          response.on('error', reject);
        },
      );
      call.on('error', reject);
      call.end(payload);
    });
  }
}
