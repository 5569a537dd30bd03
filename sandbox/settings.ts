/**
 * The sandbox's settings: its ports and delays (SANDBOX_* variables), the functions'
 * settings (.env.sandbox, under the shell's own variables, as serverless's dotenv loads
 * them), and the fixed fake values that make it self-contained.
 */
import { readFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import path from 'node:path';
import { MAX_SLOT } from '../shared/core/host-network';
import { parseRoster, type Roster, type RosterMember } from '../shared/core/roster';
import { type FaultSwitch, parseFaultSwitches } from './backend/faults';
import type { SandboxSlackUser } from './backend/slack';

/** Every error the sandbox reports before it runs: one line that says what to change. */
export class SandboxSetupError extends Error {
  override readonly name = 'SandboxSetupError';
}

export const REPO_ROOT = path.resolve(__dirname, '..');

/** Fixed, fake, and the same on every machine: nothing here opens anything real. */
export const SANDBOX = {
  stage: 'sandbox',
  /** Every server listens on the loopback only. */
  host: '127.0.0.1',
  envFile: '.env.sandbox',
  accountId: '000000000000',
  /** Stored in the sandbox's SSM under the names serverless.yml gives the functions; `npm run slack` signs with it. */
  signingSecret: 'sandbox-signing-secret-not-a-secret',
  botToken: 'xoxb-sandbox',
  /** An app configuration token the sandbox's Slack takes, to try `npm run setup --slack-config-token` against it. */
  configToken: 'xoxe.xoxp-sandbox',
  credentials: { AWS_ACCESS_KEY_ID: 'AKIDSANDBOXNOTREAL', AWS_SECRET_ACCESS_KEY: 'sandbox-not-a-secret' },
} as const;

/** The ports, each with the variable that moves it. serverless.yml reads the first two itself. */
export const PORT_SETTINGS = {
  http: { variable: 'SANDBOX_HTTP_PORT', fallback: 3000, serves: 'the Slack command endpoint (serverless-offline)' },
  lambda: { variable: 'SANDBOX_LAMBDA_PORT', fallback: 3002, serves: 'Lambda Invoke (serverless-offline)' },
  backend: { variable: 'SANDBOX_BACKEND_PORT', fallback: 3004, serves: 'the stand-ins for CloudFormation, EC2, Route 53, Secrets Manager, SSM, SQS, Lambda Invoke, SES, STS and Slack' },
  ses: { variable: 'SANDBOX_SES_PORT', fallback: 8005, serves: 'SES and its inbox page (aws-ses-v2-local)' },
} as const;

export type SandboxPorts = Record<keyof typeof PORT_SETTINGS, number>;

export interface SandboxUrls {
  /** Where Slack would POST the slash command. */
  commands: string;
  /** Where Slack would POST a button press (Interactivity). */
  interactions: string;
  lambda: string;
  backend: string;
  /** aws-ses-v2-local: the inbox page; GET /store lists the emails. */
  inbox: string;
  slackApi: string;
  slackMessages: string;
}

export function sandboxUrls(ports: SandboxPorts): SandboxUrls {
  const at = (port: number) => `http://${SANDBOX.host}:${port}`;
  return {
    commands: `${at(ports.http)}/slack/commands`,
    interactions: `${at(ports.http)}/slack/interactions`,
    lambda: at(ports.lambda),
    backend: at(ports.backend),
    inbox: at(ports.ses),
    slackApi: `${at(ports.backend)}/api`,
    slackMessages: `${at(ports.backend)}/slack/messages`,
  };
}

/** KEY=VALUE lines, `#` comments; values are taken as they stand (the file holds no quotes). */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (match && !line.trimStart().startsWith('#')) values[match[1] as string] = (match[2] as string).trim();
  }
  return values;
}

/** .env.sandbox with the shell's variables over it: what serverless will see for stage "sandbox". */
export function readSandboxEnv(shellEnv: NodeJS.ProcessEnv, repoRoot = REPO_ROOT): Record<string, string | undefined> {
  let text: string;
  try {
    text = readFileSync(path.join(repoRoot, SANDBOX.envFile), 'utf8');
  } catch {
    throw new SandboxSetupError(`${SANDBOX.envFile} is missing: restore it with \`git checkout -- ${SANDBOX.envFile}\``);
  }
  // Like serverless's dotenv: an empty shell variable does not hide the file's value.
  const shellValues = Object.fromEntries(Object.entries(shellEnv).filter(([, value]) => value !== undefined && value !== ''));
  return { ...parseEnvFile(text), ...shellValues };
}

