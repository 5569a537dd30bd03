/**
 * The stand-in for the sweeper's EventBridge schedule: every SANDBOX_SWEEP_SECONDS it invokes
 * the sweeper asynchronously through the backend's Lambda stand-in, as the schedule does on AWS
 * every minute. Tests read each tick from the stand-in's journal, to say which tick did what
 * rather than how many milliseconds it took, and may stop the clock and run the ticks themselves
 * where the machine's speed must not decide the outcome.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { InvocationAttempt, SandboxLambda } from './backend/lambda';

export interface SandboxSweeper {
  /** Every tick so far (the sweeper's invocations), oldest first. */
  ticks(): InvocationAttempt[];
  /** Stops the clock: no tick starts until `resume()`. Resolves once the ticks under way have ended. */
  pause(): Promise<void>;
  resume(): void;
  /** Runs one tick now, as the clock does, and resolves with it once it has ended. */
  tick(): Promise<InvocationAttempt>;
}

export interface SweeperClockOptions {
  /** A client of the backend's Lambda Invoke. */
  lambda: LambdaClient;
  journal: SandboxLambda;
  functionName: string;
  seconds: number;
  log: (line: string) => void;
}

export function startSweeperClock(options: SweeperClockOptions): SandboxSweeper & { stop(): void } {
  const underWay = new Set<Promise<InvocationAttempt>>();
  let paused = false;
  const tick = (): Promise<InvocationAttempt> => {
    const ended = options.lambda.send(new InvokeCommand({ FunctionName: options.functionName, InvocationType: 'Event' })).then(({ $metadata }) => {
      if (!$metadata.requestId) throw new Error('Lambda Invoke answered without a request id');
      return options.journal.whenSettled($metadata.requestId);
    });
    underWay.add(ended);
    ended.then(
      () => underWay.delete(ended),
      () => underWay.delete(ended),
    );
    return ended;
  };
  const timer = setInterval(() => {
    if (paused) return;
    // A tick that fails is logged by the sweeper itself; this is the schedule failing to run it.
    tick().catch((error: unknown) => options.log(`[sandbox] could not run the sweeper: ${(error as Error).message}`));
  }, options.seconds * 1000);
  return {
    ticks: () => options.journal.attempts(options.functionName),
    pause: async () => {
      paused = true;
      await Promise.allSettled([...underWay]);
    },
    resume: () => {
      paused = false;
    },
    tick,
    stop: () => clearInterval(timer),
  };
}
