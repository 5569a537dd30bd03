import {
  CloudFormationClient,
  CloudFormationServiceException,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateTagsCommand, DeleteSnapshotCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/stack-events';
import { loadConfig } from '../../shared/core/config';
import { dispatchNotifierJob } from '../../shared/email/notifier-job';
import { validEnv } from '../fixtures';
import { cloudFormationEvent, fakeParameterStore, recordingLogger, recordingPoster, runStack, STACK_ID, STACK_UUID } from '../helpers/run-fixtures';

const cloudFormation = mockClient(CloudFormationClient);
const ssm = mockClient(SSMClient);
const lambda = mockClient(LambdaClient);
const ec2 = mockClient(EC2Client);
const config = loadConfig(validEnv());
const markers = `/team-ide-test/runs/${STACK_UUID}`;

function setup(options: { markers?: Record<string, string>; slackFailure?: Error; privateChannels?: string[] } = {}) {
  const slack = recordingPoster({ ...(options.slackFailure ? { failWith: options.slackFailure } : {}), ...(options.privateChannels ? { privateChannels: options.privateChannels } : {}) });
  const logger = recordingLogger();
  const store = fakeParameterStore(ssm, options.markers);
  const handler = makeHandler({
    config,
    logger,
    cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
    ssm: new SSMClient({ region: 'eu-west-1' }),
    ec2: new EC2Client({ region: 'eu-west-1' }),
    slack,
    dispatchNotifier: (job) => dispatchNotifierJob(new LambdaClient({ region: 'eu-west-1' }), config.notifierFunctionName, job),
    now: () => new Date('2026-11-28T09:06:11Z'),
    sleep: async () => {},
    workWaitMs: 0,
  });
  return { slack, logger, store, handler, handle: (name: string) => handler(cloudFormationEvent(name)) };
}

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 28, 9, 0, seconds));

function stackEvent(logicalId: string, type: string, status: string, reason: string, time: Date, physicalId = `${logicalId}-physical`): StackEvent {
  return { StackId: STACK_ID, StackName: 'team-ide-test-ides', EventId: `${logicalId}-${status}`, LogicalResourceId: logicalId, PhysicalResourceId: physicalId, ResourceType: type, ResourceStatus: status as StackEvent['ResourceStatus'], ResourceStatusReason: reason, Timestamp: time };
}

const stackItself = (status: string, reason: string, time: Date) => stackEvent('team-ide-test-ides', 'AWS::CloudFormation::Stack', status, reason, time, STACK_ID);

/** A failed create as DescribeStackEvents returns it: newest first. */
const failedCreateEvents: StackEvent[] = [
  stackItself('ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to create: [HostReady, DevPassword2]. Rollback requested by user.', at(370)),
  stackEvent('DevPassword2', 'AWS::SecretsManager::Secret', 'CREATE_FAILED', 'Resource creation cancelled', at(369)),
  stackEvent('DnsRecord1', 'AWS::Route53::RecordSet', 'CREATE_FAILED', 'Resource handler returned message: "Invalid request"', at(368)),
  stackEvent('HostReady', 'AWS::CloudFormation::WaitCondition', 'CREATE_FAILED', 'Failed to receive 1 resource signal(s) within the specified duration', at(365)),
  stackEvent('Instance', 'AWS::EC2::Instance', 'CREATE_COMPLETE', '', at(40)),
  stackEvent('Instance', 'AWS::EC2::Instance', 'CREATE_IN_PROGRESS', '', at(12)),
  stackItself('CREATE_IN_PROGRESS', 'User Initiated', at(0)),
];

const doesNotExist = () => new CloudFormationServiceException({ name: 'ValidationError', message: 'Stack with id x does not exist', $fault: 'client', $metadata: {} });

