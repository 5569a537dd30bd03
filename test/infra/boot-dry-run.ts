/**
 * Runs the host's user data, as the template assembles it, on this machine:
 * the CloudFormation header filled in with sample values, HOST_ROOT set to a
 * temporary directory, and test/infra/stubs/command-stub.sh first on PATH as
 * docker, curl, aws, dnf, systemctl, chown, lsblk, blkid, mkfs, mount and
 * xfs_growfs.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import images from '../../infra/host/images.sh';
import { teamTemplateBody } from '../../infra/team-template';
import { type IdeShare, shareHost } from '../../shared/team/host-shares';
import { parseCloudFormationYaml } from './cfn-yaml';
import { isObject } from './schema-validation';

export const STUB_COMMANDS = ['docker', 'curl', 'aws', 'dnf', 'systemctl', 'chown', 'lsblk', 'blkid', 'mkfs', 'mount', 'xfs_growfs'] as const;
export const STUB_SCRIPT = path.resolve(__dirname, 'stubs', 'command-stub.sh');

/** The pinned images of infra/host/images.sh, by variable name. */
export function pinnedImages(text = images): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^([A-Z_]+)=(\S+)$/gm)].map(([, name, image]) => [name as string, image as string]));
}

/** Sample values of the run, as CloudFormation would put them in the header. */
export const SAMPLE = {
  stackName: 'team-ide-acme',
  region: 'eu-west-1',
  runId: '51af3dc0-da77-11e4-872e-1234567db123',
  domainName: 'code.example.com',
  certificateParameter: '/team-ide/tls/cert',
  dashboardUsersParameter: 'team-ide-dashboard-users',
  dataVolumeId: 'vol-0a1b2c3d4e5f60718',
  waitHandleUrl:
    'https://cloudformation-waitcondition-eu-west-1.s3.eu-west-1.amazonaws.com/arn%3Aaws%3Acloudformation/WaitHandle?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=0f0f',
} as const;

export interface StubCall {
  command: string;
  args: string[];
}

export interface DryRunOptions {
  slots: string[];
  /** The Slack member holding each slot, in the order of `slots`; absent: none given, as for a stack deployed by hand. */
  members?: string[];
  exposedPort?: number;
  dashboardPort?: number;
  /** The admins' range; empty or absent: no dashboard. */
  adminCidr?: string;
  /** The launcher's decision on previews; default on, as with a certificate that covers them. */
  previews?: 'on' | 'off';
  /** Default SAMPLE.domainName. */
  domainName?: string;
  /** Each IDE's share; default: what the launcher gives 3 IDEs on a t3.large. */
  share?: IdeShare;
  /** Makes one kind of stub call fail (see command-stub.sh). */
  fail?: string;
  /** The certificate parameter's value; default: the chain, then the key, as the certificate function writes it. */
  tlsBundle?: (secrets: DryRunSecrets) => string;
  healthTimeoutSeconds?: number;
  secretTimeoutSeconds?: number;
  /** The run's data volume (SAMPLE.dataVolumeId); absent: none, as with KEEP_WORK=false. */
  dataVolume?: DryRunVolume;
  deviceTimeoutSeconds?: number;
}

/** The data volume as the host finds it. */
export interface DryRunVolume {
  /** The snapshot it was restored from; absent: a blank volume. */
  snapshotId?: string;
  /** The filesystem blkid finds on it; absent: none. */
  filesystem?: string;
  /** Files already on it (the homes of an earlier run, under homes/), by path under /srv/team-ide. */
  files?: Record<string, string>;
}

export interface DryRunSecrets {
  /** The chain: leaf and intermediate. */
  certificate: string;
  privateKey: string;
  dashboardUsers: string;
  /** Password per slot. */
  passwords: Record<string, string>;
}

/** One run of the seat report the boot installed, with the stubs: what it printed, and the value it wrote. */
export interface SeatReportRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  calls: StubCall[];
  /** The report it put in SSM, as the file it named with `--value file://`. */
  value: string | undefined;
}

