/**
 * What setup, the doctor and the manifest printer share: the stage's settings as serverless
 * reads them (`.env.<stage>`, the shell's variables over it) and the clients to talk through,
 * to AWS and Slack, or to the sandbox's stand-ins when the stage says IDE_BACKEND=sandbox.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SESClient } from '@aws-sdk/client-ses';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { LogLevel, WebClient } from '@slack/web-api';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SANDBOX } from '../../sandbox/settings';
import type { SetupClients } from '../../shared/setup/aws-clients';
import { readEnvText } from '../../shared/setup/env-file';
import { SetupError } from '../../shared/setup/findings';
import { STAGE_PATTERN } from '../../shared/setup/stage';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** serverless.yml's default region, when neither --region, .env.<stage> nor the shell names one. */
export const DEFAULT_REGION = 'eu-west-1';

export interface StageContext {
  stage: string;
  region: string;
  envFile: string;
  /** The file's values alone: what setup remembers. */
  fileValues: Record<string, string>;
  /** The file with the shell's variables over it, as serverless sees them. */
  settings: Record<string, string | undefined>;
  /** Where AWS and Slack calls go: the real services, or the sandbox backend of `npm start`. */
  backend: { kind: 'aws' } | { kind: 'sandbox'; url: string };
}

export function checkStage(stage: string | undefined): string {
  if (!stage) throw new SetupError('--stage is missing: name the deployment, e.g. `--stage dev` (lower-case letters, digits, hyphens).');
  if (!STAGE_PATTERN.test(stage)) throw new SetupError(`--stage ${stage}: use 1 to 20 lower-case letters, digits and hyphens, starting with a letter (it becomes part of stack and function names).`);
  return stage;
}

export function readStageContext(options: { stage: string; region?: string; shellEnv: NodeJS.ProcessEnv; repoRoot?: string }): StageContext {
  const envFile = path.join(options.repoRoot ?? REPO_ROOT, `.env.${options.stage}`);
  const fileValues = existsSync(envFile) ? readEnvText(readFileSync(envFile, 'utf8')) : {};
  // As serverless's dotenv: a variable already in the shell wins over the file.
  const shellValues = Object.fromEntries(Object.entries(options.shellEnv).filter(([, value]) => value !== undefined && value !== ''));
  const settings = { ...fileValues, ...shellValues };
  const region = options.region ?? settings.AWS_REGION ?? DEFAULT_REGION;
  const backend = settings.IDE_BACKEND === 'sandbox'
    ? { kind: 'sandbox' as const, url: `http://${SANDBOX.host}:${settings.SANDBOX_BACKEND_PORT ?? '3004'}` }
    : { kind: 'aws' as const };
  return { stage: options.stage, region, envFile, fileValues, settings, backend };
}

/** The clients for a stage: the SDK's own credential chain for AWS, or the sandbox's fake ones and its backend. */
export function createClients(context: Pick<StageContext, 'region' | 'backend' | 'settings'>): SetupClients {
  const sandbox = context.backend.kind === 'sandbox' ? context.backend.url : undefined;
  const aws = {
    region: context.region,
    ...(sandbox ? { endpoint: sandbox, credentials: { accessKeyId: SANDBOX.credentials.AWS_ACCESS_KEY_ID, secretAccessKey: SANDBOX.credentials.AWS_SECRET_ACCESS_KEY } } : {}),
  };
  const slackApiUrl = sandbox ? `${sandbox}/api/` : `${(context.settings.SLACK_API_URL ?? 'https://slack.com/api').replace(/\/$/, '')}/`;
  return {
    sts: new STSClient(aws),
    cloudFormation: new CloudFormationClient(aws),
    ssm: new SSMClient(aws),
    ses: new SESClient(aws),
    sesv2: new SESv2Client(aws),
    // Route 53 is global: its API lives in us-east-1 whatever the stage's region.
    route53: new Route53Client({ ...aws, region: 'us-east-1' }),
    ec2: new EC2Client(aws),
    slack: (token) => new WebClient(token, { slackApiUrl, logLevel: LogLevel.ERROR, retryConfig: { retries: 2 } }),
    fetch,
  };
}
