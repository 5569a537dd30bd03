import {
  CloudFormationClient,
  CloudFormationServiceException,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/launcher';
import { loadConfig } from '../../shared/config';
import type { LauncherJob, SlackRequester } from '../../shared/launcher-job';
import { createLogger } from '../../shared/logger';
import type { StartPlan } from '../../shared/start-plan';
import { validEnv } from '../fixtures';
import { recordingResponder } from '../helpers/recording-slack';
import { runStack, STACK_ID } from '../helpers/run-fixtures';

const cloudFormation = mockClient(CloudFormationClient);
const config = loadConfig(validEnv());
const requester: SlackRequester = { userId: 'U0000LEAD', userName: 'lead', channelId: 'C0000TEAM', responseUrl: 'https://hooks.slack.com/commands/T0000TEAM/1/abc' };
const plan: StartPlan = { instanceType: 't3.large', hours: 3, seats: config.roster.filter((member) => member.slot === 1 || member.slot === 5) };

function setup() {
  const slack = recordingResponder();
  const handler = makeHandler({
    config,
    logger: createLogger('launcher-test'),
    cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
    slack,
    templateBody: 'Transform: AWS::LanguageExtensions\nResources: {}\n',
    now: () => new Date('2026-11-28T09:00:00Z'),
    newRunId: () => '6f1c2d3e-0000-4000-8000-000000000001',
  });
  return { slack, run: (job: LauncherJob) => handler(job) };
}

const notFound = new CloudFormationServiceException({ name: 'ValidationError', message: 'Stack with id team-ide-test-ides does not exist', $fault: 'client', $metadata: {} });

describe('launcher', () => {
  beforeEach(() => {
    cloudFormation.reset();
  });

  describe('start', () => {
    it('creates the team stack with the run\'s parameters and id tags, then tells the channel', async () => {
      // Prepare
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      cloudFormation.on(CreateStackCommand).resolves({ StackId: STACK_ID });
      const { slack, run } = setup();

      // Act
      await run({ action: 'start', requester, plan });

      // Assess
      const input = cloudFormation.commandCalls(CreateStackCommand)[0]?.args[0].input;
      expect(input).toMatchObject({ StackName: 'team-ide-test-ides', ClientRequestToken: '6f1c2d3e-0000-4000-8000-000000000001', TemplateBody: expect.stringContaining('LanguageExtensions') });
      expect(Object.fromEntries((input?.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]))).toMatchObject({
        Slots: '1,5',
        RunId: '6f1c2d3e-0000-4000-8000-000000000001',
        InstanceType: 't3.large',
        DomainName: 'code.example.com',
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        InstanceProfileName: 'team-ide-test-host',
        CertificateParameterName: '/team-ide/test/tls-certificate',
      });
      expect(input?.Tags).toEqual([
        { Key: 'team-ide:run-id', Value: '6f1c2d3e-0000-4000-8000-000000000001' },
        { Key: 'team-ide:requested-by', Value: 'U0000LEAD' },
        { Key: 'team-ide:requested-by-name', Value: 'lead' },
        { Key: 'team-ide:channel', Value: 'C0000TEAM' },
        { Key: 'team-ide:slots', Value: '1 5' },
        { Key: 'team-ide:hours', Value: '3' },
        { Key: 'team-ide:ends-at', Value: '2026-11-28T12:00:00.000Z' },
      ]);
      expect(slack.responses).toHaveLength(1);
      expect(slack.responses[0]).toMatchObject({ visibility: 'in_channel', text: '<@U0000LEAD> is starting 2 IDEs (t3.large), ready in about 3 minutes.' });
      expect(JSON.stringify(slack.responses[0]?.blocks)).toContain('dev-1 <@U0000AAA1>, dev-5 <@U0000EEE5>');
    });

    it.each([
      ['CREATE_IN_PROGRESS', 'The team IDEs are already starting (started by <@U0000LEAD>'],
      ['CREATE_COMPLETE', 'The team IDEs are already running (started by <@U0000LEAD>'],
      ['DELETE_IN_PROGRESS', 'The team IDEs (started by <@U0000LEAD> <!date^1795856400^{date_short_pretty} {time}|2026-11-28T09:00:00Z>) are still stopping'],
      ['ROLLBACK_COMPLETE', 'failed to start and is being cleaned up. Try again in a minute or two'],
    ])('does not create a second stack while one is %s', async (status, words) => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack(status)] });
      const { slack, run } = setup();

      await run({ action: 'start', requester, plan });

      expect(cloudFormation).not.toHaveReceivedCommand(CreateStackCommand);
      expect(slack.responses).toEqual([expect.objectContaining({ visibility: 'ephemeral', text: expect.stringContaining(words) })]);
    });

    it('answers the loser of two simultaneous starts with "already starting"', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      cloudFormation.on(CreateStackCommand).rejects(new CloudFormationServiceException({ name: 'AlreadyExistsException', message: 'Stack [team-ide-test-ides] already exists', $fault: 'client', $metadata: {} }));
      const { slack, run } = setup();

      await run({ action: 'start', requester, plan });

      expect(slack.responses).toEqual([expect.objectContaining({ visibility: 'ephemeral', text: expect.stringContaining('A run is already starting') })]);
    });

    it('tells the requester why AWS refused, with the request id', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      cloudFormation.on(CreateStackCommand).rejects(
        new CloudFormationServiceException({ name: 'AccessDenied', message: 'not authorized to perform: iam:PassRole', $fault: 'client', $metadata: { requestId: 'req-42' } }),
      );
      const { slack, run } = setup();

      await run({ action: 'start', requester, plan });

      expect(slack.responses[0]?.visibility).toBe('ephemeral');
      expect(slack.responses[0]?.text).toContain('AccessDenied: not authorized to perform: iam:PassRole (AWS request id req-42)');
    });

    it('apologizes with an error id when something unexpected fails', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(new Error('socket hang up'));
      const { slack, run } = setup();

      await run({ action: 'start', requester, plan });

      expect(slack.responses[0]?.text).toMatch(/Sorry, something went wrong on our side.*`[0-9a-f]{8}`/);
    });
  });

  describe('stop', () => {
    it('says so when nothing runs', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      const { slack, run } = setup();

      await run({ action: 'stop', requester });

      expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
      expect(slack.responses).toEqual([expect.objectContaining({ visibility: 'ephemeral', text: expect.stringContaining('No team IDEs are running') })]);
    });

    it('deletes a stack that is still being created and says what happens next', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_IN_PROGRESS')] });
      cloudFormation.on(DeleteStackCommand).resolves({});
      const { slack, run } = setup();

      await run({ action: 'stop', requester });

      expect(cloudFormation).toHaveReceivedCommandWith(DeleteStackCommand, { StackName: 'team-ide-test-ides' });
      expect(slack.responses[0]).toMatchObject({ visibility: 'in_channel' });
      expect(slack.responses[0]?.text).toContain('<@U0000LEAD> is stopping the team IDEs started by <@U0000LEAD>. It was still starting: no emails will go out');
    });

    it('does not delete twice while a deletion runs', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('DELETE_IN_PROGRESS')] });
      const { slack, run } = setup();

      await run({ action: 'stop', requester });

      expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
      expect(slack.responses[0]?.text).toContain('already stopping');
    });
  });

  describe('status', () => {
    it('lists the seats, their holders and their links', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE')] });
      const { slack, run } = setup();

      await run({ action: 'status', requester });

      const shown = JSON.stringify(slack.responses[0]?.blocks);
      expect(slack.responses[0]?.text).toBe('The team IDEs are running.');
      expect(shown).toContain('dev-1 <@U0000AAA1> — https://dev-1.code.example.com');
      expect(shown).toContain('dev-5 <@U0000EEE5> — https://dev-5.code.example.com');
      expect(shown).toContain('Started by <@U0000LEAD>');
    });

    it('says nothing runs when there is no stack', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      const { slack, run } = setup();

      await run({ action: 'status', requester });

      expect(slack.responses[0]?.text).toContain('No team IDEs are running');
    });
  });
});
