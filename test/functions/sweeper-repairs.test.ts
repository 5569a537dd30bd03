import {
  CloudFormationClient,
  CloudFormationServiceException,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runStack, STACK_ID } from '../helpers/run-fixtures';
import { at, MARKERS, resetSweeperMocks, sweeperHarness, type SweeperHarnessOptions } from '../helpers/sweeper-harness';

const cloudFormation = mockClient(CloudFormationClient);
const ssm = mockClient(SSMClient);
const sqs = mockClient(SQSClient);

const stackIs = (status: string, extra = {}) => cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack(status, extra)] });
const event = (logicalId: string, type: string, status: string, time: string, reason = '', physicalId = `${logicalId}-id`): StackEvent => ({
  StackId: STACK_ID,
  StackName: 'team-ide-test-ides',
  EventId: `${logicalId}-${status}`,
  LogicalResourceId: logicalId,
  PhysicalResourceId: physicalId,
  ResourceType: type,
  ResourceStatus: status as StackEvent['ResourceStatus'],
  ResourceStatusReason: reason,
  Timestamp: at(time),
});
const stackItself = (status: string, time: string, reason = '') => event('team-ide-test-ides', 'AWS::CloudFormation::Stack', status, time, reason, STACK_ID);
const eventsAre = (...events: StackEvent[]) => cloudFormation.on(DescribeStackEventsCommand).resolves({ StackEvents: events });
const warnings = (logger: ReturnType<typeof sweeperHarness>['logger'], message: string) => logger.entries.filter((entry) => entry.message === message);

function setup(options: SweeperHarnessOptions = {}) {
  return sweeperHarness(ssm, options);
}