export interface DryRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  calls: StubCall[];
  /** Env file path → content, as docker run read it. */
  envFiles: Record<string, string>;
  /** The temporary HOST_ROOT; removed by cleanup(). */
  hostRoot: string;
  secrets: DryRunSecrets;
  userData: string;
  /**
   * Runs the seat report once as its timer would: /opt/team-ide/seat-report.sh with the
   * environment file the boot wrote, the stubs on PATH, and each IDE address's /healthz
   * answer (`address:port` → `status:lastHeartbeat`; an address left out refuses).
   */
  runSeatReport: (seats: Record<string, string>, options?: { fail?: string }) => Promise<SeatReportRun>;
  cleanup: () => Promise<void>;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh fake of the secret each run, so none lands in a file or snapshot. */
export function fakePassword(length = 24): string {
  return [...randomBytes(length)].map((byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('');
}

function fakePem(label: string): string {
  const body = randomBytes(96).toString('base64').match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...body, `-----END ${label}-----`].join('\n');
}

/** The two parts of the Instance's user data: the Fn::Sub header and the host script. */
export function userDataParts(templateBody = teamTemplateBody): { header: string; hostScript: string } {
  const template = parseCloudFormationYaml(templateBody) as Record<string, any>;
  const join = template.Resources?.Instance?.Properties?.UserData?.['Fn::Base64']?.['Fn::Join'];
  const [headerSub, hostScript] = (Array.isArray(join) ? join[1] : []) as unknown[];
  const sub = isObject(headerSub) ? headerSub['Fn::Sub'] : undefined;
  const header = Array.isArray(sub) ? sub[0] : undefined;
  if (typeof header !== 'string' || typeof hostScript !== 'string') {
    throw new Error('UserData is not Fn::Base64 of Fn::Join ["", [Fn::Sub header, host script]]');
  }
  return { header, hostScript };
}

/** Fills in the ${…} of the header as Fn::Sub would; an unknown name throws. */
export function fillHeader(header: string, values: Record<string, string>): string {
  return header.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new Error(`No sample value for \${${name}} in the user data header`);
    }
    return value;
  });
}

/** The share the sample runs get unless told otherwise. */
export const SAMPLE_SHARE = shareHost('t3.large', 3) as IdeShare;

export function sampleHeaderValues(options: DryRunOptions): Record<string, string> {
  const share = options.share ?? SAMPLE_SHARE;
  return {
    'AWS::StackName': SAMPLE.stackName,
    'AWS::Region': SAMPLE.region,
    RunId: SAMPLE.runId,
    DomainName: options.domainName ?? SAMPLE.domainName,
    SlotList: options.slots.join(','),
    SlotMembers: (options.members ?? []).join(','),
    ExposedPort: String(options.exposedPort ?? 443),
    TraefikDashboardPort: String(options.dashboardPort ?? 8090),
    AdminCidr: options.adminCidr ?? '',
    IdeMemoryMiB: String(share.memoryMiB),
    IdeCpuLimit: String(share.cpus),
    IdePidsLimit: String(share.pids),
    CertificateParameterName: SAMPLE.certificateParameter,
    Previews: options.previews ?? 'on',
    DashboardUsersParameterName: SAMPLE.dashboardUsersParameter,
    WaitHandle: SAMPLE.waitHandleUrl,
    DataVolumeId: options.dataVolume ? SAMPLE.dataVolumeId : '',
    DataSnapshotId: options.dataVolume?.snapshotId ?? '',
  };
}

/** The stub's log: each call, and the env files `docker run` read. */
export function parseLog(text: string): { calls: StubCall[]; envFiles: Record<string, string> } {
  const calls: StubCall[] = [];
  const envFiles: Record<string, string> = {};
  for (const record of text.split('\x1e')) {
    if (record === '') {
      continue;
    }
    const [command = '', ...args] = record.split('\x1f');
    if (command === 'env-file') {
      envFiles[args[0] ?? ''] = args[1] ?? '';
    } else {
      calls.push({ command, args });
    }
  }
  return { calls, envFiles };
}

