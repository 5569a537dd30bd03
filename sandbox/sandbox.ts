/**
 * The whole flow on one machine: the functions in serverless-offline, a local SES with its
 * inbox page (aws-ses-v2-local), and the sandbox backend standing in for CloudFormation,
 * EC2, Route 53, Secrets Manager, SSM, SES, STS and Slack; with SANDBOX_ACME=pebble, Pebble as the CA of
 * the certificate function. `npm start` runs it (start.ts); the end-to-end test starts and
 * stops it as a function.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import startLocalSes from 'aws-ses-v2-local';
import { X509Certificate } from 'node:crypto';
import type { Server } from 'node:http';
import { buildTeamTemplateBody } from '../scripts/build-template';
import { type Config, loadConfig } from '../shared/core/config';
import { ConfigError } from '../shared/core/errors';
import { type IdeShare, shareHost, smallestSizeFor } from '../shared/team/host-shares';
import { LARGEST_SIZE, SIZES } from '../shared/core/instance-types';
import { deploymentStackName } from '../shared/setup/stage';
import { parseBundle } from '../shared/certificate/certificate-bundle';
import type { CertificateOutcome } from '../shared/certificate/certificate-check';
import { NO_DATA_VOLUME, teamStackName, teamStackParameters } from '../shared/stack/team-stack';
import { checkTemplate } from './backend/cloudformation/template';
import { type RunningPebble, startPebble } from './pebble';
import { type SandboxBackend, startBackend } from './backend/server';
import { type OfflineProcess, resolveService, serverlessEnvironment, startOffline } from './serverless-offline';
import {
  assertPortsFree,
  defaultSender,
  readFailSlot,
  readFaults,
  readPorts,
  readPrivateChannels,
  readRunSeconds,
  readSandboxAcme,
  readSandboxEnv,
  readSnapshotMs,
  readSandboxSeats,
  readSeatReportMs,
  readStackDelayMs,
  readSweepSeconds,
  SANDBOX,
  SandboxSetupError,
  type SandboxPorts,
  type SandboxSender,
  sandboxMembers,
  sandboxUrls,
  type SandboxUrls,
} from './settings';
import { SANDBOX_BOT_SCOPES } from './backend/slack';
import { type SandboxSweeper, startSweeperClock } from './sweeper-clock';

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
  /** The sweeper's schedule (SANDBOX_SWEEP_SECONDS): its ticks so far, and a pause for tests that run the ticks themselves. */
  sweeper: SandboxSweeper;
  /** With SANDBOX_ACME=pebble: the certificate the certificate function obtained from Pebble at start. */
  certificate?: SandboxCertificate;
  /** Stops serverless-offline, the backend and SES; safe to call twice. */
  stop(): Promise<void>;
}

export interface SandboxCertificate {
  subject: string;
  names: string;
  issuer: string;
  notAfter: string;
}

/** What the launcher passes to CreateStack (shared/stack/stack-gateway.ts). */
const LAUNCHER_CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'];

