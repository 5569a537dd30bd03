import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MessageRejected, SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/notifier';
import { loadConfig } from '../../shared/core/config';
import { StackNotReadyError } from '../../shared/email/notify-developers';
import { validEnv } from '../fixtures';
import { fakeParameterStore, passwordSecretArn, recordingLogger, recordingPoster, runStack, STACK_ID, STACK_UUID } from '../helpers/run-fixtures';

const cloudFormation = mockClient(CloudFormationClient);
const secretsManager = mockClient(SecretsManagerClient);
const ses = mockClient(SESClient);
const ssm = mockClient(SSMClient);
const config = loadConfig(validEnv());
const notified = `/team-ide-test/runs/${STACK_UUID}/notified`;

const PASSWORDS: Record<number, string> = { 1: 'Q7vxm2KpR9tLw4ZsB8nHc3Jd', 2: 'mT5rWq8ZxN2vLp6KsD9hFg4B', 5: 'zH3kP9wR6tM2xQ8vN5bL7cJs' };

function setup(options: { roster?: string; slackFailure?: Error; privateChannels?: string[] } = {}) {
  const slack = recordingPoster({ ...(options.slackFailure ? { failWith: options.slackFailure } : {}), ...(options.privateChannels ? { privateChannels: options.privateChannels } : {}) });
  const logger = recordingLogger();
  const store = fakeParameterStore(ssm);
  const deployment = options.roster ? loadConfig(validEnv({ ROSTER: options.roster })) : config;
  const handler = makeHandler({
    config: deployment,
    loadRoster: async () => deployment.roster,
    logger,
    cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
    secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
    ses: new SESClient({ region: 'eu-west-1' }),
    ssm: new SSMClient({ region: 'eu-west-1' }),
    slack,
    now: () => new Date('2026-11-28T09:02:45Z'),
  });
  /** Everything the outside world saw, except the emails: where a password must never appear. */
  const published = () => slack.text() + logger.text();
  return { slack, logger, store, published, notify: (payload: unknown = { stackId: STACK_ID }) => handler(payload) };
}

const sentEmails = () => ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input);

function expectNoPasswordIn(text: string) {
  for (const password of Object.values(PASSWORDS)) expect(text).not.toContain(password);
}

