import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillHeader, sampleHeaderValues, userDataParts } from './boot-dry-run';

const repoRoot = path.resolve(__dirname, '..', '..');
const available = spawnSync('shellcheck', ['--version']).status === 0;
const inCi = Boolean(process.env.CI);

if (!available && !inCi) {
  console.warn('shellcheck is not installed: skipping the shell checks (apt-get install -y shellcheck). CI fails instead.');
}

async function shellFiles(): Promise<string[]> {
  const dirs = ['infra/host', 'test/infra/stubs', 'scripts'];
  const lists = await Promise.all(
    dirs.map(async (dir) =>
      (await readdir(path.join(repoRoot, dir))).filter((name) => name.endsWith('.sh')).map((name) => `${dir}/${name}`),
    ),
  );
  return lists.flat();
}

function shellcheck(args: string[]): { status: number | null; output: string } {
  const run = spawnSync('shellcheck', ['--format=gcc', ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('shellcheck', () => {
  it.runIf(inCi)('is installed in CI', () => {
    // Assess
    expect(available, 'CI must install shellcheck: apt-get install -y shellcheck').toBe(true);
  });

  it.skipIf(!available)('passes every shell file the host runs, the stubs and the scripts', async () => {
    // Prepare
    const files = await shellFiles();

    // Act
    const { status, output } = shellcheck(files);

    // Assess
    expect(files).toEqual(expect.arrayContaining(['infra/host/boot.sh', 'infra/host/seat-report.sh', 'test/infra/stubs/command-stub.sh', 'scripts/install-code-server.sh']));
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it.skipIf(!available)('passes the user data as the template assembles it', async () => {
    // Prepare
    const { header, hostScript } = userDataParts();
    const dir = await mkdtemp(path.join(tmpdir(), 'team-ide-userdata-'));
    const file = path.join(dir, 'user-data.sh');
    await writeFile(file, fillHeader(header, sampleHeaderValues({ slots: ['1', '2', '5'], members: ['U0000AAA1', 'U0000BBB2', 'U0000EEE5'] })) + hostScript);

    try {
      // Act
      const { status, output } = shellcheck([file]);

      // Assess
      expect(output).toBe('');
      expect(status).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
