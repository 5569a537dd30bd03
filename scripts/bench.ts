/**
 * `npm run bench`: packages the functions as a deploy would (serverless package, offline,
 * fake settings from .env.ci) and prints the figures the issues set targets for.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

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

const bundle = path.join(root, '.esbuild/.build/functions/slack-command.js');
// The SDK warns on every start that it will want Node 22 from 2027 (Lambda runs 24).
const env = { ...process.env, ...fakeAws, ...deployedEnvironment(), POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const runs: { cold: number; warmMedian: number; warmP95: number }[] = [];
for (let run = 0; run < COLD_RUNS; run++) {
  const output = execFileSync(process.execPath, [path.join(__dirname, 'bench/slack-command-process.cjs'), bundle, String(WARM_INVOCATIONS)], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  runs.push(JSON.parse(output.toString()) as (typeof runs)[number]);
}
const cold = median(runs.map((run) => run.cold));
const warm = median(runs.map((run) => run.warmMedian));
console.log(`\nslack-command, packaged bundle, AWS faked (Node ${process.version} here; Lambda runs nodejs24.x on arm64):`);
console.log(`  cold start (fresh process: SDK + bundle import + first invocation), median of ${COLD_RUNS}: ${cold.toFixed(1)} ms   target ≤ 400 ms: ${verdict(cold, 400)}`);
console.log(`  warm invocation, median of ${WARM_INVOCATIONS} (× ${COLD_RUNS} processes): ${warm.toFixed(2)} ms (p95 ${median(runs.map((run) => run.warmP95)).toFixed(2)} ms)   target ≤ 20 ms: ${verdict(warm, 20)}`);

/**
 * The environment the deployed function gets: the packaged template's variables, with
 * fake stand-ins for those that name resources of the deployment.
 */
function deployedEnvironment(): Record<string, string> {
  const template = JSON.parse(readFileSync(path.join(root, '.serverless/cloudformation-template-update-stack.json'), 'utf8')) as {
    Resources: Record<string, { Properties: { Environment: { Variables: Record<string, unknown> } } }>;
  };
  const variables = template.Resources.SlackCommandLambdaFunction?.Properties.Environment.Variables ?? {};
  const standIns: Record<string, string> = {
    INSTANCE_PROFILE_NAME: 'team-ide-ci-host',
    TEAM_STACK_ROLE_ARN: 'arn:aws:iam::123456789012:role/team-ide-ci-stack',
    FAILED_JOBS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/team-ide-ci-failed-jobs',
  };
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : (standIns[name] ?? '')]));
}
