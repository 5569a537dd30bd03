import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  SAMPLE,
  dockerRun,
  labelsOf,
  optionValue,
  optionValues,
  pinnedImages,
  runBootDryRun,
  type DryRunResult,
  type StubCall,
} from './boot-dry-run';

const SLOTS = ['1', '2', '5'];
const IMAGES = pinnedImages();
const runShell = (script: string) => promisify(execFile)('bash', ['-c', script], { cwd: path.resolve(__dirname, '..', '..') });

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
    result = await runBootDryRun({ slots: SLOTS });
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
    expect(callsOf(result, 'systemctl')).toEqual([{ command: 'systemctl', args: ['enable', '--now', 'docker'] }]);
    expect(pulls.sort()).toEqual([IMAGES.CODE_SERVER_IMAGE, IMAGES.TRAEFIK_IMAGE]);
  });

  it('fetches the certificate with its key and the dashboard users with decryption, into files only root reads', async () => {
    // Prepare
    const traefikDir = path.join(result.hostRoot, 'etc', 'team-ide', 'traefik');
    const names = callsOf(result, 'aws', 'ssm').map((call) => optionValue(call.args, '--name'));

    // Assess
    expect(names).toEqual([SAMPLE.certificateParameter, SAMPLE.dashboardUsersParameter]);
    for (const call of callsOf(result, 'aws', 'ssm')) {
      expect(call.args.slice(0, 2)).toEqual(['ssm', 'get-parameter']);
      expect(call.args).toContain('--with-decryption');
    }
    expect(await readFile(path.join(traefikDir, 'tls', 'cert.pem'), 'utf8')).toBe(`${result.secrets.certificate}\n`);
    expect(await readFile(path.join(traefikDir, 'tls', 'key.pem'), 'utf8')).toBe(`${result.secrets.privateKey}\n`);
    expect(await readFile(path.join(traefikDir, 'dashboard-users'), 'utf8')).toBe(`${result.secrets.dashboardUsers}\n`);
    for (const file of ['tls/key.pem', 'dashboard-users']) {
      expect((await stat(path.join(traefikDir, file))).mode & 0o777, file).toBe(0o600);
    }
    expect((await stat(traefikDir)).mode & 0o777).toBe(0o700);
    expect(await readdir(path.join(traefikDir, 'tls'))).toEqual(['cert.pem', 'key.pem']);
  });

  it('reads each password from this run’s secret', () => {
    // Prepare
    const ids = callsOf(result, 'aws', 'secretsmanager').map((call) => optionValue(call.args, '--secret-id'));

    // Assess
    expect(ids).toEqual(SLOTS.map((slot) => `${SAMPLE.stackName}/${SAMPLE.runId}/dev-${slot}`));
  });

  it('creates the user-defined network before the containers join it', () => {
    // Prepare
    const dockerCalls = callsOf(result, 'docker');
    const network = dockerCalls.findIndex((call) => call.args.join(' ') === 'network create team-ide');
    const firstRun = dockerCalls.findIndex((call) => call.args[0] === 'run');

    // Assess
    expect(network).toBeGreaterThanOrEqual(0);
    expect(network).toBeLessThan(firstRun);
    for (const call of callsOf(result, 'docker', 'run')) {
      expect(optionValue(call.args, '--network')).toBe('team-ide');
    }
  });

  it('starts Traefik with the three ports, the docker socket read-only and the rendered configuration', async () => {
    // Prepare
    const traefik = dockerRun(result.calls, 'traefik');
    const args = traefik?.args ?? [];
    const rendered = parse(await readFile(path.join(result.hostRoot, 'etc/team-ide/traefik/traefik.yaml'), 'utf8'));

    // Assess
    expect(optionValues(args, '--publish')).toEqual(['80:80', '443:443', '8090:8090']);
    expect(optionValues(args, '--volume').map((volume) => stripRoot(result, volume))).toEqual([
      '/var/run/docker.sock:/var/run/docker.sock:ro',
      '/etc/team-ide/traefik:/etc/traefik:ro',
    ]);
    expect(args.slice(-2)).toEqual([IMAGES.TRAEFIK_IMAGE, '--configFile=/etc/traefik/traefik.yaml']);
    expect(labelsOf(traefik as StubCall)).toEqual({
      'traefik.enable': 'true',
      'traefik.http.routers.dashboard.rule': 'Host(`monitor.code.example.com`)',
      'traefik.http.routers.dashboard.entryPoints': 'dashboard',
      'traefik.http.routers.dashboard.tls': 'true',
      'traefik.http.routers.dashboard.service': 'api@internal',
      'traefik.http.routers.dashboard.middlewares': 'dashboard-auth@file',
    });
    expect(rendered.entryPoints).toMatchObject({
      web: { address: ':80', http: { redirections: { entryPoint: { to: 'websecure', scheme: 'https' } } } },
      websecure: { address: ':443' },
      dashboard: { address: ':8090' },
    });
    expect(rendered.providers.docker).toMatchObject({ exposedByDefault: false, network: 'team-ide' });
  });

  it('starts dev-1, dev-2 and dev-5 with their route, project volume and flags', () => {
    for (const slot of SLOTS) {
      // Prepare
      const name = `dev-${slot}`;
      const run = dockerRun(result.calls, name);
      const args = run?.args ?? [];

      // Assess
      expect(run, name).toBeDefined();
      expect(optionValues(args, '--volume').map((volume) => stripRoot(result, volume))).toEqual([
        `/srv/team-ide/${name}:/home/coder/project`,
      ]);
      expect(labelsOf(run as StubCall)).toEqual({
        'traefik.enable': 'true',
        'traefik.docker.network': 'team-ide',
        [`traefik.http.routers.${name}.rule`]: `Host(\`${name}.code.example.com\`)`,
        [`traefik.http.routers.${name}.entryPoints`]: 'websecure',
        [`traefik.http.routers.${name}.tls`]: 'true',
        [`traefik.http.routers.${name}.service`]: name,
        [`traefik.http.services.${name}.loadBalancer.server.port`]: '8080',
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
        '/home/coder/project',
      ]);
      expect(callsOf(result, 'chown')).toContainEqual({
        command: 'chown',
        args: ['1000:1000', path.join(result.hostRoot, 'srv', 'team-ide', name)],
      });
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

  it('checks each IDE’s /healthz through Traefik, then that the dashboard refuses anonymous requests', () => {
    // Prepare
    const checks = callsOf(result, 'curl').filter((call) => !call.args.includes('PUT'));

    // Assess
    expect(checks.map((call) => [optionValue(call.args, '--resolve'), call.args.at(-1)])).toEqual([
      ['dev-1.code.example.com:443:127.0.0.1', 'https://dev-1.code.example.com:443/healthz'],
      ['dev-2.code.example.com:443:127.0.0.1', 'https://dev-2.code.example.com:443/healthz'],
      ['dev-5.code.example.com:443:127.0.0.1', 'https://dev-5.code.example.com:443/healthz'],
      ['monitor.code.example.com:8090:127.0.0.1', 'https://monitor.code.example.com:8090/dashboard/'],
    ]);
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

describe('boot dry run with ExposedPort 8443', () => {
  it('publishes and listens on 8443 so the redirect and URLs carry the port', async () => {
    // Act
    const result = await runBootDryRun({ slots: ['3'], exposedPort: 8443, dashboardPort: 9443 });

    try {
      // Assess
      expect(result.exitCode, result.stderr).toBe(0);
      expect(optionValues(dockerRun(result.calls, 'traefik')?.args ?? [], '--publish')).toEqual([
        '80:80',
        '8443:8443',
        '9443:9443',
      ]);
      const rendered = parse(await readFile(path.join(result.hostRoot, 'etc/team-ide/traefik/traefik.yaml'), 'utf8'));
      expect(rendered.entryPoints.websecure.address).toBe(':8443');
      expect(rendered.entryPoints.dashboard.address).toBe(':9443');
      expect(callsOf(result, 'curl').map((call) => call.args.at(-1))).toContain(
        'https://dev-3.code.example.com:8443/healthz',
      );
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
