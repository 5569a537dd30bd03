import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cidrsOverlap, parseCidr } from '../../shared/core/cidr';
import { CONTAINER_ADDRESSES } from '../../shared/core/host-network';
import { TRAEFIK_MEMORY_MIB } from '../../shared/core/instance-types';
import {
  SAMPLE,
  SAMPLE_SHARE,
  createdNetworks,
  dockerRun,
  networksOf,
  optionValue,
  optionValues,
  pinnedImages,
  readHostFile,
  runBootDryRun,
  type DryRunResult,
  type StubCall,
} from './boot-dry-run';

const SLOTS = ['1', '2', '5'];
/** Who holds slots 1, 2 and 5: alice, bob and erin. */
const MEMBERS = ['U0000AAA1', 'U0000BBB2', 'U0000EEE5'];
const IMAGES = pinnedImages();
const runShell = (script: string) => promisify(execFile)('bash', ['-c', script], { cwd: path.resolve(__dirname, '..', '..') });
const TRAEFIK_IP = '172.17.0.2';
const ADMIN_CIDR = '203.0.113.7/32';
/** What an IDE keeps of Docker's default capabilities (see start_ide in boot.sh). */
const IDE_CAPABILITIES = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETGID', 'SETUID'];

function callsOf(result: DryRunResult, command: string, subcommand?: string): StubCall[] {
  return result.calls.filter(
    (call) => call.command === command && (subcommand === undefined || call.args[0] === subcommand),
  );
}

function signals(result: DryRunResult): { status: string; reason: string; url: string }[] {
  return callsOf(result, 'curl')
    .filter((call) => optionValue(call.args, '--request') === 'PUT')
    .map((call) => {
      const body = JSON.parse(optionValue(call.args, '--data-binary') ?? '{}') as { Status: string; Reason: string };
      return { status: body.Status, reason: body.Reason, url: call.args.at(-1) ?? '' };
    });
}

/** The boot stopped at its first step, told CloudFormation so, and started no container. */
function expectRefusedBeforeStarting(result: DryRunResult): void {
  expect(result.exitCode).not.toBe(0);
  expect(signals(result)).toEqual([{ status: 'FAILURE', reason: expect.stringContaining('team-ide boot failed at step check-values'), url: SAMPLE.waitHandleUrl }]);
  expect(callsOf(result, 'docker')).toEqual([]);
}

function secretTexts(result: DryRunResult): string[] {
  const keyBody = result.secrets.privateKey.split('\n').slice(1, -1);
  return [...Object.values(result.secrets.passwords), ...keyBody, result.secrets.dashboardUsers];
}

function stripRoot(result: DryRunResult, text: string): string {
  return text.split(result.hostRoot).join('');
}

