/**
 * The functions run unchanged in serverless-offline (stage "sandbox"): the HTTP API for the
 * slash command, and Lambda Invoke for the asynchronous hand-offs. The SDK clients in the
 * functions reach the sandbox through the AWS_ENDPOINT_URL_<SERVICE> variables, which
 * serverless-offline passes on to every function (it copies all AWS_* variables).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { SANDBOX_ENDPOINT_VARIABLES } from '../shared/core/config';
import type { AsyncSettings } from './backend/lambda';
import { portAcceptsConnections, REPO_ROOT, SANDBOX, SandboxSetupError, type SandboxPorts, type SandboxUrls } from './settings';

const SERVERLESS = path.join(REPO_ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');

/** What serverless.yml resolves to for stage "sandbox": the functions' environment, names and asynchronous settings. */
export interface ResolvedService {
  environment: Record<string, string>;
  /** Function key (slackCommand, stackEvents…) → deployed name, which Lambda Invoke takes. */
  functionNames: Record<string, string>;
  /** Deployed name → retries and on-failure destination of its asynchronous invocations, as Lambda applies them. */
  asyncSettings: Record<string, AsyncSettings>;
}

/**
 * The environment serverless runs in: the shell's and .env.sandbox's settings, with every
 * AWS_* variable of the shell dropped (no real credentials, profile or endpoint reaches the
 * functions) and the sandbox's fake credentials and local endpoints put in their place.
 */
export function serverlessEnvironment(settingsEnv: Record<string, string | undefined>, ports: SandboxPorts, urls: SandboxUrls): Record<string, string> {
  const kept = Object.entries(settingsEnv).filter((entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('AWS_'));
  const endpoints: Record<(typeof SANDBOX_ENDPOINT_VARIABLES)[number], string> = {
    AWS_ENDPOINT_URL_CLOUDFORMATION: urls.backend,
    AWS_ENDPOINT_URL_EC2: urls.backend,
    // The backend's Lambda stand-in retries failed asynchronous jobs as Lambda does, then runs them in serverless-offline.
    AWS_ENDPOINT_URL_LAMBDA: urls.backend,
    AWS_ENDPOINT_URL_ROUTE_53: urls.backend,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: urls.backend,
    AWS_ENDPOINT_URL_SES: urls.inbox,
    AWS_ENDPOINT_URL_SQS: urls.backend,
    AWS_ENDPOINT_URL_SSM: urls.backend,
  };
  return {
    ...Object.fromEntries(kept),
    IDE_BACKEND: 'sandbox',
    AWS_REGION: settingsEnv.AWS_REGION?.trim() || 'eu-west-1',
    ...SANDBOX.credentials,
    ...endpoints,
    SLACK_API_URL: urls.slackApi,
    SANDBOX_HTTP_PORT: String(ports.http),
    SANDBOX_LAMBDA_PORT: String(ports.lambda),
    // serverless.yml builds the sandbox's FAILED_JOBS_QUEUE_URL on the backend's port.
    SANDBOX_BACKEND_PORT: String(ports.backend),
    // The SDK warns at every cold start on Node 20 that it will want Node 22 from 2027; Lambda runs 24.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** `serverless print`: serverless.yml and .env.sandbox resolved exactly as serverless-offline will resolve them. */
export async function resolveService(env: Record<string, string>): Promise<ResolvedService> {
  let printed: string;
  try {
    ({ stdout: printed } = await promisify(execFile)(process.execPath, [SERVERLESS, 'print', '--stage', SANDBOX.stage, '--format', 'json'], {
      cwd: REPO_ROOT,
      env,
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (error) {
    throw new SandboxSetupError(serverlessProblem(String((error as { stderr?: string }).stderr ?? (error as Error).message)));
  }
  const service = JSON.parse(printed) as {
    provider: { environment?: Record<string, unknown> };
    functions: Record<string, { name?: string; maximumRetryAttempts?: number; destinations?: { onFailure?: unknown } }>;
  };
  const names = Object.fromEntries(Object.entries(service.functions).map(([key, definition]) => [key, definition.name ?? key]));
  return {
    environment: Object.fromEntries(Object.entries(service.provider.environment ?? {}).map(([name, value]) => [name, String(value)])),
    functionNames: names,
    asyncSettings: Object.fromEntries(
      Object.entries(service.functions).map(([key, definition]) => [
        names[key] as string,
        // Lambda retries an asynchronous invocation twice unless told otherwise.
        { maximumRetryAttempts: definition.maximumRetryAttempts ?? 2, onFailure: definition.destinations?.onFailure !== undefined },
      ]),
    ),
  };
}

/** serverless's error output, as the one line that says what to change. */
export function serverlessProblem(stderr: string): string {
  const missing = /Cannot resolve variable at "provider\.environment\.(\w+)": Value not found at "env" source/.exec(stderr)?.[1];
  if (missing) return `${missing} is missing: set it in ${SANDBOX.envFile}`;
  const afterError = stderr.split(/\n\s*Error:\s*\n/)[1] ?? stderr;
  const detail = afterError.split('\n').map((line) => line.trim().replace(/^- /, '')).filter(Boolean).join(' ');
  return `serverless.yml cannot be read for stage ${SANDBOX.stage}: ${detail || 'serverless exited without saying why'}`;
}

/** A running `serverless offline start`, and how to stop it. */
export interface OfflineProcess {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts serverless-offline and resolves once both of its ports accept connections. */
export async function startOffline(env: Record<string, string>, ports: SandboxPorts, log: (line: string) => void): Promise<OfflineProcess> {
  const child = spawn(process.execPath, [SERVERLESS, 'offline', 'start', '--stage', SANDBOX.stage, '--host', SANDBOX.host, '--noSponsor'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      const formatted = formatOfflineLine(line);
      if (formatted) log(formatted);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // serverless-offline stops its servers and workers on SIGINT, as on Ctrl-C.
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const waiting = new AbortController();
  const ready = Promise.all([waitForPort(ports.http, waiting.signal), waitForPort(ports.lambda, waiting.signal)]);
  const outcome = await Promise.race([ready.then(() => 'ready' as const), exited.then(() => 'exited' as const), delay(60_000).then(() => 'slow' as const)]);
  waiting.abort();
  if (outcome !== 'ready') {
    await stop();
    const last = recent.filter((line) => line.trim()).slice(-3).join(' ').trim();
    throw new SandboxSetupError(outcome === 'slow'
      ? 'serverless offline did not open its ports within 60 s: run `npx serverless offline start --stage sandbox` to see why'
      : `serverless offline stopped while starting: ${last || 'no output'}`);
  }
  return { child, stop };
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

async function waitForPort(port: number, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    if (await portAcceptsConnections(port)) return;
    await delay(150);
  }
}

/**
 * The functions log JSON (Powertools): shown as `[service] LEVEL message {fields}`. Other
 * lines (serverless-offline's own) pass through.
 */
export function formatOfflineLine(line: string): string | undefined {
  if (line.trim() === '') return undefined;
  if (line.startsWith('{')) {
    try {
      const { level, message, service, timestamp: _timestamp, sampling_rate: _samplingRate, ...fields } = JSON.parse(line) as Record<string, unknown>;
      if (typeof message === 'string' && typeof service === 'string') {
        return `[${service}] ${String(level)} ${message}${Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : ''}`;
      }
    } catch {
      // Not a log record: shown as it is.
    }
  }
  return `[offline] ${line}`;
}
