import { GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError } from '../core/errors';

// The Slack secrets live in SSM SecureString parameters and are read once per cold start:
// never environment variables, so they appear in no Lambda console, CloudFormation
// template or packaged artifact. Each function reads only the one it needs, and its role
// may read only that one.

async function readSecureString(ssm: SSMClient, name: string): Promise<string> {
  const { Parameters, InvalidParameters } = await ssm.send(new GetParametersCommand({ Names: [name], WithDecryption: true }));
  if (InvalidParameters && InvalidParameters.length > 0) {
    throw new ConfigError([`SSM parameter ${name} does not exist: create it with \`aws ssm put-parameter --type SecureString --name ${name} --value …\` (see the README)`]);
  }
  return Parameters?.[0]?.Value ?? '';
}

/** The bot token, for the functions that post in channels (stack-events, notifier, sweeper). */
export async function loadSlackBotToken(ssm: SSMClient, botTokenParameter: string): Promise<string> {
  const botToken = await readSecureString(ssm, botTokenParameter);
  if (!botToken.startsWith('xoxb-')) {
    throw new ConfigError([`SSM parameter ${botTokenParameter} does not hold a bot token (xoxb-…): store the app's Bot User OAuth Token in it`]);
  }
  return botToken;
}

/** The signing secret, for the functions that verify Slack's requests (slack-command, slack-interactions). */
export async function loadSlackSigningSecret(ssm: SSMClient, signingSecretParameter: string): Promise<string> {
  const signingSecret = await readSecureString(ssm, signingSecretParameter);
  if (signingSecret === '') throw new ConfigError([`SSM parameter ${signingSecretParameter} is empty: store the app's signing secret in it`]);
  return signingSecret;
}