describe('boot dry run for slots 1,2,5', () => {
  let result: DryRunResult;

  beforeAll(async () => {
    result = await runBootDryRun({ slots: SLOTS, members: MEMBERS });
  });

  afterAll(async () => {
    await result?.cleanup();
  });

  it('exits 0 and signals SUCCESS once, to the wait handle URL', () => {
    // Assess
    expect(result.exitCode, result.stderr).toBe(0);
    expect(signals(result)).toEqual([
      { status: 'SUCCESS', reason: expect.stringContaining('3 IDE(s)'), url: SAMPLE.waitHandleUrl },
    ]);
    const signal = callsOf(result, 'curl').find((call) => call.args.includes('PUT'));
    expect(optionValue(signal?.args ?? [], '--header')).toBe('Content-Type:');
  });

  it('installs and starts Docker, then pulls both pinned images in parallel', () => {
    // Prepare
    const pulls = callsOf(result, 'docker', 'pull').map((call) => call.args.at(-1));

    // Assess
    expect(callsOf(result, 'dnf')).toEqual([{ command: 'dnf', args: ['install', '--assumeyes', '--quiet', 'docker'] }]);
    expect(callsOf(result, 'systemctl')[0]).toEqual({ command: 'systemctl', args: ['enable', '--now', 'docker'] });
    expect(pulls.sort()).toEqual([IMAGES.CODE_SERVER_IMAGE, IMAGES.TRAEFIK_IMAGE]);
  });

  it('fetches the certificate with its key from one parameter with decryption, into files only root reads, and no dashboard credential', async () => {
    // Prepare
    const traefikDir = path.join(result.hostRoot, 'etc', 'team-ide', 'traefik');
    const names = callsOf(result, 'aws', 'ssm').map((call) => optionValue(call.args, '--name'));

    // Assess
    expect(names).toEqual([SAMPLE.certificateParameter]);
    for (const call of callsOf(result, 'aws', 'ssm')) {
      expect(call.args.slice(0, 2)).toEqual(['ssm', 'get-parameter']);
      expect(call.args).toContain('--with-decryption');
    }
    expect(await readFile(path.join(traefikDir, 'tls', 'cert.pem'), 'utf8')).toBe(`${result.secrets.certificate}\n`);
    expect(await readFile(path.join(traefikDir, 'tls', 'key.pem'), 'utf8')).toBe(`${result.secrets.privateKey}\n`);
    expect((await stat(path.join(traefikDir, 'tls', 'key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(traefikDir)).mode & 0o777).toBe(0o700);
    expect(await readdir(path.join(traefikDir, 'tls'))).toEqual(['cert.pem', 'key.pem']);
    await expect(stat(path.join(traefikDir, 'dashboard-users'))).rejects.toThrow(/ENOENT/);
  });

  it('reads each password from this run’s secret', () => {
    // Prepare
    const ids = callsOf(result, 'aws', 'secretsmanager').map((call) => optionValue(call.args, '--secret-id'));

    // Assess
    expect(ids).toEqual(SLOTS.map((slot) => `${SAMPLE.stackName}/${SAMPLE.runId}/dev-${slot}`));
  });

  it('moves Docker’s unused default bridge out of the networks’ way before Docker starts', async () => {
    // Prepare
    const steps = [...result.stdout.matchAll(/step (\S+)/g)].map((match) => match[1]);

    // Assess
    expect(JSON.parse(await readHostFile(result, 'etc/docker/daemon.json'))).toEqual({ bip: '172.17.255.1/24' });
    expect(steps.indexOf('configure-docker')).toBeLessThan(steps.indexOf('start-docker'));
  });

  it('gives each IDE a network of its own that only Traefik shares, created before any container', () => {
    // Prepare
    const networks = createdNetworks(result.calls);
    const members = networksOf(result.calls);
    const dockerCalls = callsOf(result, 'docker');
    const lastCreate = dockerCalls.findLastIndex((call) => call.args[0] === 'network' && call.args[1] === 'create');

    // Assess
    expect(networks).toEqual([
      { name: 'team-ide-edge', subnet: '172.17.0.0/24' },
      { name: 'team-ide-slot-1', subnet: '172.17.1.0/24' },
      { name: 'team-ide-slot-2', subnet: '172.17.2.0/24' },
      { name: 'team-ide-slot-5', subnet: '172.17.5.0/24' },
    ]);
    expect(lastCreate).toBeLessThan(dockerCalls.findIndex((call) => call.args[0] === 'run'));
    for (const [index, { subnet }] of networks.entries()) {
      expect(cidrsOverlap(subnet ?? '', CONTAINER_ADDRESSES) && (parseCidr(subnet ?? '')?.prefix ?? 0) >= 16, subnet).toBe(true);
      expect(networks.slice(index + 1).some((other) => cidrsOverlap(other.subnet ?? '', subnet ?? '')), subnet).toBe(false);
      expect(cidrsOverlap(subnet ?? '', '172.17.255.0/24'), 'the default bridge').toBe(false);
    }
    expect(Object.fromEntries(members)).toEqual({
      traefik: ['team-ide-edge', 'team-ide-slot-1', 'team-ide-slot-2', 'team-ide-slot-5'],
      'dev-1': ['team-ide-slot-1'],
      'dev-2': ['team-ide-slot-2'],
      'dev-5': ['team-ide-slot-5'],
    });
  });

  it('leaves no path from one IDE to another: no shared network, and Traefik listens only where no IDE is', async () => {
    // Prepare
    const members = networksOf(result.calls);
    const ides = [...members.keys()].filter((name) => name.startsWith('dev-'));
    const traefik = dockerRun(result.calls, 'traefik')?.args ?? [];
    const rendered = parse(await readHostFile(result, 'etc/team-ide/traefik/traefik.yaml'));

    // Assess: two IDEs never share a network …
    for (const ide of ides) {
      for (const other of ides.filter((name) => name !== ide)) {
        expect(members.get(ide)?.filter((network) => members.get(other)?.includes(network)), `${ide} and ${other}`).toEqual([]);
      }
    }
    // … and Traefik, which shares one with each, listens only on its edge address, in a network no IDE joins.
    expect([optionValue(traefik, '--network'), optionValue(traefik, '--ip')]).toEqual(['team-ide-edge', TRAEFIK_IP]);
    expect(ides.filter((ide) => members.get(ide)?.includes('team-ide-edge'))).toEqual([]);
    expect(Object.values(rendered.entryPoints).map((entryPoint) => (entryPoint as { address: string }).address)).toEqual([
      `${TRAEFIK_IP}:80`,
      `${TRAEFIK_IP}:443`,
    ]);
    // libnetwork publishes ports on the first network by name: the edge must sort first.
    expect([...(members.get('traefik') ?? [])].sort()[0]).toBe('team-ide-edge');
  });

  it('starts Traefik without the Docker socket, read-only, with one capability and the HTTP and HTTPS ports only', () => {
    // Prepare
    const traefik = dockerRun(result.calls, 'traefik');
    const args = traefik?.args ?? [];

    // Assess
    expect(optionValues(args, '--publish')).toEqual(['80:80', '443:443']);
    expect(optionValues(args, '--volume').map((volume) => stripRoot(result, volume))).toEqual(['/etc/team-ide/traefik:/etc/traefik:ro']);
    expect(result.calls.flatMap((call) => call.args).filter((arg) => arg.includes('docker.sock'))).toEqual([]);
    expect(optionValues(args, '--label')).toEqual([]);
    expect(args).toContain('--read-only');
    expect(optionValues(args, '--cap-drop')).toEqual(['ALL']);
    expect(optionValues(args, '--cap-add')).toEqual(['NET_BIND_SERVICE']);
    expect(optionValues(args, '--security-opt')).toEqual(['no-new-privileges']);
    expect(optionValue(args, '--memory')).toBe(`${TRAEFIK_MEMORY_MIB}m`);
    expect(optionValue(args, '--pids-limit')).toEqual(expect.stringMatching(/^\d+$/));
    expect(args.slice(-2)).toEqual([IMAGES.TRAEFIK_IMAGE, '--configFile=/etc/traefik/traefik.yaml']);
  });

  it('starts dev-1, dev-2 and dev-5 with the home of the developer in each, flags, capabilities and limits', () => {
    for (const [index, slot] of SLOTS.entries()) {
      // Prepare
      const name = `dev-${slot}`;
      const member = MEMBERS[index] as string;
      const run = dockerRun(result.calls, name);
      const args = run?.args ?? [];

      // Assess
      expect(run, name).toBeDefined();
      expect(optionValues(args, '--volume').map((volume) => stripRoot(result, volume))).toEqual([
        `/srv/team-ide/homes/${member}:/home/coder`,
      ]);
      expect(optionValues(args, '--label')).toEqual([]);
      expect(optionValues(args, '--cap-drop')).toEqual(['ALL']);
      expect(optionValues(args, '--cap-add').sort()).toEqual(IDE_CAPABILITIES);
      expect(optionValues(args, '--security-opt')).toEqual([]);
      const widening = ['--privileged', '--publish', '--device', '--pid', '--ipc', '--userns', '--cgroupns', '--volumes-from'];
      expect(args.filter((arg) => widening.some((option) => arg === option || arg.startsWith(`${option}=`)))).toEqual([]);
      expect({
        memory: optionValue(args, '--memory'),
        swap: optionValue(args, '--memory-swap'),
        cpus: optionValue(args, '--cpus'),
        pids: optionValue(args, '--pids-limit'),
      }).toEqual({
        memory: `${SAMPLE_SHARE.memoryMiB}m`,
        swap: `${SAMPLE_SHARE.memoryMiB}m`,
        cpus: String(SAMPLE_SHARE.cpus),
        pids: String(SAMPLE_SHARE.pids),
      });
      expect(optionValue(args, '--entrypoint')).toBe('/usr/bin/entrypoint.sh');
      const image = args.findIndex((arg) => arg.startsWith('codercom/code-server:'));
      expect(args.slice(image + 1)).toEqual([
        '--bind-addr',
        '0.0.0.0:8080',
        '--auth',
        'password',
        '--disable-telemetry',
        '--disable-update-check',
        '--proxy-domain',
        `${name}.code.example.com`,
        '/home/coder/project',
      ]);
      // The Ports panel's links: code-server's own default would be //{{port}}.dev-N… on whatever port the page uses.
      expect(optionValues(args.slice(0, image), '--env')).toEqual([`VSCODE_PROXY_URI=https://{{port}}.${name}.code.example.com`]);
      const home = path.join(result.hostRoot, 'srv', 'team-ide', 'homes', member);
      expect(callsOf(result, 'chown')).toContainEqual({ command: 'chown', args: ['1000:1000', home, `${home}/project`] });
    }
    expect(callsOf(result, 'docker', 'run').map((call) => optionValue(call.args, '--name'))).toEqual([
      'traefik',
      'dev-1',
      'dev-2',
      'dev-5',
    ]);
  });

  it('gives each container its own password through an env file of mode 600', async () => {
    for (const slot of SLOTS) {
      // Prepare
      const envFile = optionValue(dockerRun(result.calls, `dev-${slot}`)?.args ?? [], '--env-file') ?? '';

      // Assess
      expect(stripRoot(result, envFile)).toBe(`/etc/team-ide/env/dev-${slot}.env`);
      expect(result.envFiles[envFile]).toBe(`PASSWORD=${result.secrets.passwords[slot]}`);
      expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    }
    expect(new Set(Object.values(result.secrets.passwords)).size).toBe(SLOTS.length);
  });

  it('keeps every secret off command lines', () => {
    // Prepare
    const everyArgument = result.calls.flatMap((call) => call.args).join('\n');

    // Assess
    for (const secret of secretTexts(result)) {
      expect(everyArgument).not.toContain(secret);
    }
    expect(everyArgument).not.toMatch(/PASSWORD=/);
  });

  it('checks each IDE’s /healthz through Traefik, then that its preview names reach its login, and no dashboard', () => {
    // Prepare
    const checks = callsOf(result, 'curl').filter((call) => !call.args.includes('PUT'));
    const steps = [...result.stdout.matchAll(/step (\S+)/g)].map((match) => match[1]);

    // Assess
    expect(checks.map((call) => [optionValue(call.args, '--resolve'), call.args.at(-1)])).toEqual([
      ['dev-1.code.example.com:443:127.0.0.1', 'https://dev-1.code.example.com:443/healthz'],
      ['dev-2.code.example.com:443:127.0.0.1', 'https://dev-2.code.example.com:443/healthz'],
      ['dev-5.code.example.com:443:127.0.0.1', 'https://dev-5.code.example.com:443/healthz'],
      ['8080.dev-1.code.example.com:443:127.0.0.1', 'https://8080.dev-1.code.example.com:443/healthz'],
      ['8080.dev-2.code.example.com:443:127.0.0.1', 'https://8080.dev-2.code.example.com:443/healthz'],
      ['8080.dev-5.code.example.com:443:127.0.0.1', 'https://8080.dev-5.code.example.com:443/healthz'],
    ]);
    expect(steps.filter((step) => step?.startsWith('check-previews-'))).toEqual(['check-previews-dev-1', 'check-previews-dev-2', 'check-previews-dev-5']);
    for (const check of checks) {
      expect(check.args).toContain('--max-time');
      expect(check.args).not.toContain('--insecure');
    }
  });

  it('prints no password, private key or dashboard hash', () => {
    // Prepare
    const printed = result.stdout + result.stderr;

    // Assess
    for (const secret of secretTexts(result)) {
      expect(printed).not.toContain(secret);
    }
    expect(printed).not.toContain('PRIVATE KEY');
    expect(printed).toContain('step signal-success');
  });
});

describe('boot dry run with ADMIN_CIDR, for slots 1,2,5', () => {
  let result: DryRunResult;

  beforeAll(async () => {
    result = await runBootDryRun({ slots: SLOTS, adminCidr: ADMIN_CIDR });
  });

  afterAll(async () => {
    await result?.cleanup();
  });

  it('fetches the dashboard credential into a file only root reads', async () => {
    // Prepare
    const names = callsOf(result, 'aws', 'ssm').map((call) => optionValue(call.args, '--name'));
    const file = path.join(result.hostRoot, 'etc/team-ide/traefik/dashboard-users');

    // Assess
    expect(result.exitCode, result.stderr).toBe(0);
    expect(names).toEqual([SAMPLE.certificateParameter, SAMPLE.dashboardUsersParameter]);
    expect(await readFile(file, 'utf8')).toBe(`${result.secrets.dashboardUsers}\n`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('publishes the dashboard port and listens on it on the edge address only, with the API on', async () => {
    // Prepare
    const rendered = parse(await readHostFile(result, 'etc/team-ide/traefik/traefik.yaml'));

    // Assess
    expect(optionValues(dockerRun(result.calls, 'traefik')?.args ?? [], '--publish')).toEqual(['80:80', '443:443', '8090:8090']);
    expect(rendered.entryPoints.dashboard).toEqual({ address: `${TRAEFIK_IP}:8090`, http: { tls: {} } });
    expect(rendered.api).toEqual({ dashboard: true });
  });

  it('checks that the dashboard refuses the host itself, which is not among the admins', () => {
    // Prepare
    const check = callsOf(result, 'curl').find((call) => call.args.at(-1)?.includes('monitor.'));

    // Assess
    expect(optionValue(check?.args ?? [], '--resolve')).toBe('monitor.code.example.com:8090:127.0.0.1');
    expect(check?.args.at(-1)).toBe('https://monitor.code.example.com:8090/dashboard/');
    expect(result.stdout).toContain('step check-dashboard');
  });

  it('prints no dashboard hash', () => {
    expect(result.stdout + result.stderr).not.toContain(result.secrets.dashboardUsers);
  });
});

describe('boot dry run with ExposedPort 8443', () => {
  it('publishes and listens on 8443 so the redirect and URLs carry the port', async () => {
    // Act
    const result = await runBootDryRun({ slots: ['3'], exposedPort: 8443, dashboardPort: 9443, adminCidr: ADMIN_CIDR });

    try {
      // Assess
      expect(result.exitCode, result.stderr).toBe(0);
      expect(optionValues(dockerRun(result.calls, 'traefik')?.args ?? [], '--publish')).toEqual([
        '80:80',
        '8443:8443',
        '9443:9443',
      ]);
      const rendered = parse(await readHostFile(result, 'etc/team-ide/traefik/traefik.yaml'));
      expect(rendered.entryPoints.websecure.address).toBe(`${TRAEFIK_IP}:8443`);
      expect(rendered.entryPoints.dashboard.address).toBe(`${TRAEFIK_IP}:9443`);
      expect(callsOf(result, 'curl').map((call) => call.args.at(-1))).toEqual(expect.arrayContaining([
        'https://dev-3.code.example.com:8443/healthz',
        'https://8080.dev-3.code.example.com:8443/healthz',
      ]));
      expect(optionValues(dockerRun(result.calls, 'dev-3')?.args ?? [], '--env')).toEqual(['VSCODE_PROXY_URI=https://{{port}}.dev-3.code.example.com:8443']);
    } finally {
      await result.cleanup();
    }
  });
});

describe('boot dry run with previews off', () => {
  it('gives code-server no proxy domain, routes no preview name and checks none', async () => {
    // Act
    const result = await runBootDryRun({ slots: SLOTS, previews: 'off' });

    try {
      // Assess
      expect(result.exitCode, result.stderr).toBe(0);
      for (const slot of SLOTS) {
        const args = dockerRun(result.calls, `dev-${slot}`)?.args ?? [];
        expect(args).not.toContain('--proxy-domain');
        expect(optionValues(args, '--env')).toEqual([]);
      }
      expect(callsOf(result, 'curl').map((call) => call.args.at(-1)).filter((url) => /\/\/\d+\.dev-/.test(url ?? ''))).toEqual([]);
      expect(await readHostFile(result, 'etc/team-ide/traefik/dynamic/routes.yaml')).not.toContain('HostRegexp');
      expect(result.stdout).not.toContain('check-previews');
    } finally {
      await result.cleanup();
    }
  });

  it('refuses a value of Previews it does not know before touching anything', async () => {
    // Act
    const result = await runBootDryRun({ slots: ['1'], previews: 'yes' as 'on' });

    try {
      // Assess
      expectRefusedBeforeStarting(result);
    } finally {
      await result.cleanup();
    }
  });
});

describe('boot dry run at the edge of the seat numbers', () => {
  it('gives seat 254, the highest, the network 172.17.254.0/24', async () => {
    // Act
    const result = await runBootDryRun({ slots: ['254'] });

    try {
      // Assess
      expect(result.exitCode, result.stderr).toBe(0);
      expect(callsOf(result, 'docker', 'network').map((call) => call.args.join(' '))).toContainEqual(expect.stringContaining('172.17.254.0/24'));
    } finally {
      await result.cleanup();
    }
  });

  it('refuses seat 255, whose network would be the default bridge, before touching anything', async () => {
    // Act
    const result = await runBootDryRun({ slots: ['1', '255'] });

    try {
      // Assess
      expectRefusedBeforeStarting(result);
    } finally {
      await result.cleanup();
    }
  });
});

describe('boot dry run with the largest share', () => {
  it('applies the limits the launcher computed, whatever they are', async () => {
    // Act
    const share = { memoryMiB: 30720, cpus: 7.5, pids: 30720 };
    const result = await runBootDryRun({ slots: ['7'], share });

    try {
      // Assess
      const args = dockerRun(result.calls, 'dev-7')?.args ?? [];
      expect(result.exitCode, result.stderr).toBe(0);
      expect([optionValue(args, '--memory'), optionValue(args, '--cpus'), optionValue(args, '--pids-limit')]).toEqual(['30720m', '7.5', '30720']);
    } finally {
      await result.cleanup();
    }
  });

  it('refuses a share that is not a number before touching anything', async () => {
    // Act
    const result = await runBootDryRun({ slots: ['7'], share: { memoryMiB: 2048, cpus: Number.NaN, pids: 2048 } });

    try {
      // Assess
      expectRefusedBeforeStarting(result);
    } finally {
      await result.cleanup();
    }
  });
});

describe('boot dry run with secrets created after the host asks', () => {
  it('waits for each secret instead of failing', async () => {
    // Act
    const result = await runBootDryRun({ slots: ['4'], fail: 'secrets-late' });

    try {
      // Assess
      expect(result.exitCode, result.stderr).toBe(0);
      expect(callsOf(result, 'aws', 'secretsmanager')).toHaveLength(2);
      expect(signals(result).map((signal) => signal.status)).toEqual(['SUCCESS']);
    } finally {
      await result.cleanup();
    }
  });
});

describe('boot dry run of the TLS parameter', () => {
  it('splits a bundle written by hand, key first and with CRLF line ends, into the chain and the key', async () => {
    // Act
    const result = await runBootDryRun({ slots: ['1'], tlsBundle: ({ certificate, privateKey }) => `${privateKey}\n${certificate}\n`.replace(/\n/g, '\r\n') });

    try {
      // Assess
      const tls = path.join(result.hostRoot, 'etc', 'team-ide', 'traefik', 'tls');
      expect(result.exitCode, result.stderr).toBe(0);
      expect(await readFile(path.join(tls, 'cert.pem'), 'utf8')).toBe(`${result.secrets.certificate}\n`);
      expect(await readFile(path.join(tls, 'key.pem'), 'utf8')).toBe(`${result.secrets.privateKey}\n`);
    } finally {
      await result.cleanup();
    }
  });

  it('fails at fetch-certificate when the parameter holds a chain without its key (the format before one parameter held both)', async () => {
    // Act
    const result = await runBootDryRun({ slots: ['1'], tlsBundle: ({ certificate }) => certificate });

    try {
      // Assess
      expect(result.exitCode).not.toBe(0);
      expect(signals(result)).toEqual([
        { status: 'FAILURE', reason: expect.stringContaining('failed at step fetch-certificate (exit '), url: SAMPLE.waitHandleUrl },
      ]);
      expect(callsOf(result, 'docker', 'run')).toEqual([]);
    } finally {
      await result.cleanup();
    }
  });
});

describe('boot dry run failures', () => {
  it.each([
    { fail: 'docker-pull', step: 'pull-images', started: [] as string[] },
    { fail: 'aws-ssm', step: 'fetch-certificate', started: [] as string[] },
    { fail: 'aws-secrets', step: 'fetch-password-dev-1', started: [] as string[] },
    { fail: 'healthz:dev-5.code.example.com', step: 'wait-healthy-dev-5', started: ['traefik', 'dev-1', 'dev-2', 'dev-5'] },
    { fail: 'previews:8080.dev-2.code.example.com', step: 'check-previews-dev-2', started: ['traefik', 'dev-1', 'dev-2', 'dev-5'] },
  ])('signals FAILURE naming $step when $fail fails', async ({ fail, step, started }) => {
    // Act
    const result = await runBootDryRun({ slots: SLOTS, fail, healthTimeoutSeconds: 0, secretTimeoutSeconds: 0 });

    try {
      // Assess
      expect(result.exitCode).not.toBe(0);
      expect(signals(result)).toEqual([
        { status: 'FAILURE', reason: expect.stringContaining(`failed at step ${step} (exit `), url: SAMPLE.waitHandleUrl },
      ]);
      expect(callsOf(result, 'docker', 'run').map((call) => optionValue(call.args, '--name'))).toEqual(started);
      for (const secret of secretTexts(result)) {
        expect(result.stdout + result.stderr).not.toContain(secret);
      }
    } finally {
      await result.cleanup();
    }
  });
});

describe('pinned images (infra/host/images.sh)', () => {
  it('pins one Traefik v3.6 patch and one code-server 4.x release, by exact tag', () => {
    // Assess: the README says how to bump them; a tag like "latest" or a range would boot something untested.
    expect(Object.keys(IMAGES).sort()).toEqual(['CODE_SERVER_IMAGE', 'TRAEFIK_IMAGE']);
    expect(IMAGES.TRAEFIK_IMAGE).toMatch(/^traefik:v3\.6\.([1-9]|[1-9]\d)$/);
    expect(IMAGES.CODE_SERVER_IMAGE).toMatch(/^codercom\/code-server:4\.\d+\.\d+$/);
  });

  it('reads as shell, the way a script takes the code-server version from it', async () => {
    // Act
    const { stdout } = await runShell('. infra/host/images.sh && echo "${CODE_SERVER_IMAGE#*:}"');

    // Assess
    expect(stdout.trim()).toBe(IMAGES.CODE_SERVER_IMAGE?.split(':')[1]);
  });
});

describe('boot dry run: the homes on the data volume', () => {
  const homes = (result: DryRunResult) => path.join(result.hostRoot, 'srv', 'team-ide');
  /** The index of the first call of a command (and subcommand) in the order the boot made them. */
  const firstCall = (result: DryRunResult, command: string, subcommand?: string) =>
    result.calls.findIndex((call) => call.command === command && (subcommand === undefined || call.args[0] === subcommand));
  const runs: DryRunResult[] = [];
  const dryRun = async (options: Parameters<typeof runBootDryRun>[0]) => {
    const result = await runBootDryRun(options);
    runs.push(result);
    return result;
  };

  afterAll(async () => {
    await Promise.all(runs.map((result) => result.cleanup()));
  });

  it('waits for a blank volume, found by its id, formats it, and mounts it before Docker starts', async () => {
    // Act: the volume shows at the second look.
    const result = await dryRun({ slots: ['1', '2'], dataVolume: {}, fail: 'device-late' });

    // Assess
    expect(result.exitCode, result.stderr).toBe(0);
    expect(callsOf(result, 'lsblk')).toHaveLength(2);
    expect(callsOf(result, 'lsblk')[0]?.args).toEqual(['--nodeps', '--noheadings', '--output', 'NAME,SERIAL']);
    expect(callsOf(result, 'blkid')).toEqual([{ command: 'blkid', args: ['--probe', '--match-tag', 'TYPE', '--output', 'value', '/dev/nvme1n1'] }]);
    expect(callsOf(result, 'mkfs')).toEqual([{ command: 'mkfs', args: ['-t', 'xfs', '-L', 'team-ide-homes', '/dev/nvme1n1'] }]);
    expect(callsOf(result, 'mount')).toEqual([{ command: 'mount', args: ['-o', 'noatime', '/dev/nvme1n1', homes(result)] }]);
    expect(firstCall(result, 'mkfs')).toBeLessThan(firstCall(result, 'mount'));
    expect(firstCall(result, 'mount')).toBeLessThan(firstCall(result, 'systemctl'));
    expect(firstCall(result, 'mount')).toBeLessThan(firstCall(result, 'docker', 'run'));
    expect(result.stdout).toContain('step mount-homes');
  });

  it('mounts a restored volume without formatting it, grows it, and leaves the homes of developers not in this run alone', async () => {
    // Prepare: alice (dev-1) and carol (dev-3) worked in an earlier run; this run seats alice and bob (dev-2).
    const files = { 'homes/U0000AAA1/.bash_history': 'git status\n', 'homes/U0000AAA1/project/notes.md': 'half done\n', 'homes/U0000CCC3/project/main.go': 'package main\n' };

    // Act
    const result = await dryRun({ slots: ['1', '2'], members: ['U0000AAA1', 'U0000BBB2'], dataVolume: { snapshotId: 'snap-0123456789abcdef0', filesystem: 'xfs', files } });

    // Assess
    expect(result.exitCode, result.stderr).toBe(0);
    expect(callsOf(result, 'mkfs')).toEqual([]);
    expect(callsOf(result, 'mount')).toHaveLength(1);
    expect(callsOf(result, 'xfs_growfs')).toEqual([{ command: 'xfs_growfs', args: [homes(result)] }]);
    for (const [file, content] of Object.entries(files)) {
      expect(await readFile(path.join(homes(result), file), 'utf8'), file).toBe(content);
    }
    const chowned = callsOf(result, 'chown').flatMap((call) => call.args.slice(1));
    expect(chowned.some((target) => target.includes('U0000CCC3'))).toBe(false);
    expect(chowned).toContain(path.join(homes(result), 'homes', 'U0000BBB2'));
    expect(dockerRun(result.calls, 'dev-3')).toBeUndefined();
    expect(optionValues(dockerRun(result.calls, 'dev-1')?.args ?? [], '--volume').map((volume) => stripRoot(result, volume))).toEqual(['/srv/team-ide/homes/U0000AAA1:/home/coder']);
  });

  it('gives the new holder of a slot a home of their own, never the one the previous holder left, and a developer who moved to another slot their home there', async () => {
    // Prepare: carol held dev-3 and bob dev-2; both were removed from the roster, frank got dev-3, bob came back as dev-4.
    const files = { 'homes/U0000CCC3/project/secret-plan.md': 'carol\'s\n', 'homes/U0000BBB2/project/main.go': 'package main\n' };

    // Act
    const result = await dryRun({ slots: ['3', '4'], members: ['U0000FFF6', 'U0000BBB2'], dataVolume: { snapshotId: 'snap-0123456789abcdef0', filesystem: 'xfs', files } });

    // Assess
    expect(result.exitCode, result.stderr).toBe(0);
    const mounted = (name: string) => optionValues(dockerRun(result.calls, name)?.args ?? [], '--volume').map((volume) => stripRoot(result, volume));
    expect(mounted('dev-3')).toEqual(['/srv/team-ide/homes/U0000FFF6:/home/coder']);
    expect(mounted('dev-4')).toEqual(['/srv/team-ide/homes/U0000BBB2:/home/coder']);
    expect(await readdir(path.join(homes(result), 'homes', 'U0000FFF6'))).toEqual(['project']);
    expect(await readdir(path.join(homes(result), 'homes', 'U0000FFF6', 'project'))).toEqual([]);
    expect(await readFile(path.join(homes(result), 'homes', 'U0000BBB2', 'project', 'main.go'), 'utf8')).toBe('package main\n');
    expect(await readFile(path.join(homes(result), 'homes', 'U0000CCC3', 'project', 'secret-plan.md'), 'utf8')).toBe('carol\'s\n');
    expect(callsOf(result, 'chown').flatMap((call) => call.args.slice(1)).some((target) => target.includes('U0000CCC3'))).toBe(false);
  });

  it('without members (a stack deployed by hand), gives slot N the home homes/dev-N', async () => {
    const result = await dryRun({ slots: ['3'], dataVolume: {} });

    expect(result.exitCode, result.stderr).toBe(0);
    expect(optionValues(dockerRun(result.calls, 'dev-3')?.args ?? [], '--volume').map((volume) => stripRoot(result, volume))).toEqual(['/srv/team-ide/homes/dev-3:/home/coder']);
  });

  it.each([
    ['fewer members than slots', ['U0000AAA1']],
    ['one member in two slots, who would share a home', ['U0000AAA1', 'U0000AAA1']],
    ['something that is no Slack member id', ['U0000AAA1', '../etc']],
  ])('fails at check-values, starting nothing, given %s', async (_what, members) => {
    const result = await dryRun({ slots: ['1', '2'], members, dataVolume: {} });

    expectRefusedBeforeStarting(result);
    expect(callsOf(result, 'mount')).toEqual([]);
  });

  it('refuses to format a volume that already has a filesystem, though none was expected', async () => {
    const result = await dryRun({ slots: ['1'], dataVolume: { filesystem: 'ext4' } });

    expect(result.exitCode, result.stderr).toBe(0);
    expect(callsOf(result, 'mkfs')).toEqual([]);
    expect(callsOf(result, 'mount')).toHaveLength(1);
  });

  it('fails at mount-homes, formatting nothing, when a volume restored from a snapshot has no filesystem', async () => {
    const result = await dryRun({ slots: ['1'], dataVolume: { snapshotId: 'snap-0123456789abcdef0' } });

    expect(result.exitCode).not.toBe(0);
    expect(callsOf(result, 'mkfs')).toEqual([]);
    expect(callsOf(result, 'mount')).toEqual([]);
    expect(callsOf(result, 'docker', 'run')).toEqual([]);
    expect(signals(result)).toEqual([{ status: 'FAILURE', reason: expect.stringContaining('team-ide boot failed at step mount-homes'), url: SAMPLE.waitHandleUrl }]);
    expect(result.stdout).toContain(`${SAMPLE.dataVolumeId} from snap-0123456789abcdef0 has no filesystem: not formatting it`);
  });

  it('fails at mount-homes when the volume never shows', async () => {
    // Prepare: lsblk lists only the root volume.
    const result = await dryRun({ slots: ['1'], dataVolume: {}, fail: 'device-late', deviceTimeoutSeconds: 0 });

    expect(result.exitCode).not.toBe(0);
    expect(signals(result)[0]?.reason).toContain('team-ide boot failed at step mount-homes');
    expect(result.stdout).toContain(`${SAMPLE.dataVolumeId} not attached after 0s`);
  });

  it('without a data volume (KEEP_WORK=false), keeps the homes on the host\'s disk and looks for no device', async () => {
    const result = await dryRun({ slots: ['1'] });

    expect(result.exitCode, result.stderr).toBe(0);
    expect([...callsOf(result, 'lsblk'), ...callsOf(result, 'blkid'), ...callsOf(result, 'mkfs'), ...callsOf(result, 'mount')]).toEqual([]);
  });
});
