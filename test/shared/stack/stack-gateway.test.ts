import {
  AlreadyExistsException,
  CloudFormationClient,
  CloudFormationServiceException,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { StackRequestError, StackStateError } from '../../../shared/core/errors';
import { createTeamStack, deleteTeamStack, describeTeamStack } from '../../../shared/stack/stack-gateway';
import { runStack } from '../../helpers/run-fixtures';

const cloudFormation = mockClient(CloudFormationClient);
const client = new CloudFormationClient({ region: 'eu-west-1' });

function awsError(name: string, message: string, fault: 'client' | 'server' = 'client') {
  return new CloudFormationServiceException({ name, message, $fault: fault, $metadata: { requestId: 'req-1234', httpStatusCode: 400 } });
}

const input = { stackName: 'team-ide-test-ides', templateBody: 'Resources: {}', parameters: [], tags: [], clientRequestToken: 'run-1', serviceRoleArn: 'arn:aws:iam::123456789012:role/team-ide-test-stack' };

describe('stack gateway', () => {
  beforeEach(() => {
    cloudFormation.reset();
  });

  describe('describeTeamStack', () => {
    it('returns undefined when the stack does not exist', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(awsError('ValidationError', 'Stack with id team-ide-test-ides does not exist'));

      expect(await describeTeamStack(client, 'team-ide-test-ides')).toBeUndefined();
    });

    it('reads status, run tags and outputs', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE')] });

      const stack = await describeTeamStack(client, 'team-ide-test-ides');

      expect(stack).toMatchObject({
        status: 'CREATE_COMPLETE',
        run: { runId: '6f1c2d3e-0000-4000-8000-000000000001', requestedBy: 'U0000LEAD', requestedByName: 'lead', channel: 'C0000TEAM', slots: [1, 2, 5], hours: 8, endsAt: '2026-11-28T17:00:00.000Z' },
        outputs: { DevUrl1: 'https://dev-1.code.example.com' },
      });
    });
  });

  describe('createTeamStack', () => {
    it('creates with the capabilities the template needs and the run id as idempotency token', async () => {
      cloudFormation.on(CreateStackCommand).resolves({ StackId: 'arn:stack/team-ide-test-ides/1' });

      const stackId = await createTeamStack(client, input);

      expect(stackId).toBe('arn:stack/team-ide-test-ides/1');
      expect(cloudFormation).toHaveReceivedCommandWith(CreateStackCommand, {
        StackName: 'team-ide-test-ides',
        ClientRequestToken: 'run-1',
        RoleARN: 'arn:aws:iam::123456789012:role/team-ide-test-stack',
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
      });
    });

    it('answers a concurrent start as "already starting"', async () => {
      cloudFormation.on(CreateStackCommand).rejects(new AlreadyExistsException({ message: 'Stack [team-ide-test-ides] already exists', $metadata: {} }));

      await expect(createTeamStack(client, input)).rejects.toThrow(StackStateError);
      await expect(createTeamStack(client, input)).rejects.toThrow('A run is already starting');
    });

    it.each([
      ['AccessDenied', 'User: arn:aws:sts::123456789012:assumed-role/launcher is not authorized to perform: cloudformation:CreateStack', 'lacks a permission'],
      ['Throttling', 'Rate exceeded', 'try again in a minute'],
      ['LimitExceededException', 'Limit for stacks exceeded', 'account limit'],
      ['ValidationError', 'Parameter SubnetId failed to satisfy constraint', 'settings table'],
    ])('turns %s into a message with the AWS reason and request id', async (name, message, advice) => {
      cloudFormation.on(CreateStackCommand).rejects(awsError(name, message));

      const error = await createTeamStack(client, input).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(StackRequestError);
      expect((error as StackRequestError).userMessage).toContain(`${name}: ${message} (AWS request id req-1234)`);
      expect((error as StackRequestError).userMessage).toContain(advice);
    });

    it('passes a fault on AWS\'s side through unchanged, for the apology path', async () => {
      const fault = awsError('InternalFailure', 'Internal error', 'server');
      cloudFormation.on(CreateStackCommand).rejects(fault);

      await expect(createTeamStack(client, input)).rejects.toBe(fault);
    });
  });

  describe('deleteTeamStack', () => {
    it('deletes the stack by name', async () => {
      cloudFormation.on(DeleteStackCommand).resolves({});

      await deleteTeamStack(client, 'team-ide-test-ides');

      expect(cloudFormation).toHaveReceivedCommandWith(DeleteStackCommand, { StackName: 'team-ide-test-ides' });
    });
  });
});
