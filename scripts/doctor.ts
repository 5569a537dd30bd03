/**
 * `npm run doctor -- --stage <stage> [--region <region>]`: checks a deployed stage end to
 * end without starting a run. One line per check, ✓ or ✗ with what to do; exits 1 when
 * anything is ✗.
 */
import { parseArgs } from 'node:util';
import type { SetupClients } from '../shared/setup/aws-clients';
import { runDoctor } from '../shared/setup/doctor';
import { renderFinding } from '../shared/setup/findings';
import { runCli } from './cli/run-cli';
import { checkStage, createClients, readStageContext, REPO_ROOT } from './cli/stage-context';

export interface DoctorCommandDeps {
  shellEnv: NodeJS.ProcessEnv;
  repoRoot: string;
  out: (line: string) => void;
  /** Default: the stage's clients (AWS, or the sandbox when IDE_BACKEND=sandbox). */
  clients?: SetupClients;
  now?: () => Date;
}

export async function doctorCommand(argv: string[], deps: DoctorCommandDeps): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { stage: { type: 'string' }, region: { type: 'string' } }, strict: true });
  const context = readStageContext({ stage: checkStage(values.stage), ...(values.region ? { region: values.region } : {}), shellEnv: deps.shellEnv, repoRoot: deps.repoRoot });
  deps.out(`team-ide doctor: stage ${context.stage} in ${context.region}${context.backend.kind === 'sandbox' ? ` (the sandbox at ${context.backend.url})` : ''}`);
  const findings = await runDoctor(
    {
      stage: context.stage,
      region: context.region,
      settings: context.settings,
      ...(context.backend.kind === 'sandbox' ? { sandboxUrl: context.backend.url } : {}),
      now: deps.now ?? (() => new Date()),
    },
    deps.clients ?? createClients(context),
    (finding) => deps.out(renderFinding(finding)),
  );
  const failed = findings.filter((finding) => !finding.ok).length;
  deps.out(failed === 0 ? `All ${findings.length} checks passed.` : `${failed} of ${findings.length} checks failed.`);
  return failed === 0 ? 0 : 1;
}

if (require.main === module) {
  runCli('doctor', () => doctorCommand(process.argv.slice(2), { shellEnv: process.env, repoRoot: REPO_ROOT, out: (line) => console.log(line) }));
}
