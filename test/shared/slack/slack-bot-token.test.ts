import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/core/errors';
import { loadSlackBotToken } from '../../../shared/slack/slack-secrets';

const ssm = mockClient(SSMClient);
const client = new SSMClient({ region: 'eu-west-1' });
const name = '/team-ide/test/slack-bot-token';

describe('loadSlackBotToken', () => {
  beforeEach(() => {
    ssm.reset();
  });

  it('reads only the bot token parameter, decrypted', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: name, Value: 'xoxb-1-2-abc' }], InvalidParameters: [] });

    expect(await loadSlackBotToken(client, name)).toBe('xoxb-1-2-abc');
    expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, { Names: [name], WithDecryption: true });
  });

  it('says how to create a missing parameter', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [], InvalidParameters: [name] });

    await expect(loadSlackBotToken(client, name)).rejects.toThrow(/does not exist: create it with `aws ssm put-parameter --type SecureString/);
  });

  it('refuses a value that is not a bot token, without repeating it', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: name, Value: 'xoxp-userval' }] });

    const error = await loadSlackBotToken(client, name).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('does not hold a bot token (xoxb-…)');
    expect((error as ConfigError).message).not.toContain('xoxp-userval');
  });
});
