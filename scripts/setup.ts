/**
 * `npm run setup -- --stage <stage> [flags]`: from an AWS account and a Slack workspace to a
 * deployed stage. Finds what it can (hosted zone, VPC and public subnet, the bot's ids),
 * asks the rest once and remembers it in `.env.<stage>` (secrets go to SSM SecureStrings),
 * deploys, and points the Slack app at the deployment. Every answer is also a flag: see
 * `npm run setup -- --help`.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { updateEnvText } from '../shared/setup/env-file';
import { SetupError } from '../shared/setup/findings';
import type { Prompter } from '../shared/setup/prompter';
import { runSetup, type SetupAnswers } from '../shared/setup/setup';
import { parseManifest } from '../shared/setup/slack-app';
import type { SetupClients } from '../shared/setup/aws-clients';
import { runCli } from './cli/run-cli';
import { checkStage, createClients, readStageContext, REPO_ROOT } from './cli/stage-context';
import { terminalPrompter } from './cli/terminal-prompter';

/** Flag → what it answers. Secrets as flags land in the shell's history: prefer the prompt, or an environment variable (`--slack-bot-token "$TOKEN"`). */
const FLAGS = {
  stage: 'the deployment\'s name (required), e.g. dev',
  region: 'AWS region (default: AWS_REGION, else eu-west-1)',
  domain: 'domain of the IDEs, e.g. code.example.com',
  'hosted-zone-id': 'Route 53 zone holding the domain (found when not given)',
  'vpc-id': 'VPC of the host (default: the region\'s default VPC)',
  'subnet-id': 'public subnet of that VPC (found when not given)',
  'ses-from': 'sender address of the emails',
  'allowed-users': 'Slack member ids who may start/stop runs and change the roster, or *',
  'allowed-channels': 'channel ids where /ide works, or * (default *)',
  roster: 'initial roster, slot:UserId:name:email,… (default: the allowed users)',
  'slack-bot-token': 'the app\'s Bot User OAuth Token (xoxb-…)',
  'slack-signing-secret': 'the app\'s Signing Secret',
  'slack-config-token': 'a Slack app configuration token (xoxe.xoxp-…): setup creates or updates the app itself; never stored',
  'slack-app-id': 'the app to update with --slack-config-token (remembered once created)',
  'certificate-file': 'PEM chain for *.<domain>, leaf first',
  'private-key-file': 'its PEM private key',
  'admin-cidr': 'IPv4 range the Traefik dashboard opens to (ADMIN_CIDR); without it the dashboard stays off',
  'dashboard-password': 'the Traefik dashboard\'s password (default: generated once, with --admin-cidr)',
  'verify-sender': 'ask SES to verify the sender address',
  'verify-recipients': 'in the SES sandbox, ask SES to verify the roster\'s addresses',
  'no-deploy': 'write the settings and secrets, but do not deploy',
  help: 'this text',
} as const;

const BOOLEAN_FLAGS = new Set(['verify-sender', 'verify-recipients', 'no-deploy', 'help']);

export interface SetupCommandDeps {
  shellEnv: NodeJS.ProcessEnv;
  repoRoot: string;
  prompter: Prompter;
  /** Default: the stage's clients (AWS, or the sandbox when IDE_BACKEND=sandbox). */
  clients?: SetupClients;
  /** Default: `serverless deploy`; in the sandbox, nothing (npm start runs the functions). */
  deploy?: (stage: string, region: string) => Promise<'deployed' | 'skipped'>;
  now?: () => Date;
}

export async function setupCommand(argv: string[], deps: SetupCommandDeps): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: BOOLEAN_FLAGS.has(flag) ? 'boolean' : 'string' }])) as Record<keyof typeof FLAGS, { type: 'string' | 'boolean' }>,
    strict: true,
  });
  if (values.help) {
    deps.prompter.say(['npm run setup -- --stage <stage> [flags]', ...Object.entries(FLAGS).map(([flag, meaning]) => `  --${flag.padEnd(22)} ${meaning}`)].join('\n'));
    return 0;
  }
  const text = (flag: keyof typeof FLAGS) => (typeof values[flag] === 'string' ? (values[flag] as string) : undefined);
  const context = readStageContext({ stage: checkStage(text('stage')), ...(text('region') ? { region: text('region') } : {}), shellEnv: deps.shellEnv, repoRoot: deps.repoRoot });
  const clients = deps.clients ?? createClients(context);
  const answers: SetupAnswers = {
    domain: text('domain'),
    hostedZoneId: text('hosted-zone-id'),
    vpcId: text('vpc-id'),
    subnetId: text('subnet-id'),
    sesFrom: text('ses-from'),
    allowedUsers: text('allowed-users'),
    allowedChannels: text('allowed-channels'),
    roster: text('roster'),
    slackBotToken: text('slack-bot-token'),
    slackSigningSecret: text('slack-signing-secret'),
    slackConfigToken: text('slack-config-token'),
    slackAppId: text('slack-app-id'),
    certificateFile: text('certificate-file'),
    privateKeyFile: text('private-key-file'),
    adminCidr: text('admin-cidr'),
    dashboardPassword: text('dashboard-password'),
    ...(values['verify-sender'] ? { verifySender: true } : {}),
    ...(values['verify-recipients'] ? { verifyRecipients: true } : {}),
    deploy: values['no-deploy'] !== true,
  };
  const deploy = deps.deploy ?? (context.backend.kind === 'sandbox' ? sandboxDeploy(deps.prompter) : serverlessDeploy(deps.repoRoot));
  await runSetup(
    { stage: context.stage, region: context.region, settings: context.settings },
    answers,
    {
      clients,
      prompter: deps.prompter,
      manifest: parseManifest(readFileSync(path.join(deps.repoRoot, 'infra', 'slack-app-manifest.yaml'), 'utf8')),
      readFile: (file) => {
        try {
          return readFileSync(path.resolve(file), 'utf8');
        } catch (error) {
          throw new SetupError(`${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
        }
      },
      remember: (updates) => {
        const current = (() => {
          try {
            return readFileSync(context.envFile, 'utf8');
          } catch {
            return `# team-ide settings of stage ${context.stage}, written by \`npm run setup\` (see the README's settings table).\n# No secret belongs here: those are SSM SecureStrings.\n`;
          }
        })();
        writeFileSync(context.envFile, updateEnvText(current, updates));
      },
      deploy: () => deploy(context.stage, context.region),
      now: deps.now ?? (() => new Date()),
    },
  );
  return 0;
}

function serverlessDeploy(repoRoot: string) {
  return (stage: string, region: string) =>
    new Promise<'deployed'>((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'node_modules', 'serverless', 'bin', 'serverless.js'), 'deploy', '--stage', stage, '--region', region], { cwd: repoRoot, stdio: 'inherit' });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve('deployed') : reject(new SetupError(`Deploy: serverless deploy exited with ${code}; its output above says why. Fix it and run setup again: the answers are remembered.`))));
    });
}

/** The sandbox's functions run in `npm start` (serverless-offline, stage sandbox): there is nothing to deploy. */
function sandboxDeploy(prompter: Prompter) {
  return async () => {
    prompter.say('Nothing to deploy to the sandbox: `npm start` runs the functions (stage sandbox), and `npm run doctor -- --stage sandbox` checks them.');
    return 'skipped' as const;
  };
}

if (require.main === module) {
  runCli('setup', () => setupCommand(process.argv.slice(2), { shellEnv: process.env, repoRoot: REPO_ROOT, prompter: terminalPrompter({ interactive: process.stdin.isTTY === true }) }));
}