export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const settingsEnv = readSandboxEnv(options.shellEnv);
  const ports = readPorts(settingsEnv);
  const stackDelayMs = readStackDelayMs(settingsEnv);
  const snapshotMs = readSnapshotMs(settingsEnv);
  const failSlot = readFailSlot(settingsEnv);
  const runSeconds = readRunSeconds(settingsEnv);
  const sweepSeconds = readSweepSeconds(settingsEnv);
  const faults = readFaults(settingsEnv);
  const privateChannels = readPrivateChannels(settingsEnv);
  const hosts = { initial: readSandboxSeats(settingsEnv), reportMs: readSeatReportMs(settingsEnv) };
  const sender = defaultSender(settingsEnv);
  const acme = readSandboxAcme(settingsEnv);
  await assertPortsFree(ports);
  const urls = sandboxUrls(ports);
  const pebble = acme === 'pebble' ? await startPebble({ log: options.log }) : undefined;
  // Without Pebble the certificate function's CA is a stand-in that says there is none; it is not run.
  const env = {
    ...serverlessEnvironment(settingsEnv, ports, urls),
    ACME_DIRECTORY_URL: pebble?.directoryUrl ?? `${urls.backend}/acme/directory`,
    ...(pebble ? { NODE_EXTRA_CA_CERTS: pebble.listenerCaFile } : {}),
  };
  const resolved = await Promise.all([resolveService(env), buildTeamTemplateBody()]).catch(async (error: unknown) => {
    await pebble?.stop();
    throw error;
  });
  const [service, templateBody] = resolved;
  const config = functionsConfig({ ...service.environment, ...Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('AWS_'))) });
  checkLauncherTemplate(templateBody, config);
  // The target of the EventBridge rule: its deployed name is what Lambda Invoke takes.
  const stackEventsFunction = service.functionNames.stackEvents;
  if (!stackEventsFunction) throw new SandboxSetupError('serverless.yml has no stackEvents function, which the stack status changes go to');
  const sweeperFunction = service.functionNames.sweeper;
  if (!sweeperFunction) throw new SandboxSetupError('serverless.yml has no sweeper function, which ends runs on time');
  const certificateFunction = service.functionNames.certificate;
  if (!certificateFunction) throw new SandboxSetupError('serverless.yml has no certificate function, which keeps the TLS certificate');

  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stoppers.splice(0).reverse()) await stopOne();
  };
  if (pebble) stoppers.push(() => pebble.stop());
  try {
    const ses = await startLocalSes({ host: SANDBOX.host, port: ports.ses });
    stoppers.push(() => closeServer(ses));
    // EventBridge's deliveries and schedule invoke asynchronously, through the backend's Lambda stand-in (its retries, the failed-jobs queue).
    const lambda = new LambdaClient({ region: config.region, endpoint: urls.backend, credentials: { accessKeyId: SANDBOX.credentials.AWS_ACCESS_KEY_ID, secretAccessKey: SANDBOX.credentials.AWS_SECRET_ACCESS_KEY } });
    const members = sandboxMembers(config.roster);
    const names = new Map(members.map((member) => [member.id, member.name]));
    const backend = await startBackend({
      host: SANDBOX.host,
      port: ports.backend,
      region: config.region,
      accountId: SANDBOX.accountId,
      stackDelayMs,
      snapshotMs,
      deployment: teamStackName(config.stackNamePrefix),
      ...(failSlot !== undefined ? { failSlot } : {}),
      ...(runSeconds !== undefined ? { runSeconds } : {}),
      faults,
      privateChannels,
      hosts,
      failedJobsQueueName: new URL(config.failedJobsQueueUrl).pathname.split('/').pop() ?? '',
      // Lambda waits 1 and then 2 minutes before its retries; the sandbox, seconds.
      lambda: { offlineUrl: urls.lambda, functions: service.asyncSettings, retryDelaysMs: [1000, 2000] },
      botToken: SANDBOX.botToken,
      parameters: { [config.slackSigningSecretParameter]: SANDBOX.signingSecret, [config.slackBotTokenParameter]: SANDBOX.botToken },
      hostedZones: [{ id: config.team.hostedZoneId, name: zoneOf(config.team.domainName) }],
      ...(pebble ? { publishDns: (sets) => pebble.publishDns(sets) } : {}),
      nameOf: (userId) => names.get(userId),
      workspace: {
        teamId: config.slackTeamId,
        teamName: 'sandbox',
        users: members,
        botTokens: { [SANDBOX.botToken]: { botId: config.slackBotId, botUserId: config.slackBotUserId, scopes: SANDBOX_BOT_SCOPES } },
        configTokens: { [SANDBOX.configToken]: { expired: false } },
      },
      // EventBridge's rule target: stack-events, invoked asynchronously as EventBridge does.
      publish: async (event) => {
        await lambda.send(new InvokeCommand({ FunctionName: stackEventsFunction, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(event)) }));
      },
      log: (source, line) => options.log(`[${source}] ${line}`),
    });
    stoppers.push(() => backend.close());
    // What `serverless deploy` would have left: the doctor finds the endpoints through it.
    backend.cloudFormation.recordDeployment(deploymentStackName(SANDBOX.stage), { SlackCommandUrl: urls.commands, SlackInteractionsUrl: urls.interactions, TeamStackName: teamStackName(config.stackNamePrefix) });
    const offline: OfflineProcess = await startOffline(env, ports, options.log);
    stoppers.push(() => offline.stop());
    if (!backend.lambda) throw new SandboxSetupError('the sandbox backend started without its Lambda stand-in');
    const sweeper = startSweeperClock({ lambda, journal: backend.lambda, functionName: sweeperFunction, seconds: sweepSeconds, log: options.log });
    stoppers.push(async () => sweeper.stop());
    const certificate = pebble ? await obtainCertificate(lambda, certificateFunction, backend, config, pebble) : undefined;
    return { ports, urls, config, sender, backend, sweeper, stop, ...(certificate ? { certificate } : {}) };
  } catch (error) {
    await stop();
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      throw new SandboxSetupError(`a port was taken while the sandbox started (${error.message}): start it again`);
    }
    throw error;
  }
}