function wholeNumber(env: Record<string, string | undefined>, variable: string, fallback: number, min: number, max: number, what: string): number {
  const text = env[variable]?.trim() || String(fallback);
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new SandboxSetupError(`${variable} must be ${what} from ${min} to ${max}, not "${text}"`);
  return value;
}

export function readPorts(env: Record<string, string | undefined>): SandboxPorts {
  const ports = Object.fromEntries(
    Object.entries(PORT_SETTINGS).map(([name, { variable, fallback }]) => [name, wholeNumber(env, variable, fallback, 1, 65535, 'a port number')]),
  ) as SandboxPorts;
  const entries = Object.entries(PORT_SETTINGS) as [keyof SandboxPorts, (typeof PORT_SETTINGS)[keyof SandboxPorts]][];
  for (const [index, [name, { variable }]] of entries.entries()) {
    const clash = entries.slice(0, index).find(([other]) => ports[other] === ports[name]);
    if (clash) throw new SandboxSetupError(`${variable} and ${clash[1].variable} are both ${ports[name]}: give each its own port`);
  }
  return ports;
}

/** How long each stack operation takes in the sandbox (AWS takes minutes). */
export const readStackDelayMs = (env: Record<string, string | undefined>) => wholeNumber(env, 'SANDBOX_STACK_DELAY_MS', 1500, 0, 600_000, 'a number of milliseconds');

/** How long a snapshot of the homes stays pending in the sandbox (EBS takes seconds to minutes). */
export const readSnapshotMs = (env: Record<string, string | undefined>) => wholeNumber(env, 'SANDBOX_SNAPSHOT_MS', 3000, 0, 600_000, 'a number of milliseconds');

/**
 * SANDBOX_RUN_SECONDS=N ends every run N seconds after it is created, whatever `--hours`
 * said, so the cost guard's warning and stop can be watched in minutes rather than hours.
 */
export function readRunSeconds(env: Record<string, string | undefined>): number | undefined {
  return env.SANDBOX_RUN_SECONDS?.trim() ? wholeNumber(env, 'SANDBOX_RUN_SECONDS', 0, 10, 86_400, 'a number of seconds') : undefined;
}

/**
 * How often the sandbox runs the sweeper, through its Lambda stand-in. AWS runs it every
 * minute, which is slow to watch a 2-minute run with; serverless-offline's own schedules are
 * off in the sandbox (serverless.yml, `schedulesEnabled`), so this is the only clock.
 */
export const readSweepSeconds = (env: Record<string, string | undefined>) => wholeNumber(env, 'SANDBOX_SWEEP_SECONDS', 10, 1, 3600, 'a number of seconds');

/** SANDBOX_SEATS: what every seat of a run answers until `POST /sandbox/seats` marks it: never opened (idle) or connected (alive). */
export function readSandboxSeats(env: Record<string, string | undefined>): 'idle' | 'alive' {
  const value = env.SANDBOX_SEATS?.trim() || 'idle';
  if (value !== 'idle' && value !== 'alive') throw new SandboxSetupError(`SANDBOX_SEATS must be idle or alive, not "${value}"`);
  return value;
}

/**
 * How often the hosts report their seats: each minute of the idle clock, which
 * SANDBOX_IDLE_MINUTE_SECONDS shortens for the functions too (shared/core/config.ts).
 */
export function readSeatReportMs(env: Record<string, string | undefined>): number {
  return env.SANDBOX_IDLE_MINUTE_SECONDS?.trim() ? wholeNumber(env, 'SANDBOX_IDLE_MINUTE_SECONDS', 60, 1, 60, 'a number of seconds') * 1000 : 60_000;
}

/** SANDBOX_ACME=pebble runs Pebble (Let's Encrypt's test CA) and lets the certificate function obtain a certificate from it at start. */
export function readSandboxAcme(env: Record<string, string | undefined>): 'pebble' | undefined {
  const value = env.SANDBOX_ACME?.trim();
  if (!value) return undefined;
  if (value !== 'pebble') throw new SandboxSetupError(`SANDBOX_ACME must be pebble (or unset), not "${value}"`);
  return value;
}

/** SANDBOX_FAIL_SLOT=N makes every run that seats dev-N fail to boot, to show a failed start. */
export function readFailSlot(env: Record<string, string | undefined>): number | undefined {
  return env.SANDBOX_FAIL_SLOT?.trim() ? wholeNumber(env, 'SANDBOX_FAIL_SLOT', 0, 1, MAX_SLOT, 'a slot number') : undefined;
}