describe('the sweeper\'s repairs', () => {
  beforeEach(() => {
    resetSweeperMocks(cloudFormation, ssm, sqs);
  });

  describe('a run that is up but whose developers nobody emailed', () => {
    beforeEach(() => {
      stackIs('CREATE_COMPLETE');
      // Created at 09:00, ready at 09:03.
      eventsAre(stackItself('CREATE_COMPLETE', '09:03:00'), event('HostReady', 'AWS::CloudFormation::WaitCondition', 'CREATE_COMPLETE', '09:02:58'), stackItself('CREATE_IN_PROGRESS', '09:00:00'));
    });

    it('waits NOTIFY_GRACE_MINUTES after the run was ready, then runs the notifier again, once', async () => {
      // Prepare
      const { tick, clock, notifierJobs, store, logger } = setup();

      // Act: within the 5 minutes, after them, and a tick later.
      clock.now = at('09:07:59');
      const early = await tick({});
      clock.now = at('09:08:00');
      const due = await tick({});
      clock.now = at('09:09:00');
      const later = await tick({});

      // Assess
      expect(early).toEqual({ action: 'waiting', endsAt: '2026-11-28T17:00:00.000Z' });
      expect(due).toEqual({ action: 'waiting', endsAt: '2026-11-28T17:00:00.000Z', repair: 'notifier-run-again' });
      expect(later).toEqual({ action: 'waiting', endsAt: '2026-11-28T17:00:00.000Z' });
      expect(notifierJobs).toEqual([{ stackId: STACK_ID, repair: true }]);
      expect(store.get(`${MARKERS}/notify-repair`)).toBe('2026-11-28T09:08:00.000Z');
      expect(warnings(logger, 'Notifier run again: the developers were not notified')).toEqual([
        expect.objectContaining({ level: 'warn', fields: { stackId: STACK_ID, readyAt: '2026-11-28T09:03:00.000Z' } }),
      ]);
    });

    it('honours NOTIFY_GRACE_MINUTES', async () => {
      const { tick, clock, notifierJobs } = setup({ env: { NOTIFY_GRACE_MINUTES: '20' } });
      clock.now = at('09:22:59');
      await tick({});
      expect(notifierJobs).toEqual([]);

      clock.now = at('09:23:00');
      await tick({});

      expect(notifierJobs).toHaveLength(1);
    });

    it('counts from the run\'s creation when its events do not say when it was ready', async () => {
      eventsAre();
      const { tick, clock, notifierJobs } = setup();
      clock.now = at('09:05:00');

      await tick({});

      expect(notifierJobs).toHaveLength(1);
    });

    it('leaves a notified run alone, without reading its events', async () => {
      const { tick, clock, notifierJobs } = setup({ markers: { [`${MARKERS}/notified`]: '2026-11-28T09:03:02.000Z' } });
      clock.now = at('12:00:00');

      await tick({});

      expect(notifierJobs).toEqual([]);
      expect(cloudFormation).not.toHaveReceivedCommand(DescribeStackEventsCommand);
    });

    it('gives the claim back when the notifier cannot be invoked, so the next tick tries again', async () => {
      const { tick, clock, deps, notifierJobs, store } = setup();
      clock.now = at('10:00:00');
      vi.mocked(deps.dispatchNotifier).mockRejectedValueOnce(new Error('Rate exceeded'));

      await expect(tick({})).rejects.toThrow('Rate exceeded');
      expect(store.has(`${MARKERS}/notify-repair`)).toBe(false);
      clock.now = at('10:01:00');
      await tick({});

      expect(notifierJobs).toEqual([{ stackId: STACK_ID, repair: true }]);
    });
  });

  describe('a failed start still standing (its events were lost)', () => {
    beforeEach(() => {
      eventsAre(
        stackItself('ROLLBACK_COMPLETE', '09:07:00'),
        stackItself('ROLLBACK_IN_PROGRESS', '09:06:00', 'The following resource(s) failed to create: [HostReady].'),
        event('HostReady', 'AWS::CloudFormation::WaitCondition', 'CREATE_FAILED', '09:05:59', "WaitCondition received failed message: 'team-ide boot failed at step pull-images (exit 1)'"),
        stackItself('CREATE_IN_PROGRESS', '09:00:00'),
      );
    });

    it('tells the channel why it failed, once, and deletes it by its id, trying again a minute later if it stays', async () => {
      // Prepare
      stackIs('ROLLBACK_COMPLETE');
      const { tick, clock, slack } = setup();

      // Act: three ticks, the stack still there.
      clock.now = at('09:10:00');
      const first = await tick({});
      clock.now = at('09:10:30');
      await tick({});
      clock.now = at('09:11:00');
      await tick({});

      // Assess
      expect(first).toEqual({ action: 'repaired', status: 'ROLLBACK_COMPLETE', repair: 'failed-start-settled' });
      expect(slack.posts).toHaveLength(1);
      expect(slack.posts[0]!.message.text).toBe('The team IDEs <@U0000LEAD> asked for could not start.');
      expect(slack.text()).toContain('team-ide boot failed at step pull-images');
      expect(cloudFormation.commandCalls(DeleteStackCommand).map((call) => call.args[0].input)).toEqual([{ StackName: STACK_ID }, { StackName: STACK_ID }]);
    });

    it('says nothing more when stack-events already told the channel, and still deletes', async () => {
      stackIs('ROLLBACK_COMPLETE');
      const { tick, clock, slack } = setup({ markers: { [`${MARKERS}/failure-reported`]: '2026-11-28T09:06:01.000Z' } });
      clock.now = at('09:10:00');

      await tick({});

      expect(slack.posts).toEqual([]);
      expect(cloudFormation).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
    });

    it('reports a start still rolling back, and waits for the rollback before deleting', async () => {
      stackIs('ROLLBACK_IN_PROGRESS');
      const { tick, clock, slack } = setup();
      clock.now = at('09:06:30');

      await tick({});

      expect(slack.posts).toHaveLength(1);
      expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
    });
  });

  describe('a stack whose deletion failed', () => {
    beforeEach(() => {
      stackIs('DELETE_FAILED');
      eventsAre(
        stackItself('DELETE_FAILED', '17:05:00', 'The following resource(s) failed to delete: [Instance].'),
        event('Instance', 'AWS::EC2::Instance', 'DELETE_FAILED', '17:04:58', 'You are not authorized to perform this operation.', 'i-0123456789abcdef0'),
        stackItself('DELETE_IN_PROGRESS', '17:00:00'),
      );
    });

    it('tells the channel once what is stuck, with the console link, and deletes again after 1, 2, 4 … minutes', async () => {
      // Prepare
      const { tick, clock, slack, store } = setup();
      const deleteAt = (time: string) => {
        clock.now = at(time);
        return tick({});
      };

      // Act: a tick every 30 seconds for 8 minutes.
      const outcomes = [];
      for (let second = 0; second <= 8 * 60; second += 30) {
        outcomes.push((await deleteAt(`17:${String(6 + Math.floor(second / 60)).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}`)) as { repair?: string });
      }

      // Assess: attempts at 17:06, 17:07 (+1 min), 17:09 (+2), 17:13 (+4); one message.
      expect(outcomes.filter((outcome) => outcome.repair === 'deletion-deleting')).toHaveLength(4);
      expect(outcomes[1]).toEqual({ action: 'repaired', status: 'DELETE_FAILED', repair: 'deletion-waiting' });
      expect(cloudFormation).toHaveReceivedCommandTimes(DeleteStackCommand, 4);
      expect(store.get(`${MARKERS}/delete-retry`)).toBe('4 2026-11-28T17:13:00.000Z');
      expect(slack.posts).toHaveLength(1);
      const text = slack.text();
      expect(text).toContain('*Instance* (AWS::EC2::Instance, `i-0123456789abcdef0`) failed: You are not authorized to perform this operation.');
      expect(text).toContain('console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/resources?stackId=arn%3Aaws%3Acloudformation');
    });

    it('waits at most an hour between attempts', async () => {
      const { tick, clock } = setup({ markers: { [`${MARKERS}/delete-retry`]: '9 2026-11-28T17:00:00.000Z', [`${MARKERS}/delete-failure-reported`]: 't' } });
      clock.now = at('17:59:59');
      expect(await tick({})).toMatchObject({ repair: 'deletion-waiting' });

      clock.now = at('18:00:00');

      expect(await tick({})).toMatchObject({ repair: 'deletion-deleting' });
    });

    it('says once that CloudFormation refuses to delete, and goes on trying less and less often', async () => {
      cloudFormation.on(DeleteStackCommand).rejects(new CloudFormationServiceException({ name: 'AccessDenied', message: 'not authorized to perform: cloudformation:DeleteStack', $fault: 'client', $metadata: {} }));
      const { tick, clock, slack, logger } = setup({ markers: { [`${MARKERS}/delete-failure-reported`]: 't' } });

      clock.now = at('17:06:00');
      const first = await tick({});
      clock.now = at('17:07:00');
      await tick({});

      expect(first).toMatchObject({ repair: 'deletion-refused' });
      expect(slack.posts).toHaveLength(1);
      expect(slack.posts[0]!.message.text).toBe('I could not delete the run <@U0000LEAD> started, so `/ide start` will find it in the way.');
      expect(warnings(logger, 'Could not delete the stuck stack')).toHaveLength(2);
    });
  });

  it('tells the lead directly when the bot is not in the run\'s private channel', async () => {
    stackIs('ROLLBACK_IN_PROGRESS');
    eventsAre(stackItself('ROLLBACK_IN_PROGRESS', '09:06:00', 'The following resource(s) failed to create: [HostReady].'));
    const { tick, clock, slack } = setup({ privateChannels: ['C0000TEAM'] });
    clock.now = at('09:06:30');

    await tick({});

    expect(slack.posts.map((post) => post.channel)).toEqual(['U0000LEAD']);
    expect(slack.text()).toContain('I could not post this in <#C0000TEAM>');
  });
});