describe('stack-events', () => {
  beforeEach(() => {
    cloudFormation.reset();
    ssm.reset();
    lambda.reset();
    cloudFormation.on(DescribeStackEventsCommand).resolves({ StackEvents: failedCreateEvents });
    cloudFormation.on(DeleteStackCommand).resolves({});
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  });

  describe('CREATE_COMPLETE', () => {
    it('invokes the notifier asynchronously with the stack id', async () => {
      const { slack, handle } = setup();

      await handle('create-complete');

      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
      const { input } = lambda.commandCalls(InvokeCommand)[0]!.args[0];
      expect(input).toMatchObject({ FunctionName: 'team-ide-test-notifier', InvocationType: 'Event' });
      expect(JSON.parse(Buffer.from(input.Payload as Uint8Array).toString())).toEqual({ stackId: STACK_ID });
      expect(slack.posts).toEqual([]);
    });

    it('throws when the notifier cannot be invoked, so Lambda retries the event', async () => {
      lambda.on(InvokeCommand).rejects(new Error('Rate exceeded'));
      const { handle, logger } = setup();

      await expect(handle('create-complete')).rejects.toThrow('Rate exceeded');
      expect(logger.entries.some((entry) => entry.level === 'error' && entry.message === 'Stack event failed')).toBe(true);
    });
  });

  describe('a failed start', () => {
    it('posts the first failed resource and its reason to the channel, naming who asked, as soon as the rollback begins', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('ROLLBACK_IN_PROGRESS')] });
      const { slack, handle } = setup();

      await handle('rollback-in-progress');

      expect(slack.posts).toHaveLength(1);
      expect(slack.posts[0]!.channel).toBe('C0000TEAM');
      const text = slack.text();
      expect(text).toContain('<@U0000LEAD>');
      expect(text).toContain('*HostReady* (AWS::CloudFormation::WaitCondition, `HostReady-physical`) failed: Failed to receive 1 resource signal(s) within the specified duration');
      expect(text).not.toContain('DnsRecord1');
      expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
    });

    it('deletes the stack by its id once the rollback is complete, without posting the failure again', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('ROLLBACK_COMPLETE')] });
      const { slack, handle } = setup();
      await handle('rollback-in-progress');

      await handle('rollback-complete');

      expect(slack.posts).toHaveLength(1);
      expect(cloudFormation).toHaveReceivedCommandExactlyOnceWith(DeleteStackCommand, { StackName: STACK_ID });
    });

    it.each(['rollback-complete', 'create-failed'])('reports and deletes on %s alone', async (name) => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack(name === 'create-failed' ? 'CREATE_FAILED' : 'ROLLBACK_COMPLETE')] });
      const { slack, handle } = setup();

      await handle(name);

      expect(slack.posts).toHaveLength(1);
      expect(slack.text()).toContain('HostReady');
      expect(cloudFormation).toHaveReceivedCommandExactlyOnceWith(DeleteStackCommand, { StackName: STACK_ID });
    });

    it('posts once and deletes once when EventBridge delivers the same event twice', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('ROLLBACK_COMPLETE')] });
      const { slack, handle } = setup();

      await handle('rollback-complete');
      await handle('rollback-complete');

      expect(slack.posts).toHaveLength(1);
      expect(cloudFormation).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
    });

    it('falls back on the status reason when no resource failed', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('ROLLBACK_COMPLETE')] });
      cloudFormation.on(DescribeStackEventsCommand).resolves({
        StackEvents: [stackItself('ROLLBACK_IN_PROGRESS', 'Transform AWS::LanguageExtensions failed with: Fn::ForEach <Slots> is empty', at(3)), stackItself('CREATE_IN_PROGRESS', 'User Initiated', at(0))],
      });
      const { slack, handle } = setup();

      await handle('create-failed');

      expect(slack.text()).toContain('CloudFormation says: The following resource(s) failed to create: [HostReady]. ');
    });

    it('tells the channel when the failed stack cannot be deleted', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('ROLLBACK_COMPLETE')] });
      cloudFormation.on(DeleteStackCommand).rejects(new CloudFormationServiceException({ name: 'AccessDenied', message: 'not authorized to perform: cloudformation:DeleteStack', $fault: 'client', $metadata: { requestId: 'req-9' } }));
      const { slack, handle } = setup();

      await handle('rollback-complete');

      expect(slack.posts).toHaveLength(2);
      const notRemoved = JSON.stringify(slack.posts[1]);
      expect(notRemoved).toContain('I could not delete the run <@U0000LEAD> started');
      expect(notRemoved).toContain('AccessDenied');
      expect(notRemoved).toContain('team-ide-test-ides in the CloudFormation console>');
    });

    it('tells the lead directly when the bot is not in the run\'s private channel, saying how to invite it', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('ROLLBACK_IN_PROGRESS')] });
      const { slack, handle } = setup({ privateChannels: ['C0000TEAM'] });

      await handle('rollback-in-progress');

      expect(slack.posts.map((post) => post.channel)).toEqual(['U0000LEAD']);
      expect(slack.posts[0]!.message.text).toBe('The team IDEs <@U0000LEAD> asked for could not start.');
      expect(JSON.stringify(slack.posts[0]!.message.blocks)).toContain('I could not post this in <#C0000TEAM>: I am not a member of it. Invite <@U0000BOT1> there');
    });

    it('says nothing when a stop already deletes the stack that was starting', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('DELETE_IN_PROGRESS')] });
      const { slack, store, handle } = setup();

      await handle('create-failed');

      expect(slack.posts).toEqual([]);
      expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
      expect(store.size).toBe(0);
    });

    it('still deletes the stack when Slack refuses the message, and logs the refusal', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('ROLLBACK_COMPLETE')] });
      const { logger, handle } = setup({ slackFailure: new Error('Slack chat.postMessage failed: channel_not_found') });

      await handle('rollback-complete');

      expect(cloudFormation).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
      expect(logger.entries.some((entry) => entry.level === 'error' && entry.message === 'Could not post to the channel')).toBe(true);
    });
  });

  describe('DELETE_COMPLETE', () => {
    beforeEach(() => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('DELETE_COMPLETE', { DeletionTime: new Date('2026-11-28T17:01:30Z') })] });
    });

    it('posts "stopped" in the channel and removes the run\'s markers', async () => {
      const { slack, store, handle } = setup({ markers: { [`${markers}/notified`]: '2026-11-28T09:02:42Z' } });

      await handle('delete-complete');

      expect(slack.posts).toHaveLength(1);
      expect(slack.posts[0]!.channel).toBe('C0000TEAM');
      expect(slack.posts[0]!.message.text).toBe('The team IDEs <@U0000LEAD> started are stopped and deleted.');
      expect([...store.keys()]).toEqual([`${markers}/stopped`]);
    });

    it('says the next start works again after a failed start', async () => {
      const { slack, handle } = setup({ markers: { [`${markers}/failure-reported`]: 't', [`${markers}/delete-retry`]: '1 2026-11-28T09:06:00.000Z' } });

      await handle('delete-complete');

      expect(slack.posts[0]!.message.text).toContain('is cleaned up: `/ide start` works again');
    });

    it('posts once when the event comes twice', async () => {
      const { slack, handle } = setup();

      await handle('delete-complete');
      await handle('delete-complete');

      expect(slack.posts).toHaveLength(1);
    });

    it('removes the markers of earlier stopped runs and leaves those of a run that is starting', async () => {
      const earlier = '/team-ide-test/runs/11111111-2222-4333-8444-555555555555';
      const next = '/team-ide-test/runs/99999999-8888-4777-8666-555555555555';
      const { store, handle } = setup({
        markers: { [`${earlier}/notified`]: 't', [`${earlier}/stopped`]: 't', [`${next}/notified`]: 't', [`${markers}/notified`]: 't' },
      });

      await handle('delete-complete');

      expect([...store.keys()].sort()).toEqual([`${markers}/stopped`, `${next}/notified`]);
    });
  });

  describe('DELETE_COMPLETE of a run that kept its homes', () => {
    const withWork = (work: string) => ({ Tags: [...(runStack('DELETE_COMPLETE').Tags ?? []), { Key: 'team-ide:work', Value: work }] });
    const volume = 'vol-0a1b2c3d4e5f60718';
    const snapshotId = 'snap-0a1b2c3d4e5f60718';

    beforeEach(() => {
      ec2.reset();
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('DELETE_COMPLETE', withWork('blank'))] });
      cloudFormation.on(DescribeStackResourceCommand).resolves({
        StackResourceDetail: { LogicalResourceId: 'DataVolume', PhysicalResourceId: volume, ResourceType: 'AWS::EC2::Volume', ResourceStatus: 'DELETE_COMPLETE', LastUpdatedTimestamp: new Date('2026-11-28T09:06:00Z') },
      });
      ec2.on(DescribeSnapshotsCommand).resolves({
        Snapshots: [{ SnapshotId: snapshotId, VolumeId: volume, State: 'completed', Progress: '100%', StartTime: new Date('2026-11-28T09:05:50Z'), VolumeSize: 20, FullSnapshotSizeInBytes: 3 * 1024 ** 3 }],
      });
      ec2.on(CreateTagsCommand).resolves({});
      ec2.on(DeleteSnapshotCommand).resolves({});
    });

    it('says the work was saved, and when, once the snapshot is claimed', async () => {
      const { slack, store, handle } = setup({ markers: { [`${markers}/notified`]: '2026-11-28T09:02:42Z' } });

      await handle('delete-complete');

      expect(slack.text()).toContain(`:floppy_disk: Every home was saved at <!date^1795856750^{date_short_pretty} {time}|2026-11-28T09:05:50Z> (snapshot ${snapshotId}, 3.0 GiB)`);
      expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: [snapshotId] });
      expect(ec2).not.toHaveReceivedCommand(DeleteSnapshotCommand);
      expect(JSON.parse(store.get(`/team-ide-test/work/${STACK_UUID}/volume`) ?? '{}')).toMatchObject({ volumeId: volume });
    });

    it('drops the snapshot of a run that failed to start, and only says it is cleaned up', async () => {
      const { slack, handle } = setup({ markers: { [`${markers}/failure-reported`]: 't' } });

      await handle('delete-complete');

      expect(ec2).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: snapshotId });
      expect(slack.posts).toHaveLength(1);
      expect(slack.text()).toContain('is cleaned up');
      expect(slack.text()).not.toContain('floppy_disk');
    });

    it('keeps the work when the markers cannot be read, rather than taking the run for unused', async () => {
      const { slack, handle } = setup();
      ssm.on(GetParametersByPathCommand, { Path: '/team-ide-test/runs' }).rejects(new Error('SSM is down'));

      await handle('delete-complete');

      expect(ec2).not.toHaveReceivedCommand(DeleteSnapshotCommand);
      expect(slack.text()).toContain('Every home was saved');
    });

    it('says nothing of work for a run without a data volume (KEEP_WORK=false)', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('DELETE_COMPLETE', withWork('off'))] });
      const { slack, handle } = setup({ markers: { [`${markers}/notified`]: 't' } });

      await handle('delete-complete');

      expect(ec2.calls()).toEqual([]);
      expect(slack.posts[0]!.message.text).toBe('The team IDEs <@U0000LEAD> started are stopped and deleted.');
      expect(slack.text()).not.toContain('saved');
    });
  });

  describe('a data volume that could not be snapshotted', () => {
    it('says no work is lost, that the volume was kept, that the snapshot is tried again, and what to do', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('DELETE_FAILED')] });
      cloudFormation.on(DescribeStackEventsCommand).resolves({
        StackEvents: [
          stackItself('DELETE_FAILED', 'The following resource(s) failed to delete: [DataVolume]. ', at(600)),
          stackEvent('DataVolume', 'AWS::EC2::Volume', 'DELETE_FAILED', 'Snapshot creation failed', at(590), 'vol-0a1b2c3d4e5f60718'),
          stackEvent('Instance', 'AWS::EC2::Instance', 'DELETE_COMPLETE', '', at(580)),
          stackItself('DELETE_IN_PROGRESS', 'User Initiated', at(500)),
        ],
      });
      const { slack, handle } = setup();

      await handle('delete-failed');

      const text = slack.text();
      expect(text).toContain('*DataVolume* (AWS::EC2::Volume, `vol-0a1b2c3d4e5f60718`) failed: Snapshot creation failed');
      expect(text).toContain('CloudFormation kept their volume vol-0a1b2c3d4e5f60718: no work is lost');
      expect(text).toContain('I will try deleting it again in a minute, then less and less often (at most hourly); `/ide stop` tries now. Each try takes the snapshot again.');
      expect(text).toContain('keeping `DataVolume` (<https://eu-west-1.console.aws.amazon.com/cloudformation/home');
    });
  });

  describe('a start whose homes could not be restored', () => {
    it('names the snapshot and offers --fresh', async () => {
      const restored = { Key: 'team-ide:work', Value: 'restored snap-0a1b2c3d4e5f60718 2026-11-27T18:00:00.000Z' };
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('ROLLBACK_IN_PROGRESS', { Tags: [...(runStack('ROLLBACK_IN_PROGRESS').Tags ?? []), restored] })] });
      cloudFormation.on(DescribeStackEventsCommand).resolves({
        StackEvents: [
          stackItself('ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to create: [DataVolume].', at(30)),
          stackEvent('DataVolume', 'AWS::EC2::Volume', 'CREATE_FAILED', "The snapshot 'snap-0a1b2c3d4e5f60718' does not exist.", at(20), ''),
          stackItself('CREATE_IN_PROGRESS', 'User Initiated', at(0)),
        ],
      });
      const { slack, handle } = setup();

      await handle('rollback-in-progress');

      expect(slack.text()).toContain('could not be restored from the snapshot of <!date^1795802400^{date_short_pretty} {time}|2026-11-27T18:00:00Z> (snap-0a1b2c3d4e5f60718). `/ide start --fresh` starts with empty homes and keeps the snapshots');
    });
  });

  describe('DELETE_FAILED', () => {
    beforeEach(() => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('DELETE_FAILED')] });
      cloudFormation.on(DescribeStackEventsCommand).resolves({
        StackEvents: [
          stackItself('DELETE_FAILED', 'The following resource(s) failed to delete: [SecurityGroup]. ', at(600)),
          stackEvent('SecurityGroup', 'AWS::EC2::SecurityGroup', 'DELETE_FAILED', 'resource sg-0abc has a dependent object', at(590)),
          stackEvent('Instance', 'AWS::EC2::Instance', 'DELETE_COMPLETE', '', at(580)),
          stackItself('DELETE_IN_PROGRESS', 'User Initiated', at(500)),
          stackItself('CREATE_COMPLETE', '', at(200)),
          stackEvent('Old', 'AWS::EC2::Instance', 'CREATE_FAILED', 'an earlier failure that is not this one', at(100)),
        ],
      });
    });

    it('posts the reason of the latest deletion', async () => {
      const { slack, handle } = setup();

      await handle('delete-failed');

      expect(slack.posts).toHaveLength(1);
      const text = slack.text();
      expect(text).toContain('could not be deleted');
      expect(text).toContain('*SecurityGroup* (AWS::EC2::SecurityGroup, `SecurityGroup-physical`) failed: resource sg-0abc has a dependent object');
      expect(text).toContain('I will try deleting it again in a minute');
      expect(text).not.toContain('an earlier failure');
    });

    it('posts once per stop: not for the sweeper\'s retries, again after a later /ide stop', async () => {
      const { slack, store, handler, handle } = setup();
      const anotherFailure = () => handler({ ...cloudFormationEvent('delete-failed'), id: crypto.randomUUID() });

      await handle('delete-failed');
      await handle('delete-failed');
      await anotherFailure();
      store.delete(`${markers}/delete-failure-reported`); // what /ide stop does before it deletes again (run-stop.ts)
      await anotherFailure();

      expect(slack.posts).toHaveLength(2);
    });
  });

  describe('what is not ours', () => {
    it.each(['other-stack', 'resource-status-change'])('ignores %s without calling AWS or Slack', async (name) => {
      const { slack, logger, handle } = setup();

      await handle(name);

      expect(slack.posts).toEqual([]);
      expect(cloudFormation).not.toHaveReceivedAnyCommand();
      expect(lambda).not.toHaveReceivedAnyCommand();
      expect(ssm).not.toHaveReceivedAnyCommand();
      expect(logger.entries).toEqual([expect.objectContaining({ level: 'info', message: 'Event ignored' })]);
    });

    it('ignores a stack with our name that the launcher did not tag', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('ROLLBACK_COMPLETE', { Tags: [] })] });
      const { slack, handle } = setup();

      await handle('rollback-complete');

      expect(slack.posts).toEqual([]);
      expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
      expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
    });
  });

  it('throws before claiming anything when the stack cannot be read, so a retry starts afresh', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(new CloudFormationServiceException({ name: 'Throttling', message: 'Rate exceeded', $fault: 'client', $metadata: {} }));
    const { store, handle } = setup();

    await expect(handle('rollback-complete')).rejects.toThrow('Rate exceeded');
    expect(store.size).toBe(0);
  });

  it('treats a stack that vanished as not ours', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(doesNotExist());
    const { slack, handle } = setup();

    await handle('delete-failed');

    expect(slack.posts).toEqual([]);
  });
});
