/**
 * `npm run bench`: packages the functions as a deploy would (serverless package, offline,
 * fake settings from .env.ci) and prints the figures the issues set targets for. The
 * slack-command bundle reads its signing secret and the roster, and hands its jobs on, over
 * HTTP to the sandbox backend on this machine: the cold start includes real AWS calls, with
 * their SDK, signing and parsing, only without the network's own latency.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { startBackend } from '../sandbox/backend/server';
import { SANDBOX_ENDPOINT_VARIABLES } from '../shared/core/config';
import { parseRoster } from '../shared/core/roster';
import { encodeRoster } from '../shared/team/roster-document';
import { rosterParameterName } from '../shared/team/roster-store';

const root = path.resolve(__dirname, '..');
const COLD_RUNS = 7;
const WARM_INVOCATIONS = 200;
const SIZE_TARGET_KB: Record<string, number> = { slackCommand: 600, launcher: 600, stackEvents: 100, notifier: 100 };

const fakeAws = { AWS_ACCESS_KEY_ID: 'AKIDFAKEFORBENCH', AWS_SECRET_ACCESS_KEY: 'fake', AWS_REGION: 'eu-west-1' };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function verdict(value: number, target: number): string {
  return value <= target ? 'ok' : 'OVER TARGET';
}

console.log('Packaging (serverless package --stage ci, offline)…');
execFileSync('npx', ['serverless', 'package', '--stage', 'ci'], { cwd: root, env: { ...process.env, ...fakeAws }, stdio: ['ignore', 'ignore', 'inherit'] });

console.log('\nZipped size of each function (.serverless/*.zip):');
for (const file of readdirSync(path.join(root, '.serverless')).filter((name) => name.endsWith('.zip')).sort()) {
  const name = file.replace(/\.zip$/, '');
  const kb = statSync(path.join(root, '.serverless', file)).size / 1024;
  const target = SIZE_TARGET_KB[name];
  console.log(`  ${name.padEnd(18)} ${kb.toFixed(1).padStart(7)} KB${target ? `   target ≤ ${target} KB: ${verdict(kb, target)}` : ''}`);
}

benchSlackCommand().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/** The slack-command cold start and warm figures, in fresh processes loading the packaged bundle. */
async function benchSlackCommand(): Promise<void> {
  const bundle = path.join(root, '.esbuild/.build/functions/slack-command.js');
  const deployed = deployedEnvironment();
  const signingSecret = 'bench-signing-secret';
  const runs = await withLocalAws(deployed, signingSecret, async (endpoints) => {
    // The SDK warns on every start that it will want Node 22 from 2027 (Lambda runs 24).
    const env = { ...process.env, ...fakeAws, ...deployed, ...endpoints, BENCH_SIGNING_SECRET: signingSecret, POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    const measured: { cold: number; warmMedian: number; warmP95: number }[] = [];
    for (let run = 0; run < COLD_RUNS; run++) {
      // Not execFileSync: the backend answering the child runs in this process.
      const { stdout } = await promisify(execFile)(process.execPath, [path.join(__dirname, 'bench/slack-command-process.cjs'), bundle, String(WARM_INVOCATIONS)], { cwd: root, env });
      measured.push(JSON.parse(stdout) as (typeof measured)[number]);
    }
    return measured;
  });
  const cold = median(runs.map((run) => run.cold));
  const warm = median(runs.map((run) => run.warmMedian));
  console.log(`\nslack-command, packaged bundle, its SSM reads and Lambda Invoke over HTTP to the sandbox backend (Node ${process.version} here; Lambda runs nodejs24.x on arm64):`);
  console.log(`  cold start (fresh process: SDK + bundle import + first invocation, signing secret and roster read), median of ${COLD_RUNS}: ${cold.toFixed(1)} ms   target ≤ 400 ms: ${verdict(cold, 400)}`);
  console.log(`  warm invocation (the roster cached, the hand-off over HTTP), median of ${WARM_INVOCATIONS} (× ${COLD_RUNS} processes): ${warm.toFixed(2)} ms (p95 ${median(runs.map((run) => run.warmP95)).toFixed(2)} ms)   target ≤ 20 ms: ${verdict(warm, 20)}`);
}

/**
 * Runs `measure` with the sandbox backend standing in for SSM and Lambda: the Slack secrets
 * stored, the team's roster stored as `/ide roster add` leaves it (one person more than the
 * ROSTER setting), and the launcher a stand-in that accepts every job.
 */
async function withLocalAws<T>(deployedEnv: Record<string, string>, secret: string, measure: (endpoints: Record<string, string>) => Promise<T>): Promise<T> {
  const launcher = createServer((request, response) => {
    request.resume().on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('null'));
  });
  await new Promise<void>((resolve) => launcher.listen(0, '127.0.0.1', resolve));
  const setting = (name: string) => deployedEnv[name] ?? '';
  const backend = await startBackend({
    host: '127.0.0.1',
    port: 0,
    region: fakeAws.AWS_REGION,
    accountId: '000000000000',
    stackDelayMs: 0,
    snapshotMs: 0,
    deployment: `${setting('STACK_NAME_PREFIX')}-ides`,
    botToken: 'xoxb-bench',
    parameters: { [setting('SLACK_SIGNING_SECRET_PARAMETER')]: secret },
    lambda: {
      offlineUrl: `http://127.0.0.1:${(launcher.address() as AddressInfo).port}`,
      functions: { [setting('LAUNCHER_FUNCTION_NAME')]: { maximumRetryAttempts: 0, onFailure: false } },
      retryDelaysMs: [0],
    },
    nameOf: () => undefined,
    publish: async () => undefined,
    log: () => undefined,
  });
  const { roster } = parseRoster(setting('ROSTER'));
  backend.parameterStore.put(rosterParameterName(setting('STACK_NAME_PREFIX')), encodeRoster([...roster, { slot: 3, userId: 'U0000CCC3', name: 'carol', email: 'carol@example.com' }]), 'String');
  try {
    // What `npm start` gives the functions: every AWS endpoint on the backend, which config.ts allows only with IDE_BACKEND=sandbox.
    const endpoints = {
      ...Object.fromEntries(SANDBOX_ENDPOINT_VARIABLES.map((name) => [name, backend.url])),
      IDE_BACKEND: 'sandbox',
      SLACK_API_URL: `${backend.url}/api`,
      ACME_DIRECTORY_URL: `${backend.url}/acme/directory`,
      FAILED_JOBS_QUEUE_URL: `${backend.url}/000000000000/${setting('STACK_NAME_PREFIX')}-failed-jobs`,
    };
    return await measure(endpoints);
  } finally {
    await backend.close();
    await new Promise((resolve) => launcher.close(resolve));
  }
}

/**
 * The environment the deployed function gets: the packaged template's variables, with
 * fake stand-ins for those that name resources of the deployment (the failed-jobs queue is
 * the sandbox backend's, see withLocalAws).
 */
function deployedEnvironment(): Record<string, string> {
  const template = JSON.parse(readFileSync(path.join(root, '.serverless/cloudformation-template-update-stack.json'), 'utf8')) as {
    Resources: Record<string, { Properties: { Environment: { Variables: Record<string, unknown> } } }>;
  };
  const variables = template.Resources.SlackCommandLambdaFunction?.Properties.Environment.Variables ?? {};
  const standIns: Record<string, string> = {
    INSTANCE_PROFILE_NAME: 'team-ide-ci-host',
    TEAM_STACK_ROLE_ARN: 'arn:aws:iam::123456789012:role/team-ide-ci-stack',
  };
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : (standIns[name] ?? '')]));
}
