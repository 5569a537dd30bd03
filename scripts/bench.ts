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
  console.log(`  ${name.padEnd(14)} ${kb.toFixed(1).padStart(7)} KB${target ? `   target ≤ ${target} KB: ${verdict(kb, target)}` : ''}`);
}

const bundle = path.join(root, '.esbuild/.build/functions/slack-command.js');
const env = { ...process.env, ...fakeAws, ...envFromCi(), POWERTOOLS_LOG_LEVEL: 'SILENT' };
const runs: { cold: number; warmMedian: number; warmP95: number }[] = [];
for (let run = 0; run < COLD_RUNS; run++) {
  const output = execFileSync(process.execPath, [path.join(__dirname, 'bench/slack-command-process.cjs'), bundle, String(WARM_INVOCATIONS)], { cwd: root, env });
  runs.push(JSON.parse(output.toString()) as (typeof runs)[number]);
}
const cold = median(runs.map((run) => run.cold));
const warm = median(runs.map((run) => run.warmMedian));
console.log(`\nslack-command, packaged bundle, AWS faked (Node ${process.version} here; Lambda runs nodejs24.x on arm64):`);
console.log(`  cold start (fresh process: SDK + bundle import + first invocation), median of ${COLD_RUNS}: ${cold.toFixed(1)} ms   target ≤ 400 ms: ${verdict(cold, 400)}`);
console.log(`  warm invocation, median of ${WARM_INVOCATIONS} (× ${COLD_RUNS} processes): ${warm.toFixed(2)} ms (p95 ${median(runs.map((run) => run.warmP95)).toFixed(2)} ms)   target ≤ 20 ms: ${verdict(warm, 20)}`);

/** The settings a deployed function would have: .env.ci plus what serverless.yml derives. */
function envFromCi(): Record<string, string> {
  const text = readFileSync(path.join(root, '.env.ci'), 'utf8');
  const settings = Object.fromEntries(
    text.split('\n').filter((line) => /^[A-Z_]+=/.test(line)).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return {
    ...settings,
    STACK_NAME_PREFIX: 'team-ide-ci',
    LAUNCHER_FUNCTION_NAME: 'team-ide-ci-launcher',
    SLACK_SIGNING_SECRET_PARAMETER: '/team-ide/ci/slack-signing-secret',
    SLACK_BOT_TOKEN_PARAMETER: '/team-ide/ci/slack-bot-token',
    CERTIFICATE_PARAMETER: '/team-ide/ci/tls-certificate',
    PRIVATE_KEY_PARAMETER: '/team-ide/ci/tls-private-key',
    DASHBOARD_USERS_PARAMETER: '/team-ide/ci/dashboard-users',
  };
}
