import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { StackRequestError } from '../../../shared/core/errors';
import { describeRunStack, findCompletionTime, findFirstFailedResource } from '../../../shared/stack/stack-gateway';
import { stackConsoleUrl } from '../../../shared/stack/team-stack';
import { runStack, STACK_ID } from '../../helpers/run-fixtures';

const cloudFormation = mockClient(CloudFormationClient);
const client = new CloudFormationClient({ region: 'eu-west-1' });

const event = (logicalId: string, status: string, reason = '', physicalId = `${logicalId}-id`): StackEvent => ({
  StackId: STACK_ID,
  StackName: 'team-ide-test-ides',
  EventId: `${logicalId}-${status}`,
  LogicalResourceId: logicalId,
  PhysicalResourceId: physicalId,
  ResourceType: logicalId === 'team-ide-test-ides' ? 'AWS::CloudFormation::Stack' : `AWS::Test::${logicalId}`,
  ResourceStatus: status as StackEvent['ResourceStatus'],
  ResourceStatusReason: reason,
  Timestamp: new Date('2026-11-28T09:00:00Z'),
});
const stack = (status: string, reason = '') => event('team-ide-test-ides', status, reason, STACK_ID);

describe('stack gateway for runs', () => {
  beforeEach(() => {
    cloudFormation.reset();
  });

  describe('describeRunStack', () => {
    it('reads a deleted stack by its id, tags included', async () => {
      cloudFormation.on(DescribeStacksCommand, { StackName: STACK_ID }).resolves({ Stacks: [runStack('DELETE_COMPLETE')] });

      const found = await describeRunStack(client, STACK_ID);

      expect(found).toMatchObject({ stackId: STACK_ID, status: 'DELETE_COMPLETE', run: { channel: 'C0000TEAM', requestedBy: 'U0000LEAD', slots: [1, 2, 5] } });
    });

    it('returns undefined for an unknown id', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(new CloudFormationServiceException({ name: 'ValidationError', message: `Stack with id ${STACK_ID} does not exist`, $fault: 'client', $metadata: {} }));

      expect(await describeRunStack(client, STACK_ID)).toBeUndefined();
    });
  });

  describe('findFirstFailedResource', () => {
    it('returns the earliest failure of the create, across pages, skipping cancelled resources and the stack itself', async () => {
      cloudFormation
        .on(DescribeStackEventsCommand, { StackName: STACK_ID, NextToken: undefined })
        .resolves({ StackEvents: [stack('ROLLBACK_COMPLETE'), event('B', 'DELETE_FAILED', 'in use'), stack('ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to create: [A]')], NextToken: 'page-2' })
        .on(DescribeStackEventsCommand, { StackName: STACK_ID, NextToken: 'page-2' })
        .resolves({ StackEvents: [event('C', 'CREATE_FAILED', 'Resource creation cancelled'), event('A', 'CREATE_FAILED', 'Instance i-1 failed to stabilize'), event('A', 'CREATE_IN_PROGRESS'), stack('CREATE_IN_PROGRESS', 'User Initiated')] });

      expect(await findFirstFailedResource(client, STACK_ID)).toEqual({
        logicalId: 'A',
        resourceType: 'AWS::Test::A',
        physicalId: 'A-id',
        status: 'CREATE_FAILED',
        reason: 'Instance i-1 failed to stabilize',
      });
    });

    it('looks no further back than the latest delete', async () => {
      cloudFormation.on(DescribeStackEventsCommand).resolves({
        StackEvents: [stack('DELETE_FAILED'), event('SecurityGroup', 'DELETE_FAILED', 'has a dependent object'), stack('DELETE_IN_PROGRESS'), event('Old', 'CREATE_FAILED', 'old news'), stack('CREATE_IN_PROGRESS')],
      });

      expect((await findFirstFailedResource(client, STACK_ID))?.logicalId).toBe('SecurityGroup');
    });

    it('returns undefined when only the stack itself failed', async () => {
      cloudFormation.on(DescribeStackEventsCommand).resolves({ StackEvents: [stack('ROLLBACK_COMPLETE'), stack('ROLLBACK_IN_PROGRESS', 'Transform failed'), stack('CREATE_IN_PROGRESS')] });

      expect(await findFirstFailedResource(client, STACK_ID)).toBeUndefined();
    });

    it('turns a refusal into a StackRequestError that says what to do', async () => {
      cloudFormation.on(DescribeStackEventsCommand).rejects(new CloudFormationServiceException({ name: 'AccessDenied', message: 'not authorized', $fault: 'client', $metadata: { requestId: 'req-7' } }));

      const error = await findFirstFailedResource(client, STACK_ID).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(StackRequestError);
      expect((error as StackRequestError).userMessage).toContain('lacks a permission');
    });
  });

  describe('findCompletionTime', () => {
    it('reads when the stack itself reached CREATE_COMPLETE, not a resource', async () => {
      const done = { ...stack('CREATE_COMPLETE'), Timestamp: new Date('2026-11-28T09:02:30Z') };
      cloudFormation.on(DescribeStackEventsCommand, { StackName: STACK_ID }).resolves({ StackEvents: [done, event('HostReady', 'CREATE_COMPLETE'), stack('CREATE_IN_PROGRESS')] });

      expect(await findCompletionTime(client, STACK_ID)).toEqual(new Date('2026-11-28T09:02:30Z'));
    });

    it('returns undefined when the first page does not hold it', async () => {
      cloudFormation.on(DescribeStackEventsCommand).resolves({ StackEvents: [event('HostReady', 'CREATE_COMPLETE')] });

      expect(await findCompletionTime(client, STACK_ID)).toBeUndefined();
    });
  });

  it('links a stack in the console of its own region and partition', () => {
    expect(stackConsoleUrl(STACK_ID)).toBe('https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/resources?stackId=arn%3Aaws%3Acloudformation%3Aeu-west-1%3A123456789012%3Astack%2Fteam-ide-test-ides%2F0a1b2c3d-aaaa-4bbb-8ccc-123456789012');
    expect(stackConsoleUrl('arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/x/y')).toMatch(/^https:\/\/cn-north-1\.console\.amazonaws\.cn\/cloudformation\/home\?region=cn-north-1#/);
  });
});