function fixtureName(name: string): string {
  return name.replace(/\//g, '_');
}

/** Runs the user data once; call cleanup() on the result when done. */
export async function runBootDryRun(options: DryRunOptions): Promise<DryRunResult> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'team-ide-boot-'));
  const hostRoot = path.join(workDir, 'host');
  const binDir = path.join(workDir, 'bin');
  const fixtures = path.join(workDir, 'fixtures');
  const logFile = path.join(workDir, 'stub.log');
  await Promise.all([
    mkdir(hostRoot),
    mkdir(binDir),
    mkdir(path.join(fixtures, 'ssm'), { recursive: true }),
    mkdir(path.join(fixtures, 'secrets'), { recursive: true }),
  ]);
  await writeFile(logFile, '');
  await chmod(STUB_SCRIPT, 0o755);
  await Promise.all(STUB_COMMANDS.map((command) => symlink(STUB_SCRIPT, path.join(binDir, command))));

  const secrets: DryRunSecrets = {
    certificate: `${fakePem('CERTIFICATE')}\n${fakePem('CERTIFICATE')}`,
    privateKey: fakePem('PRIVATE KEY'),
    dashboardUsers: `admin:$2y$05$${fakePassword(53).replace(/[^A-Za-z0-9./]/g, '.')}`,
    passwords: Object.fromEntries(options.slots.map((slot) => [slot, fakePassword()])),
  };
  const ssm = path.join(fixtures, 'ssm');
  const tlsBundle = options.tlsBundle ?? ((given: DryRunSecrets) => `${given.certificate}\n${given.privateKey}`);
  await writeFile(path.join(ssm, fixtureName(SAMPLE.certificateParameter)), tlsBundle(secrets));
  await writeFile(path.join(ssm, fixtureName(SAMPLE.dashboardUsersParameter)), secrets.dashboardUsers);
  for (const [slot, password] of Object.entries(secrets.passwords)) {
    const secretId = `${SAMPLE.stackName}/${SAMPLE.runId}/dev-${slot}`;
    await writeFile(path.join(fixtures, 'secrets', fixtureName(secretId)), password);
  }

  // The root volume and the data volume, as lsblk lists NVMe devices on EC2: their serial is the volume id without its dash.
  await writeFile(path.join(fixtures, 'lsblk'), `nvme0n1 vol0f0e0d0c0b0a09080\nnvme1n1 ${SAMPLE.dataVolumeId.replace('-', '')}\n`);
  if (options.dataVolume?.filesystem) await writeFile(path.join(fixtures, 'blkid-type'), `${options.dataVolume.filesystem}\n`);
  for (const [file, content] of Object.entries(options.dataVolume?.files ?? {})) {
    await mkdir(path.dirname(path.join(hostRoot, 'srv', 'team-ide', file)), { recursive: true });
    await writeFile(path.join(hostRoot, 'srv', 'team-ide', file), content);
  }

  const { header, hostScript } = userDataParts();
  const userData = fillHeader(header, sampleHeaderValues(options)) + hostScript;
  const userDataFile = path.join(workDir, 'user-data.sh');
  await writeFile(userDataFile, userData, { mode: 0o700 });

  const env: NodeJS.ProcessEnv = {
    PATH: `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: workDir,
    LANG: 'C',
    HOST_ROOT: hostRoot,
    STUB_LOG: logFile,
    STUB_FIXTURES: fixtures,
    STUB_FAIL: options.fail ?? '',
    HEALTH_TIMEOUT: String(options.healthTimeoutSeconds ?? 180),
    SECRET_TIMEOUT: String(options.secretTimeoutSeconds ?? 120),
    DEVICE_TIMEOUT: String(options.deviceTimeoutSeconds ?? 120),
  };
  const { exitCode, stdout, stderr } = await new Promise<{ exitCode: number; stdout: string; stderr: string }>(
    (resolve) => {
      execFile('bash', [userDataFile], { env, cwd: workDir, timeout: 60_000 }, (error, out, err) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ exitCode: code, stdout: String(out), stderr: String(err) });
      });
    },
  );
  const { calls, envFiles } = parseLog(await readFile(logFile, 'utf8'));
  const runSeatReport = async (seats: Record<string, string>, runOptions: { fail?: string } = {}): Promise<SeatReportRun> => {
    const reportLog = path.join(workDir, 'seat-report.log');
    await writeFile(reportLog, '');
    // What the timer's EnvironmentFile gives it, and nothing of the boot's own environment.
    const unitEnv = parseEnvLines(await readFile(path.join(hostRoot, 'etc/team-ide/seat-report.env'), 'utf8'));
    const seatEnv: NodeJS.ProcessEnv = {
      ...unitEnv,
      PATH: env.PATH,
      HOME: workDir,
      LANG: 'C',
      STUB_LOG: reportLog,
      STUB_FIXTURES: fixtures,
      STUB_FAIL: runOptions.fail ?? '',
      STUB_SEATS: Object.entries(seats).map(([address, answer]) => `${address}=${answer}`).join(' '),
    };
    const ran = await new Promise<{ exitCode: number; stdout: string; stderr: string }>((resolve) => {
      execFile('bash', [path.join(hostRoot, 'opt/team-ide/seat-report.sh')], { env: seatEnv, cwd: workDir, timeout: 30_000 }, (error, out, err) => {
        resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: String(out), stderr: String(err) });
      });
    });
    const { calls: reportCalls } = parseLog(await readFile(reportLog, 'utf8'));
    const value = reportCalls.find((call) => call.command === 'put-value')?.args[0];
    return { ...ran, calls: reportCalls.filter((call) => call.command !== 'put-value'), value };
  };
  return {
    exitCode,
    stdout,
    stderr,
    calls,
    envFiles,
    hostRoot,
    secrets,
    userData,
    runSeatReport,
    cleanup: () => rm(workDir, { recursive: true, force: true }),
  };
}

/** KEY=VALUE lines, as systemd's EnvironmentFile reads them (no quotes here). */
function parseEnvLines(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

/** The value after an option in an argument list (`--name value`), or undefined. */
export function optionValue(args: readonly string[], option: string): string | undefined {
  const index = args.indexOf(option);
  return index >= 0 ? args[index + 1] : undefined;
}

/** Every value of a repeated option (`--label a --label b`). */
export function optionValues(args: readonly string[], option: string): string[] {
  return args.flatMap((arg, index) => (arg === option && index + 1 < args.length ? [args[index + 1] as string] : []));
}

/** The `docker run` call that names the container, or undefined. */
export function dockerRun(calls: readonly StubCall[], containerName: string): StubCall | undefined {
  return calls.find(
    (call) => call.command === 'docker' && call.args[0] === 'run' && optionValue(call.args, '--name') === containerName,
  );
}

/** The Docker networks each container joins: its `docker run --network`, then each `docker network connect`. */
export function networksOf(calls: readonly StubCall[]): Map<string, string[]> {
  const members = new Map<string, string[]>();
  for (const { command, args } of calls) {
    if (command !== 'docker') continue;
    if (args[0] === 'run') {
      const name = optionValue(args, '--name') ?? '';
      members.set(name, [...(members.get(name) ?? []), ...optionValues(args, '--network')]);
    } else if (args[0] === 'network' && args[1] === 'connect') {
      const [network = '', container = ''] = args.slice(2).filter((arg) => !arg.startsWith('--'));
      members.set(container, [...(members.get(container) ?? []), network]);
    }
  }
  return members;
}

/** `docker network create` calls: the network's name and its subnet. */
export function createdNetworks(calls: readonly StubCall[]): { name: string; subnet: string | undefined }[] {
  return calls
    .filter((call) => call.command === 'docker' && call.args[0] === 'network' && call.args[1] === 'create')
    .map((call) => ({ name: call.args.at(-1) ?? '', subnet: optionValue(call.args, '--subnet') }));
}

/** A file the boot wrote on the host, by its path there. */
export function readHostFile(result: Pick<DryRunResult, 'hostRoot'>, hostPath: string): Promise<string> {
  return readFile(path.join(result.hostRoot, hostPath), 'utf8');
}
