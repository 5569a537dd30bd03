/**
 * The host's seat report against a real code-server (the version the image pins, started as
 * the boot starts dev-1): infra/host/seat-report.sh asks its /healthz with the real curl, as
 * it asks each IDE on the host, and writes what code-server says (aws is the stub). What
 * "in use" means is code-server's own: never opened, then alive once a browser asked for a
 * page, and neither the boot's checks nor the report itself count.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { parseSeatReport } from '../../shared/idle/seat-report';
import { parseLog, STUB_SCRIPT } from '../infra/boot-dry-run';
import { type BootsCodeServer, CODE_SERVER_INSTALL_HINT, installedCodeServer, startBootsCodeServer } from '../helpers/code-server';
import { REPO_ROOT } from '../infra/packaged-deployment';

const installed = installedCodeServer();
const inCi = Boolean(process.env.CI);
const DOMAIN = 'example.test';

if (!installed && !inCi) {
  console.warn(`code-server is not installed: skipping the seat report against a real code-server (${CODE_SERVER_INSTALL_HINT}). CI fails instead.`);
}

describe('the seat report against a real code-server', () => {
  it.runIf(inCi)('has code-server installed in CI', () => {
    expect(installed, `CI must install code-server: ${CODE_SERVER_INSTALL_HINT}`).toBeDefined();
  });

  describe.skipIf(!installed)(`code-server ${installed?.version ?? ''} started as the boot starts dev-1`, () => {
    let codeServer: BootsCodeServer | undefined;
    let workDir: string;

    beforeAll(async () => {
      codeServer = await startBootsCodeServer(installed!, DOMAIN);
      workDir = await mkdtemp(path.join(tmpdir(), 'team-ide-seat-report-'));
      // Only aws is the stub: curl is the real one.
      await symlink(STUB_SCRIPT, path.join(workDir, 'aws'));
    }, 150_000);

    afterAll(async () => {
      await codeServer?.stop();
      if (workDir) await rm(workDir, { recursive: true, force: true });
    });

    /** One run of the report, as its timer runs it, for seat 1 at the code-server's address; what it wrote. */
    async function report(port = codeServer!.port): Promise<{ value: unknown; stdout: string }> {
      const log = path.join(workDir, 'stub.log');
      await writeFile(log, '');
      const env = { PATH: `${workDir}:${process.env.PATH ?? ''}`, HOME: workDir, SEATS_PARAMETER: '/team-ide-acme-ides/run-1/seats', SEAT_ADDRESSES: `1=127.0.0.1:${port}`, AWS_REGION: 'eu-west-1', STUB_LOG: log, STUB_FIXTURES: workDir };
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile('bash', [path.join(REPO_ROOT, 'infra/host/seat-report.sh')], { env, timeout: 30_000 }, (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(String(out))));
      });
      const written = parseLog(await readFile(log, 'utf8')).calls.find((call) => call.command === 'put-value')?.args[0];
      return { value: JSON.parse(written ?? 'null') as unknown, stdout };
    }

    it('reports a seat nobody opened as expired since never, also after the boot\'s checks and its own', async () => {
      onTestFailed(() => console.error(codeServer?.log()));
      // What the boot's checks ask: /healthz through Traefik, as dev-1 and as a preview name.
      for (const host of [`dev-1.${DOMAIN}`, `8080.dev-1.${DOMAIN}`]) await fetch(`http://127.0.0.1:${codeServer!.port}/healthz`, { headers: { host } });

      const first = await report();
      const second = await report();

      expect(first.value).toEqual({ seats: [{ slot: 1, status: 'expired', lastHeartbeat: 0 }] });
      expect(second.value).toEqual(first.value);
      expect(first.stdout).toBe('team-ide seats reported: dev-1:expired\n');
    });

    it('reports the seat alive, with code-server\'s heartbeat, once a browser asked for a page', async () => {
      // Act: the login page, as a browser opening the link from the email.
      const before = Date.now();
      await fetch(`http://127.0.0.1:${codeServer!.port}/login`, { headers: { host: `dev-1.${DOMAIN}`, accept: 'text/html' } });
      const { value } = await report();

      // Assess: alive, and the sweeper reads the heartbeat as the time of that request.
      const seat = parseSeatReport(JSON.stringify(value), [1]).get(1);
      expect(seat?.status).toBe('alive');
      expect(seat?.lastHeartbeat?.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(seat?.lastHeartbeat?.getTime()).toBeLessThanOrEqual(Date.now());
    });

    it('reports a seat whose code-server does not answer as unreachable', async () => {
      const port = codeServer!.port;
      await codeServer?.stop();
      codeServer = undefined;

      const { value } = await report(port);

      expect(value).toEqual({ seats: [{ slot: 1, status: 'unreachable' }] });
    });
  });
});
