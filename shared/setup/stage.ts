import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { SlackEndpoints } from './slack-app';

/**
 * What a stage is made of, named as serverless.yml names it: the deployment's stack, the
 * SSM parameters (`/<service>/<stage>/…` unless a setting names another), and who reads
 * each. A test compares these names with what `serverless print` resolves.
 */
export const SERVICE = 'team-ide';

/** serverless's stack name for a stage. */
export const deploymentStackName = (stage: string) => `${SERVICE}-${stage}`;

/** A stage name serverless and CloudFormation both accept (it becomes part of stack and function names). */
export const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;

export type ParameterKey = 'signingSecret' | 'botToken' | 'certificate' | 'acmeAccountKey' | 'dashboardUsers';

export interface ParameterSpec {
  key: ParameterKey;
  /** The setting that names another parameter instead of the default. */
  setting: string;
  /** The default name's last part, after `/team-ide/<stage>/`. */
  suffix: string;
  /** Who reads it, for the doctor's line. */
  readers: string;
  description: string;
  /** Needed only when the deployment obtains its certificate (the ACME account key), or the dashboard is on (ADMIN_CIDR set). */
  neededFor?: 'acme' | 'dashboard';
}

export const PARAMETERS: readonly ParameterSpec[] = [
  { key: 'signingSecret', setting: 'SLACK_SIGNING_SECRET_PARAMETER', suffix: 'slack-signing-secret', readers: 'slack-command, slack-interactions', description: 'the Slack signing secret' },
  { key: 'botToken', setting: 'SLACK_BOT_TOKEN_PARAMETER', suffix: 'slack-bot-token', readers: 'launcher, stack-events, notifier, sweeper, certificate', description: 'the Slack bot token' },
  { key: 'certificate', setting: 'CERTIFICATE_PARAMETER', suffix: 'tls-certificate', readers: 'the host and the certificate function', description: 'the TLS certificate chain and its key' },
  { key: 'acmeAccountKey', setting: 'ACME_ACCOUNT_KEY_PARAMETER', suffix: 'acme-account-key', readers: 'the certificate function', description: 'the ACME account key', neededFor: 'acme' },
  { key: 'dashboardUsers', setting: 'DASHBOARD_USERS_PARAMETER', suffix: 'dashboard-users', readers: 'the host', description: 'the dashboard\'s htpasswd line', neededFor: 'dashboard' },
];

/** The parameter names of a stage, as serverless.yml's `custom` block resolves them. */
export function parameterNames(stage: string, settings: Record<string, string | undefined>): Record<ParameterKey, string> {
  return Object.fromEntries(PARAMETERS.map((spec) => [spec.key, settings[spec.setting]?.trim() || `/${SERVICE}/${stage}/${spec.suffix}`])) as Record<ParameterKey, string>;
}

/** What a deployment left: its Request URLs, or undefined when the stage was never deployed. */
export async function readDeployment(cloudFormation: CloudFormationClient, stage: string): Promise<(SlackEndpoints & { status: string }) | undefined> {
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: deploymentStackName(stage) }));
    const stack = Stacks?.[0];
    if (!stack) return undefined;
    const output = (key: string) => stack.Outputs?.find((candidate) => candidate.OutputKey === key)?.OutputValue ?? '';
    return { commandsUrl: output('SlackCommandUrl'), interactionsUrl: output('SlackInteractionsUrl'), status: stack.StackStatus ?? '' };
  } catch (error) {
    // CloudFormation says a missing stack is a ValidationError "Stack with id … does not exist".
    if ((error as { name?: string }).name === 'ValidationError' && /does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
}