/** The sandbox's hosted zone: the parent of DOMAIN_NAME (example.com for code.example.com), as a deployment usually has. */
function zoneOf(domainName: string): string {
  const labels = domainName.split('.');
  return labels.length > 2 ? labels.slice(1).join('.') : domainName;
}

/**
 * Runs the certificate function once, as the deploy does, against Pebble through the
 * sandbox's Route 53 and SSM, and reads back what it stored.
 */
async function obtainCertificate(lambda: LambdaClient, functionName: string, backend: SandboxBackend, config: Config, pebble: RunningPebble): Promise<SandboxCertificate> {
  const { Payload, FunctionError } = await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse' }));
  const answer = JSON.parse(Buffer.from(Payload ?? new Uint8Array()).toString('utf8') || 'null') as CertificateOutcome & { errorMessage?: string };
  if (FunctionError || (answer.action !== 'renewed' && answer.action !== 'kept')) {
    throw new SandboxSetupError(`the certificate function got no certificate from Pebble (${pebble.directoryUrl}): ${answer?.errorMessage ?? JSON.stringify(answer)}`);
  }
  const parsed = parseBundle(backend.parameterStore.peek(config.team.certificateParameter)?.value ?? '');
  if ('problem' in parsed) throw new SandboxSetupError(`the certificate function stored no usable certificate: ${parsed.problem}`);
  const leaf = new X509Certificate(parsed.bundle.chain[0] as string);
  return { subject: leaf.subject.replace(/\n/g, ', '), names: leaf.subjectAltName ?? '', issuer: leaf.issuer.replace(/\n/g, ', '), notAfter: new Date(leaf.validTo).toISOString() };
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
  const seats = config.roster.slice(0, config.maxSeats);
  // MAX_SEATS never exceeds what the largest size holds (shared/core/config.ts).
  const instanceType = SIZES[smallestSizeFor(seats.length, config.defaultSize) ?? LARGEST_SIZE];
  try {
    checkTemplate(
      templateBody,
      teamStackParameters(config.team, {
        runId: 'sandbox-start-check',
        seats,
        instanceType,
        share: shareHost(instanceType, seats.length) as IdeShare,
        dataVolume: config.work.keep ? { keep: true, availabilityZone: sandboxZone(config), snapshotId: '', sizeGb: config.work.volumeGb } : NO_DATA_VOLUME,
        // With them on, the template holds every resource it can: the check covers the preview records too.
        previews: true,
      }).map(({ ParameterKey, ParameterValue }) => ({ key: ParameterKey ?? '', value: ParameterValue ?? '' })),
      LAUNCHER_CAPABILITIES,
      { stackName, stackId: `arn:aws:cloudformation:${config.region}:${SANDBOX.accountId}:stack/${stackName}/00000000-0000-4000-8000-000000000000`, region: config.region, accountId: SANDBOX.accountId },
    );
  } catch (error) {
    throw new SandboxSetupError(`infra/team-stack.yaml is broken: ${(error as Error).message} (fix the template; \`npx vitest run test/infra\` says more)`);
  }
}

/** Where the sandbox's subnet is: the region's first zone. */
const sandboxZone = (config: Config) => `${config.region}a`;

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
