import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(__dirname, '..');
const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

/** The rows of the first table under "## Security model", as cells. */
function securityTable(): string[][] {
  const section = readme.split('\n## Security model\n')[1]?.split('\n## ')[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[-| ]+\|$/.test(line))
    .slice(1)
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
}

describe('README, "Security model"', () => {
  it('answers who reaches what: own IDE, other IDEs, dashboard, instance role, Docker', () => {
    // Act
    const rows = securityTable().map(([to = '', reachable = '']) => [to, reachable.replace(/\*/g, '').split(/[:;]/)[0]]);

    // Assess
    expect(rows).toEqual(
      expect.arrayContaining([
        ['their own IDE', 'yes'],
        [expect.stringMatching(/^another developer's IDE, directly/), 'no'],
        [expect.stringMatching(/^another developer's IDE, through Traefik/), 'only as from the internet'],
        [expect.stringMatching(/^another developer's previews/), 'only as from the internet, and signed in to that developer\'s IDE'],
        ['the Traefik dashboard', 'no'],
        ['the instance role (IMDS credentials)', 'no'],
        ['Docker (the daemon)', 'no'],
      ]),
    );
  });

  it('names, for every row, tests that exist', () => {
    // Prepare
    const testFiles = ['test/infra/boot-dry-run.test.ts', 'test/infra/traefik-config.test.ts', 'test/infra/team-stack-template.test.ts', 'test/shared/team/host-shares.test.ts', 'test/shared/core/config.test.ts', 'test/integration/code-server-previews.test.ts', 'test/infra/iam/iam-simulation.test.ts'];
    const tests = testFiles.map((file) => readFileSync(path.join(repoRoot, file), 'utf8')).join('\n');

    for (const [to = '', , , checkedBy = ''] of securityTable()) {
      // Act: quoted test titles, up to an ellipsis.
      const titles = [...checkedBy.matchAll(/"([^"]+)"/g)].map((match) => (match[1] ?? '').replace(/\s*….*$/, ''));

      // Assess
      for (const title of titles) {
        expect(tests, `${to}: "${title}"`).toContain(title);
      }
      for (const file of [...checkedBy.matchAll(/`(test\/[^`]+)`/g)].map((match) => match[1] ?? '')) {
        expect(testFiles, `${to}: ${file}`).toContain(file);
      }
    }
  });
});
