import { GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError } from './errors';

export interface SlackSecrets {
  signingSecret: string;
  botToken: string;
}

/**
 * Reads the Slack secrets from SSM SecureString parameters, once per cold start. They
 * are not environment variables, so they never appear in the Lambda console, in
 * CloudFormation, or in a packaged artifact.
 */
export async function loadSlackSecrets(
  ssm: SSMClient,
  names: { signingSecretParameter: string; botTokenParameter: string },
): Promise<SlackSecrets> {
  const { Parameters, InvalidParameters } = await ssm.send(
    new GetParametersCommand({ Names: [names.signingSecretParameter, names.botTokenParameter], WithDecryption: true }),
  );
  if (InvalidParameters && InvalidParameters.length > 0) {
    throw new ConfigError(
      InvalidParameters.map((name) => `SSM parameter ${name} does not exist: create it with \`aws ssm put-parameter --type SecureString --name ${name} --value …\` (see the README)`),
    );
  }
  const value = (name: string) => Parameters?.find((parameter) => parameter.Name === name)?.Value ?? '';
  const secrets = { signingSecret: value(names.signingSecretParameter), botToken: value(names.botTokenParameter) };
  const problems: string[] = [];
  if (secrets.signingSecret === '') problems.push(`SSM parameter ${names.signingSecretParameter} is empty: store the app's signing secret in it`);
  if (!secrets.botToken.startsWith('xoxb-')) problems.push(`SSM parameter ${names.botTokenParameter} does not hold a bot token (xoxb-…): store the app's Bot User OAuth Token in it`);
  if (problems.length > 0) throw new ConfigError(problems);
  return secrets;
}

/**
 * Reads only the bot token, for the functions that post in channels but never verify a
 * request: their roles may read this one parameter and not the signing secret.
 */
export async function loadSlackBotToken(ssm: SSMClient, botTokenParameter: string): Promise<string> {
  const { Parameters, InvalidParameters } = await ssm.send(new GetParametersCommand({ Names: [botTokenParameter], WithDecryption: true }));
  if (InvalidParameters && InvalidParameters.length > 0) {
    throw new ConfigError([`SSM parameter ${botTokenParameter} does not exist: create it with \`aws ssm put-parameter --type SecureString --name ${botTokenParameter} --value …\` (see the README)`]);
  }
  const botToken = Parameters?.[0]?.Value ?? '';
  if (!botToken.startsWith('xoxb-')) {
    throw new ConfigError([`SSM parameter ${botTokenParameter} does not hold a bot token (xoxb-…): store the app's Bot User OAuth Token in it`]);
  }
  return botToken;
}