/** SANDBOX_FAULTS: AWS operations the backend answers with an error, so many times (backend/faults.ts). */
export function readFaults(env: Record<string, string | undefined>): FaultSwitch[] {
  try {
    return parseFaultSwitches(env.SANDBOX_FAULTS ?? '');
  } catch (error) {
    throw new SandboxSetupError(`SANDBOX_FAULTS: ${(error as Error).message}`);
  }
}

/** SANDBOX_PRIVATE_CHANNELS=C…,C…: private channels the bot was not invited to, where Slack refuses its posts. */
export function readPrivateChannels(env: Record<string, string | undefined>): string[] {
  const channels = (env.SANDBOX_PRIVATE_CHANNELS ?? '').split(',').map((id) => id.trim()).filter(Boolean);
  const bad = channels.find((id) => !/^[CG][A-Z0-9]{2,}$/.test(id));
  if (bad) throw new SandboxSetupError(`SANDBOX_PRIVATE_CHANNELS must list channel ids like C0SANDBOX1, not "${bad}"`);
  return channels;
}

/** Checks every port before anything starts, so a clash is one clear line rather than a half-started sandbox. */
export async function assertPortsFree(ports: SandboxPorts): Promise<void> {
  for (const [name, port] of Object.entries(ports) as [keyof SandboxPorts, number][]) {
    const problem = await new Promise<string | undefined>((resolve) => {
      const probe = createServer();
      probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      probe.listen(port, SANDBOX.host, () => probe.close(() => resolve(undefined)));
    });
    if (problem === 'EADDRINUSE') throw new SandboxSetupError(`port ${port} is in use: stop what uses it or set ${PORT_SETTINGS[name].variable}`);
    if (problem) throw new SandboxSetupError(`port ${port} cannot be opened (${problem}): set ${PORT_SETTINGS[name].variable} to another port`);
  }
}

/** Who `npm run slack` sends as, unless told otherwise: the first roster member allowed to start runs, in an allowed channel. */
export interface SandboxSender {
  member: RosterMember;
  channelId: string;
  /** The workspace the functions answer (SLACK_TEAM_ID). */
  teamId: string;
}

export function defaultSender(env: Record<string, string | undefined>): SandboxSender {
  const { roster, problems } = parseRoster(env.ROSTER ?? '');
  if (problems.length > 0) throw new SandboxSetupError(`ROSTER in ${SANDBOX.envFile} ${problems[0]}`);
  const allowed = (env.ALLOWED_USERS ?? '').split(',').map((id) => id.trim());
  const member = roster.find((candidate) => allowed.includes('*') || allowed.includes(candidate.userId));
  if (!member) throw new SandboxSetupError(`nobody on ROSTER is in ALLOWED_USERS: add one of their ids to ALLOWED_USERS in ${SANDBOX.envFile}`);
  const channels = (env.ALLOWED_CHANNELS ?? '*').split(',').map((id) => id.trim()).filter((id) => id !== '*');
  if (!env.SLACK_TEAM_ID) throw new SandboxSetupError(`SLACK_TEAM_ID is not set: restore it in ${SANDBOX.envFile} (the sandbox's workspace, e.g. T0SANDBOX1)`);
  return { member, channelId: channels[0] ?? 'C0SANDBOX1', teamId: env.SLACK_TEAM_ID };
}

/** `count` distinct ports nothing listens on now: held open together, so none is handed out twice. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, SANDBOX.host, resolve);
      });
      servers.push(server);
    }
    return servers.map((server) => (server.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** Whether something on the sandbox's host accepts connections on `port` now. */
export function portAcceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, SANDBOX.host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** People in the sandbox's workspace who are not on .env.sandbox's roster: `npm run slack -- "/ide roster add @frank"`. */
const NEWCOMERS: SandboxSlackUser[] = [
  { id: 'U0SANDBOX6', name: 'frank', email: 'frank@example.com' },
  { id: 'U0SANDBOX7', name: 'grace', email: 'grace@example.com' },
];

/** The sandbox workspace's members: the roster's people and a few newcomers to add. */
export function sandboxMembers(roster: Roster): SandboxSlackUser[] {
  return [...roster.map((member) => ({ id: member.userId, name: member.name, email: member.email })), ...NEWCOMERS.filter((newcomer) => !roster.some((member) => member.userId === newcomer.id))];
}

