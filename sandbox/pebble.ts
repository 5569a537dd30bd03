/**
 * Let's Encrypt's own ACME test server, Pebble (Debian's `pebble` package), with its mock
 * DNS server pebble-challtestsrv, on free loopback ports. Pebble validates DNS-01
 * challenges for real, by asking that DNS server; the sandbox's Route 53 stand-in feeds it
 * the record sets of each change once the change is INSYNC (`publishDns`). Used by
 * `SANDBOX_ACME=pebble npm start` and by the certificate function's integration test.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PublishedRecordSet } from './backend/route53';
import { txtData } from './backend/route53';
import { freePorts, portAcceptsConnections, SANDBOX, SandboxSetupError } from './settings';

export const PEBBLE_INSTALL_HINT = 'apt-get install -y pebble (Debian and Ubuntu: Pebble and pebble-challtestsrv)';

/** Whether both programs are on PATH. */
export function pebbleInstalled(): boolean {
  return ['pebble', 'pebble-challtestsrv'].every((program) => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0);
}

export interface PebbleOptions {
  /** Names Pebble refuses to issue for (its config's domainBlocklist): to watch a CA say no. */
  blockedDomains?: string[];
  /** Validity of the certificates it issues; Let's Encrypt's 90 days unless set. */
  validityDays?: number;
  log?: (line: string) => void;
}

export interface RunningPebble {
  /** The ACME directory, for ACME_DIRECTORY_URL. */
  directoryUrl: string;
  /** PEM of the certificate Pebble's own HTTPS listener presents: NODE_EXTRA_CA_CERTS for the ACME client. */
  listenerCaFile: string;
  /** The root that signs what Pebble issues (new on every start), from its management API. */
  rootCertificate(): Promise<string>;
  /** Makes pebble-challtestsrv answer TXT queries as the record sets now are. */
  publishDns(sets: PublishedRecordSet[]): Promise<void>;
  /** The DNS questions Pebble asked for a name: proof that it validated by looking. */
  dnsQuestions(name: string): Promise<{ name: string; type: number }[]>;
  stop(): Promise<void>;
}

interface Ports {
  acme: number;
  management: number;
  dns: number;
  dnsManagement: number;
}

/** Starts both; another test run may take a port in between, so a failed start is tried once more on new ports. */
export async function startPebble(options: PebbleOptions = {}): Promise<RunningPebble> {
  if (!pebbleInstalled()) throw new SandboxSetupError(`Pebble is not installed: ${PEBBLE_INSTALL_HINT}`);
  try {
    return await startOnce(options);
  } catch (error) {
    if (!(error instanceof PortTakenError)) throw error;
    return startOnce(options);
  }
}

class PortTakenError extends Error {}

async function startOnce(options: PebbleOptions): Promise<RunningPebble> {
  const dir = await mkdtemp(path.join(tmpdir(), 'team-ide-pebble-'));
  const [acme, management, dns, dnsManagement] = await freePorts(4);
  const ports = { acme, management, dns, dnsManagement } as Ports;
  const listenerCaFile = path.join(dir, 'listener.pem');
  const keyFile = path.join(dir, 'listener-key.pem');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-keyout', keyFile, '-out', listenerCaFile, '-subj', '/CN=team-ide sandbox Pebble', '-addext', `subjectAltName=IP:${SANDBOX.host}`,
  ]);
  const configFile = path.join(dir, 'pebble-config.json');
  await writeFile(configFile, JSON.stringify({
    pebble: {
      listenAddress: `${SANDBOX.host}:${ports.acme}`,
      managementListenAddress: `${SANDBOX.host}:${ports.management}`,
      certificate: listenerCaFile,
      privateKey: keyFile,
      // No HTTP-01 or TLS-ALPN-01 here: these ports are never used, DNS-01 is.
      httpPort: 5002,
      tlsPort: 5001,
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
      domainBlocklist: options.blockedDomains ?? [],
      certificateValidityPeriod: (options.validityDays ?? 90) * 86_400,
    },
  }));

  const log = options.log ?? (() => undefined);
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.splice(0).map(stopChild));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    children.push(launch('pebble-challtestsrv', [
      '-management', `${SANDBOX.host}:${ports.dnsManagement}`, '-dns01', `${SANDBOX.host}:${ports.dns}`,
      '-http01', '', '-https01', '', '-tlsalpn01', '',
    ], {}, log));
    children.push(launch('pebble', ['-config', configFile, '-dnsserver', `${SANDBOX.host}:${ports.dns}`], {
      // No random waits before validating; a new authorization for every order, so each one is
      // really validated (Pebble reuses half of them by default). 5% of nonces are still refused, as ACME allows.
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_AUTHZREUSE: '0',
    }, log));
    await Promise.all([waitForPort(ports.acme, children), waitForPort(ports.dnsManagement, children)]);
  } catch (error) {
    await stop();
    throw error;
  }

  const dnsApi = async (endpoint: string, body: unknown) => {
    const response = await fetch(`http://${SANDBOX.host}:${ports.dnsManagement}/${endpoint}`, { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`pebble-challtestsrv /${endpoint} answered HTTP ${response.status}`);
    return response.text();
  };
  const listenerCa = await readFile(listenerCaFile, 'utf8');
  return {
    directoryUrl: `https://${SANDBOX.host}:${ports.acme}/dir`,
    listenerCaFile,
    rootCertificate: () => httpsGet(`https://${SANDBOX.host}:${ports.management}/roots/0`, listenerCa),
    async publishDns(sets) {
      for (const set of sets.filter((candidate) => candidate.type === 'TXT')) {
        await dnsApi('clear-txt', { host: set.name });
        for (const value of set.values) await dnsApi('set-txt', { host: set.name, value: txtData(value) });
      }
    },
    async dnsQuestions(name) {
      const history = JSON.parse(await dnsApi('dns-request-history', { host: name.replace(/\.$/, '') })) as { Question: { Name: string; Qtype: number } }[];
      return history.map(({ Question }) => ({ name: Question.Name, type: Question.Qtype }));
    },
    stop,
  };
}

function launch(program: string, args: string[], env: Record<string, string>, log: (line: string) => void): ChildProcess {
  const child = spawn(program, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        output.push(line);
        log(`[${program}] ${line}`);
      }
    });
  }
  child.once('error', (error) => output.push(error.message));
  Object.assign(child, { output });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Resolves once the port accepts connections; fails when a child exits first (a port taken, say). */
async function waitForPort(port: number, children: ChildProcess[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const exited = children.find((child) => child.exitCode !== null);
    if (exited) {
      const output = ((exited as ChildProcess & { output?: string[] }).output ?? []).slice(-3).join(' ');
      if (/address already in use/i.test(output)) throw new PortTakenError(output);
      throw new SandboxSetupError(`${exited.spawnfile} stopped while starting: ${output || `exit ${exited.exitCode}`}`);
    }
    if (await portAcceptsConnections(port)) return;
    if (Date.now() > deadline) throw new SandboxSetupError(`Pebble did not open port ${port} within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
        if ((response.statusCode ?? 0) >= 400) reject(new Error(`${url} answered HTTP ${response.statusCode}`));
        else resolve(body);
      });
    }).on('error', reject).end();
  });
}