describe('notifier', () => {
  beforeEach(() => {
    cloudFormation.reset();
    secretsManager.reset();
    ses.reset();
    ssm.reset();
    cloudFormation.on(DescribeStacksCommand, { StackName: STACK_ID }).resolves({ Stacks: [runStack('CREATE_COMPLETE')] });
    for (const [slot, password] of Object.entries(PASSWORDS)) {
      secretsManager.on(GetSecretValueCommand, { SecretId: passwordSecretArn(Number(slot)) }).resolves({ SecretString: password });
    }
    ses.on(SendEmailCommand).callsFake((input: { Destination: { ToAddresses: string[] } }) => ({ MessageId: `0102018c-${input.Destination.ToAddresses[0]}` }));
  });

  it('sends each developer one email with their own link and password, from the configured sender', async () => {
    const { notify } = setup();

    await notify();

    const emails = sentEmails();
    expect(emails.map((email) => email.Destination?.ToAddresses)).toEqual([['alice@example.com'], ['bob@example.com'], ['erin@example.com']]);
    for (const [index, slot] of [1, 2, 5].entries()) {
      const email = emails[index]!;
      expect(email.Source).toBe('Team IDE <ide@example.com>');
      for (const body of [email.Message?.Body?.Html?.Data, email.Message?.Body?.Text?.Data]) {
        expect(body).toContain(`https://dev-${slot}.code.example.com`);
        expect(body).toContain(PASSWORDS[slot]);
        expect(body).toContain('lead');
        expect(body).toContain('2026-11-28 17:00 UTC');
        expect(body).toContain('Push your work before the run stops');
      }
      const others = Object.entries(PASSWORDS).filter(([other]) => Number(other) !== slot);
      for (const [, password] of others) expect(JSON.stringify(email)).not.toContain(password);
    }
  });

  it('gives each developer their own preview address when the run was started with previews, and the path through the IDE otherwise', async () => {
    // Prepare
    const { notify } = setup();
    cloudFormation.on(DescribeStacksCommand, { StackName: STACK_ID }).resolves({ Stacks: [runStack('CREATE_COMPLETE', { Parameters: [{ ParameterKey: 'Previews', ParameterValue: 'on' }] })] });

    // Act
    await notify();

    // Assess
    expect(sentEmails().map((email) => /opens at (\S+)/.exec(email.Message?.Body?.Text?.Data ?? '')?.[1])).toEqual([
      'https://3000.dev-1.code.example.com',
      'https://3000.dev-2.code.example.com',
      'https://3000.dev-5.code.example.com',
    ]);
  });

  it('without previews, gives the path through the IDE', async () => {
    const { notify } = setup();

    await notify();

    expect(sentEmails()[0]?.Message?.Body?.Text?.Data).toContain('A web app you run on port 3000 opens at https://dev-1.code.example.com/proxy/3000/');
  });

  it('tells the channel the run is ready, with mentions and links only: no address, never a password', async () => {
    const { slack, published, notify } = setup();

    await notify();

    expect(slack.posts).toHaveLength(1);
    expect(slack.posts[0]!.channel).toBe('C0000TEAM');
    expect(slack.posts[0]!.message.text).toBe('The team IDEs <@U0000LEAD> started are ready: 3 seats, every developer got an email with their password.');
    const text = slack.text();
    expect(text).toContain('dev-1 <@U0000AAA1> — https://dev-1.code.example.com (emailed)');
    expect(text).toContain('dev-5 <@U0000EEE5> — https://dev-5.code.example.com (emailed)');
    expect(text).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.]+/);
    expectNoPasswordIn(published());
  });

  it('sends no second email when the same job comes twice', async () => {
    const { slack, store, notify } = setup();

    await notify();
    await notify();

    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 3);
    expect(slack.posts).toHaveLength(1);
    expect(store.has(notified)).toBe(true);
  });

  it('still emails the others when SES rejects one address, and tells the lead what to do', async () => {
    ses.on(SendEmailCommand, { Destination: { ToAddresses: ['bob@example.com'] } }).rejects(
      new MessageRejected({ message: 'Email address is not verified. The following identities failed the check in region EU-WEST-1: bob@example.com', $metadata: { httpStatusCode: 400 } }),
    );
    const { slack, published, notify } = setup();

    await notify();

    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 3);
    expect(slack.posts[0]!.message.text).toBe('The team IDEs <@U0000LEAD> started are ready: 3 seats, 2 emails sent, 1 not.');
    const text = slack.text();
    expect(text).toContain('dev-2 <@U0000BBB2> — https://dev-2.code.example.com (*no email*)');
    expect(text).toContain('dev-2 <@U0000BBB2>: SES is in sandbox mode and this address is not verified: verify it in SES (Verified identities) or request production access.');
    expect(text).not.toContain('bob@example.com');
    expectNoPasswordIn(published());
  });

  it('points at the sender when SES has not verified it', async () => {
    ses.on(SendEmailCommand).rejects(
      new MessageRejected({ message: 'Email address is not verified. The following identities failed the check in region EU-WEST-1: ide@example.com', $metadata: {} }),
    );
    const { slack, notify } = setup();

    await notify();

    expect(slack.posts[0]!.message.text).toContain('0 emails sent, 3 not');
    expect(slack.text()).toContain('SES has not verified the sender Team IDE &lt;ide@example.com&gt; (SES_FROM_ADDRESS)');
  });

  it('sends no email with a blank link, and names the missing output in Slack', async () => {
    const stack = runStack('CREATE_COMPLETE');
    stack.Outputs = stack.Outputs!.filter((output) => output.OutputKey !== 'DevUrl2');
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack] });
    const { slack, notify } = setup();

    await notify();

    expect(sentEmails().map((email) => email.Destination?.ToAddresses?.[0])).toEqual(['alice@example.com', 'erin@example.com']);
    expect(slack.text()).toContain('dev-2 <@U0000BBB2>: the stack has no usable `DevUrl2` output');
  });

  it('sends no email at all when the stack has no outputs', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE', { Outputs: [] })] });
    const { slack, notify } = setup();

    await notify();

    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    expect(slack.posts[0]!.message.text).toBe('The team IDEs <@U0000LEAD> started are ready: 3 seats, 0 emails sent, 3 not.');
  });

  it('sends no email without a password: missing output, unreadable secret or empty secret', async () => {
    const stack = runStack('CREATE_COMPLETE');
    stack.Outputs = stack.Outputs!.filter((output) => output.OutputKey !== 'DevPasswordSecret1');
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack] });
    secretsManager.on(GetSecretValueCommand, { SecretId: passwordSecretArn(2) }).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
    secretsManager.on(GetSecretValueCommand, { SecretId: passwordSecretArn(5) }).resolves({ SecretString: '' });
    const { slack, notify } = setup();

    await notify();

    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
    const text = slack.text();
    expect(text).toContain('dev-1 <@U0000AAA1>: the stack has no `DevPasswordSecret1` output');
    expect(text).toContain('dev-2 <@U0000BBB2>: I could not read the password (ResourceNotFoundException)');
    expect(text).toContain('dev-5 <@U0000EEE5>: the password secret is empty');
  });

  it('tells the lead when a seat has no email address or left the roster', async () => {
    const { slack, notify } = setup({ roster: '1:U0000AAA1:alice:,2:U0000BBB2:bob:bob@example.com' });

    await notify();

    expect(sentEmails().map((email) => email.Destination?.ToAddresses?.[0])).toEqual(['bob@example.com']);
    const text = slack.text();
    expect(text).toContain('alice has no email address on the roster: `/ide roster add` them again once Slack has one.');
    expect(text).toContain('dev-5 is no longer on the roster');
  });

  it('ignores a job for a stack that is not ours', async () => {
    const { slack, notify } = setup();

    await notify({ stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/billing-api-prod/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a' });
    await notify({ nothing: 'here' });

    expect(cloudFormation).not.toHaveReceivedAnyCommand();
    expect(ssm).not.toHaveReceivedAnyCommand();
    expect(slack.posts).toEqual([]);
  });

  it('sends nothing when the run was stopped before the job ran', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('DELETE_IN_PROGRESS')] });
    const { slack, notify } = setup();

    await notify();

    expect(ses).not.toHaveReceivedAnyCommand();
    expect(slack.posts).toEqual([]);
  });

  it.each([
    ['still shows CREATE_IN_PROGRESS', () => cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_IN_PROGRESS')] }), 'CREATE_IN_PROGRESS'],
    ['does not show the stack yet', () => cloudFormation.on(DescribeStacksCommand).rejects(new CloudFormationServiceException({ name: 'ValidationError', message: `Stack with id ${STACK_ID} does not exist`, $fault: 'client', $metadata: {} })), 'not found'],
  ])('throws for Lambda to retry when DescribeStacks %s, though the run is created', async (_case, answer, status) => {
    answer();
    const { store, logger, notify } = setup();

    const error = await notify().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(StackNotReadyError);
    expect((error as Error).message).toBe(`The run's stack is ${status}, not yet CREATE_COMPLETE: the notifier will be run again`);
    expect(store.has(notified)).toBe(false);
    expect(ses).not.toHaveReceivedAnyCommand();
    expect(logger.entries.some((entry) => entry.level === 'error' && entry.message === 'Notifier failed')).toBe(true);
  });

  it('posts "ready" to the lead directly when the bot is not in the run\'s private channel', async () => {
    const { slack, notify } = setup({ privateChannels: ['C0000TEAM'] });

    await notify();

    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 3);
    expect(slack.posts.map((post) => post.channel)).toEqual(['U0000LEAD']);
    expect(slack.posts[0]!.message.text).toContain('are ready: 3 seats');
    expect(JSON.stringify(slack.posts[0]!.message.blocks)).toContain('Invite <@U0000BOT1> there');
  });

  it('throws before claiming anything when the stack cannot be read, so a retry can send the emails', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(new CloudFormationServiceException({ name: 'Throttling', message: 'Rate exceeded', $fault: 'client', $metadata: {} }));
    const { store, notify } = setup();

    await expect(notify()).rejects.toThrow('Rate exceeded');
    expect(store.has(notified)).toBe(false);
    expect(ses).not.toHaveReceivedAnyCommand();
  });

  it('logs a Slack failure after the emails went out, and does not send them again on the next job', async () => {
    const { logger, notify } = setup({ slackFailure: new Error('Slack chat.postMessage failed: not_in_channel') });

    await notify();
    await notify();

    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 3);
    expect(logger.entries.filter((entry) => entry.level === 'error').map((entry) => entry.message)).toEqual([
      'Notifying the developers failed',
      'Could not tell the channel about a failure',
    ]);
    expectNoPasswordIn(logger.text());
  });
});
