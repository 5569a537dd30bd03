import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SSMClient } from '@aws-sdk/client-ssm';
import startLocalSes from 'aws-ses-v2-local';
import { mockClient } from 'aws-sdk-client-mock';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/notifier';
import { loadConfig } from '../../shared/core/config';
import { validEnv } from '../fixtures';
import { fakeParameterStore, passwordSecretArn, recordingLogger, recordingPoster, runStack, STACK_ID } from '../helpers/run-fixtures';

/** One email as aws-ses-v2-local's GET /store lists it. */
interface StoredEmail {
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
}

// SES is real (a local SES server on a free port); CloudFormation, Secrets Manager and SSM are mocks.
const cloudFormation = mockClient(CloudFormationClient);
const secretsManager = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);

describe('notifier with a local SES server', () => {
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    server = await startLocalSes({ host: '127.0.0.1', port: 0 });
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  });

  it('delivers one email per developer, with their address, link and this run\'s password, as HTML and text', async () => {
    // The passwords Secrets Manager generated for this run.
    const passwords = new Map([1, 2, 5].map((slot) => [slot, randomBytes(18).toString('base64url')]));
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE')] });
    for (const [slot, password] of passwords) secretsManager.on(GetSecretValueCommand, { SecretId: passwordSecretArn(slot) }).resolves({ SecretString: password });
    fakeParameterStore(ssm);
    const slack = recordingPoster();
    const config = loadConfig(validEnv());
    const handler = makeHandler({
      config,
      loadRoster: async () => config.roster,
      logger: recordingLogger(),
      cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
      secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
      ses: new SESClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } }),
      ssm: new SSMClient({ region: 'eu-west-1' }),
      slack,
      now: () => new Date(),
    });

    await handler({ stackId: STACK_ID });

    const response = await fetch(`${endpoint}/store`);
    const { emails } = (await response.json()) as { emails: StoredEmail[] };
    const expected = [
      { slot: 1, address: 'alice@example.com' },
      { slot: 2, address: 'bob@example.com' },
      { slot: 5, address: 'erin@example.com' },
    ];
    expect(emails.map((email) => email.destination.to)).toEqual(expected.map(({ address }) => [address]));
    for (const { slot, address } of expected) {
      const email = emails.find((candidate) => candidate.destination.to.includes(address))!;
      expect(email.from).toBe('Team IDE <ide@example.com>');
      expect(email.subject).toBe(`Your team IDE dev-${slot} is ready`);
      for (const part of [email.body.html, email.body.text]) {
        expect(part).toContain(`https://dev-${slot}.code.example.com`);
        expect(part).toContain(passwords.get(slot));
      }
      expect(email.body.html).toMatch(/^<!DOCTYPE html>/);
      expect(email.body.text).toMatch(/^Hi \w+,/);
    }
    expect(slack.posts[0]!.message.text).toContain('every developer got an email');
  });
});
