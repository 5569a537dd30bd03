import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTeamTemplate } from '../../scripts/build-template';
import { cfnLint, describeMatch, findCfnLint, type LintMatch } from './cfn-lint';
import { packagedDeployment } from './packaged-deployment';

const linter = findCfnLint();
const inCi = Boolean(process.env.CI);

if (!linter && !inCi) {
  console.warn('cfn-lint is neither on PATH nor in ../shared/tools/cfn-lint: skipping the lint tests (pip install cfn-lint). CI fails instead.');
}

/** The form cfn-lint refuses (E6101): the transform substitutes ${Slot} in Fn::Sub, not in a plain string. */
const PLAIN_REF = ["Ref: !Sub 'DevPassword${Slot}'", "Ref: 'DevPassword${Slot}'"] as const;

describe('cfn-lint, AWS\'s CloudFormation linter', () => {
  let dir: string;
  const files: Record<'team' | 'deployment' | 'brokenTeam' | 'brokenDeployment', string> = { team: '', deployment: '', brokenTeam: '', brokenDeployment: '' };
  let matches: LintMatch[] = [];
  const matchesOf = (file: string) => matches.filter((match) => match.Filename === file);

  beforeAll(async () => {
    if (!linter) return;
    dir = await mkdtemp(path.join(tmpdir(), 'team-ide-lint-'));
    // Exactly what `npm run build:template` writes and the launcher sends.
    files.team = path.join(dir, 'team-stack.yaml');
    await writeTeamTemplate(files.team);
    files.deployment = (await packagedDeployment()).templateFile;
    // Bad input: one rule broken in a copy of each, to show what a failure says.
    files.brokenTeam = path.join(dir, 'team-stack-plain-ref.yaml');
    await writeFile(files.brokenTeam, (await readFile(files.team, 'utf8')).replace(...PLAIN_REF));
    const deployment = JSON.parse(await readFile(files.deployment, 'utf8'));
    delete deployment.Resources.LauncherLambdaFunction.Metadata;
    files.brokenDeployment = path.join(dir, 'deployment-without-exception.json');
    await writeFile(files.brokenDeployment, JSON.stringify(deployment, null, 2));

    matches = await cfnLint(linter, Object.values(files));
  }, 300_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.runIf(inCi)('is there in CI', () => {
    expect(linter, 'CI needs ../shared/tools/cfn-lint beside the clone, or cfn-lint on PATH').toBeDefined();
  });

  it.skipIf(!linter)('finds no error and no warning in the assembled team template (dist/team-stack.yaml)', () => {
    const problems = matchesOf(files.team).filter((match) => match.Level !== 'Informational').map(describeMatch);

    expect(problems).toEqual([]);
  });

  it.skipIf(!linter)('finds no error and no warning in the packaged deployment template', () => {
    const problems = matchesOf(files.deployment).filter((match) => match.Level !== 'Informational').map(describeMatch);

    expect(problems).toEqual([]);
  });

  it.skipIf(!linter)('reports a plain Ref to DevPassword${Slot} with its own message and the output it names', () => {
    // Assess
    const found = matchesOf(files.brokenTeam).map(describeMatch);

    expect(found).toEqual([expect.stringMatching(/^Error E6101 Outputs\/DevPasswordSecret\w+: 'DevPassword\$\{Slot\}' is not one of \[/)]);
  });

  it.skipIf(!linter)('reports a redundant DependsOn once its resource\'s exception is gone, and only there', () => {
    // Assess
    const found = matchesOf(files.brokenDeployment).map(describeMatch);

    expect(found).toEqual([expect.stringMatching(/^Warning W3005 Resources\/LauncherLambdaFunction: 'LauncherRole' dependency already enforced/)]);
  });
});
