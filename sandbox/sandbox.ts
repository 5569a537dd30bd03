/**
 * The whole flow on one machine: the functions in serverless-offline, a local SES with its
 * inbox page (aws-ses-v2-local), and the sandbox backend standing in for CloudFormation,
 * Secrets Manager, SSM and Slack. `npm start` runs it (start.ts); the end-to-end test
 * starts and stops it as a function.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import startLocalSes from 'aws-ses-v2-local';
import type { Server } from 'node:http';
import { buildTeamTemplateBody } from '../scripts/build-template';
import { type Config, loadConfig } from '../shared/core/config';
import { ConfigError } from '../shared/core/errors';
import { SIZES } from '../shared/team/instance-types';
import { teamStackName, teamStackParameters } from '../shared/stack/team-stack';
import { checkTemplate } from './backend/cloudformation/template';
import { type SandboxBackend, startBackend } from './backend/server';
import { type OfflineProcess, resolveService, serverlessEnvironment, startOffline } from './serverless-offline';
import {
  assertPortsFree,
  defaultSender,
  readFailSlot,
  readPorts,
  readRunSeconds,
  readSandboxEnv,
  readStackDelayMs,
  readSweepSeconds,
  SANDBOX,
  SandboxSetupError,
  type SandboxPorts,
  type SandboxSender,
  sandboxUrls,
  type SandboxUrls,
} from './settings';

export interface SandboxOptions {
  /** The shell's variables: the SANDBOX_* settings and overrides of .env.sandbox. */
  shellEnv: NodeJS.ProcessEnv;
  /** Every line the sandbox and the functions print. */
  log: (line: string) => void;
}

export interface RunningSandbox {
  ports: SandboxPorts;
  urls: SandboxUrls;
  /** The settings as the functions read them. */
  config: Config;
  /** Who `npm run slack` sends as by default. */
  sender: SandboxSender;
  backend: SandboxBackend;
  /** Stops serverless-offline, the backend and SES; safe to call twice. */
  stop(): Promise<void>;
}

/** What the launcher passes to CreateStack (shared/stack/stack-gateway.ts). */
const LAUNCHER_CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'];

export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const settingsEnv = readSandboxEnv(options.shellEnv);
  const ports = readPorts(settingsEnv);
  const stackDelayMs = readStackDelayMs(settingsEnv);
  const failSlot = readFailSlot(settingsEnv);
  const runSeconds = readRunSeconds(settingsEnv);
  const sweepSeconds = readSweepSeconds(settingsEnv);
  const sender = defaultSender(settingsEnv);
  await assertPortsFree(ports);
  const urls = sandboxUrls(ports);
  const env = serverlessEnvironment(settingsEnv, ports, urls);
  const [service, templateBody] = await Promise.all([resolveService(env), buildTeamTemplateBody()]);
  const config = functionsConfig({ ...service.environment, ...Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('AWS_'))) });
  checkLauncherTemplate(templateBody, config);
  // The target of the EventBridge rule: its deployed name is what Lambda Invoke takes.
  const stackEventsFunction = service.functionNames.stackEvents;
  if (!stackEventsFunction) throw new SandboxSetupError('serverless.yml has no stackEvents function, which the stack status changes go to');
  const sweeperFunction = service.functionNames.sweeper;
  if (!sweeperFunction) throw new SandboxSetupError('serverless.yml has no sweeper function, which ends runs on time');

  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stoppers.splice(0).reverse()) await stopOne();
  };
  try {
    const ses = await startLocalSes({ host: SANDBOX.host, port: ports.ses });
    stoppers.push(() => closeServer(ses));
    const lambda = new LambdaClient({ region: config.region, endpoint: urls.lambda, credentials: { accessKeyId: SANDBOX.credentials.AWS_ACCESS_KEY_ID, secretAccessKey: SANDBOX.credentials.AWS_SECRET_ACCESS_KEY } });
    const names = new Map(config.roster.map((member) => [member.userId, member.name]));
    const backend = await startBackend({
      host: SANDBOX.host,
      port: ports.backend,
      region: config.region,
      accountId: SANDBOX.accountId,
      stackDelayMs,
      ...(failSlot !== undefined ? { failSlot } : {}),
      ...(runSeconds !== undefined ? { runSeconds } : {}),
      botToken: SANDBOX.botToken,
      parameters: { [config.slackSigningSecretParameter]: SANDBOX.signingSecret, [config.slackBotTokenParameter]: SANDBOX.botToken },
      nameOf: (userId) => names.get(userId),
      // EventBridge's rule target: stack-events, invoked asynchronously as EventBridge does.
      publish: async (event) => {
        await lambda.send(new InvokeCommand({ FunctionName: stackEventsFunction, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(event)) }));
      },
      log: (source, line) => options.log(`[${source}] ${line}`),
    });
    stoppers.push(() => backend.close());
    const offline: OfflineProcess = await startOffline(env, ports, options.log);
    stoppers.push(() => offline.stop());
    // The EventBridge schedule's stand-in; a tick that fails is logged by the sweeper itself.
    const sweeps = setInterval(() => {
      lambda.send(new InvokeCommand({ FunctionName: sweeperFunction, InvocationType: 'Event' })).catch((error: unknown) => {
        options.log(`[sandbox] could not run the sweeper: ${(error as Error).message}`);
      });
    }, sweepSeconds * 1000);
    stoppers.push(async () => clearInterval(sweeps));
    return { ports, urls, config, sender, backend, stop };
  } catch (error) {
    await stop();
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      throw new SandboxSetupError(`a port was taken while the sandbox started (${error.message}): start it again`);
    }
    throw error;
  }
}

/** The functions' settings, checked as they check them at cold start. */
function functionsConfig(environment: Record<string, string>): Config {
  try {
    return loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) throw new SandboxSetupError(`${error.problems.join('; ')} (in ${SANDBOX.envFile} or the shell)`);
    throw error;
  }
}

/**
 * The launcher's template with the parameters the launcher would give it for the whole roster:
 * what `npm start` checks before it starts anything, so a template CloudFormation would
 * refuse stops it with one line.
 */
export function checkLauncherTemplate(templateBody: string, config: Config): void {
  const stackName = teamStackName(config.stackNamePrefix);
  try {
    checkTemplate(
      templateBody,
      teamStackParameters(config.team, {
        runId: 'sandbox-start-check',
        slots: config.roster.slice(0, config.maxSeats).map((member) => member.slot),
        instanceType: SIZES[config.defaultSize],
      }).map(({ ParameterKey, ParameterValue }) => ({ key: ParameterKey ?? '', value: ParameterValue ?? '' })),
      LAUNCHER_CAPABILITIES,
      { stackName, stackId: `arn:aws:cloudformation:${config.region}:${SANDBOX.accountId}:stack/${stackName}/00000000-0000-4000-8000-000000000000`, region: config.region, accountId: SANDBOX.accountId },
    );
  } catch (error) {
    throw new SandboxSetupError(`infra/team-stack.yaml is broken: ${(error as Error).message} (fix the template; \`npx vitest run test/infra\` says more)`);
  }
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
