/**
 * The sandbox's Lambda Invoke, in front of serverless-offline: serverless-offline runs an
 * asynchronous invocation (InvocationType Event) once and forgets its failure, where Lambda
 * retries it (maximumRetryAttempts, 2 unless set) and then writes a record to the function's
 * on-failure destination. This stand-in does what Lambda does, with its waits between attempts
 * shortened from 1 and 2 minutes to 1 and 2 seconds, and runs each attempt in serverless-offline
 * synchronously. Synchronous invocations pass straight through.
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

  constructor(private readonly options: SandboxLambdaOptions) {}

  /** Asynchronous invocations still being attempted or waiting to be attempted again. */
  pending(): number {
    return this.running + this.timers.size;
  }

  /** POST /2015-03-31/functions/<name>/invocations */
  async invoke(functionName: string, invocationType: string, payload: string): Promise<WireResponse> {
    const settings = this.options.functions[functionName];
    if (!settings) {
      return { status: 404, contentType: 'application/json', body: JSON.stringify({ Type: 'User', Message: `Function not found: arn:aws:lambda:${this.options.region}:${this.options.accountId}:function:${functionName}` }) };
    }
    if (invocationType !== 'Event') return this.passThrough(functionName, invocationType, payload);
    this.attempt(functionName, settings, payload, 1);
    return { status: 202, contentType: 'application/json', body: '' };
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

  private attempt(functionName: string, settings: AsyncSettings, payload: string, number: number): void {
    this.running++;
    this.options.active();
    this.run(functionName, payload)
      .then((attempt) => {
        if (!attempt.failed) return;
        const attempts = settings.maximumRetryAttempts + 1;
        if (number < attempts) {
          const wait = this.options.retryDelaysMs[number - 1] ?? this.options.retryDelaysMs.at(-1) ?? 0;
          this.options.log(`${functionName} failed (${attempt.errorType}), attempt ${number} of ${attempts}: trying again in ${wait / 1000} s`);
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            this.attempt(functionName, settings, payload, number + 1);
          }, wait);
          this.timers.add(timer);
          return;
        }
        this.giveUp(functionName, settings, payload, number, attempt);
      })
      .finally(() => {
        this.running--;
        this.options.active();
      });
  }

  private giveUp(functionName: string, settings: AsyncSettings, payload: string, attempts: number, attempt: Attempt): void {
    if (!settings.onFailure) {
      this.options.log(`${functionName} failed ${attempts} time(s) (${attempt.errorType}): the job is dropped, as the function has no on-failure destination`);
      return;
    }
    this.options.log(`${functionName} failed ${attempts} time(s) (${attempt.errorType}): the job goes to the failed-jobs queue`);
    // The record Lambda writes to an on-failure destination (docs: "Capturing records of asynchronous invocations").
    this.options.failedJobs.send(
      JSON.stringify({
        version: '1.0',
        timestamp: new Date().toISOString(),
        requestContext: {
          requestId: randomUUID(),
          functionArn: `arn:aws:lambda:${this.options.region}:${this.options.accountId}:function:${functionName}:$LATEST`,
          condition: 'RetriesExhausted',
          approximateInvokeCount: attempts,
        },
        requestPayload: JSON.parse(payload || '{}') as unknown,
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: attempt.errorType, errorMessage: attempt.errorMessage, ...(attempt.trace ? { trace: attempt.trace } : {}) },
      }),
    );
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
