/**
 * AWS's CloudFormation linter, cfn-lint, as the tests run it: `cfn-lint` from PATH when
 * installed (pip install cfn-lint), else the copy beside the repository in
 * ../shared/tools/cfn-lint (which installs its Python libraries from Debian on first use).
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './packaged-deployment';

/** The regions every template is linted for: resource types and instance types differ by region. */
export const LINT_REGIONS = ['eu-west-1', 'us-east-1'] as const;

export interface LintMatch {
  Filename: string;
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Rule: { Id: string };
  Location: { Path: (string | number)[]; Start: { LineNumber: number } };
}

/** The command to run, or undefined when neither is there. */
export function findCfnLint(): string | undefined {
  if (spawnSync('cfn-lint', ['--version'], { stdio: 'ignore' }).status === 0) return 'cfn-lint';
  const beside = path.resolve(REPO_ROOT, '..', 'shared', 'tools', 'cfn-lint', 'cfn-lint');
  return existsSync(beside) ? beside : undefined;
}

/** Lints the files in one run (it starts slowly) and returns every match, whatever its level. */
export async function cfnLint(command: string, files: string[]): Promise<LintMatch[]> {
  const args = ['--format', 'json', '--regions', ...LINT_REGIONS, '--', ...files];
  // A non-zero exit is a bit mask of the levels found (2 errors, 4 warnings, 8 informational); 3 is its own failure.
  const { stdout, stderr, code } = await promisify(execFile)(command, args, { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 }).then(
    (result) => ({ ...result, code: 0 }),
    (error: { stdout?: string; stderr?: string; code?: number }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '', code: error.code ?? -1 }),
  );
  try {
    return JSON.parse(stdout) as LintMatch[];
  } catch {
    throw new Error(`${command} exited ${code} without a JSON report: ${stderr || stdout}`);
  }
}

/** One line per match, as a person fixing it wants it: level, rule, where, the linter's own message. */
export function describeMatch(match: LintMatch): string {
  const where = match.Location.Path.slice(0, 2).join('/');
  return `${match.Level} ${match.Rule.Id} ${where}: ${match.Message} (${path.basename(match.Filename)}:${match.Location.Start.LineNumber})`;
}
