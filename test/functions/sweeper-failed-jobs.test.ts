import { CloudFormationClient, DescribeStackEventsCommand, DescribeStackResourceCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateTagsCommand, DeleteSnapshotCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DeleteMessageCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { readFailedJob } from '../../shared/runs/failed-jobs';
import { loadConfig } from '../../shared/core/config';
import { validEnv } from '../fixtures';
import { failedJobRecord, runStack, STACK_ID, STACK_UUID } from '../helpers/run-fixtures';
import { at, MARKERS, sweeperHarness, type SweeperHarnessOptions } from '../helpers/sweeper-harness';

const cloudFormation = mockClient(CloudFormationClient);
const ssm = mockClient(SSMClient);
const sqs = mockClient(SQSClient);
const ec2 = mockClient(EC2Client);
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/team-ide-test-failed-jobs';

let received = 0;
/** The queue holds these records, each read as often as `reads` says (ApproximateReceiveCount). */
function queueHolds(bodies: string[], reads = 1) {
  const messages: Message[] = bodies.map((Body, index) => ({ MessageId: `m-${index}`, ReceiptHandle: `rh-${index}`, Body, Attributes: { ApproximateReceiveCount: String(reads) } }));
  sqs.on(ReceiveMessageCommand).callsFake(() => {
    received++;
    return { Messages: received === 1 ? messages : [] };
  });
}
const deleted = () => sqs.commandCalls(DeleteMessageCommand).map((call) => call.args[0].input.ReceiptHandle);

function setup(options: SweeperHarnessOptions = {}) {
  // A run far from its end and its warning: the cost guard does nothing, only the failed jobs are answered.
  const harness = sweeperHarness(ssm, options);
  harness.clock.now = at('09:05:00');
  return harness;
}

describe('the failed-jobs queue, read by the sweeper', () => {
  beforeEach(() => {
    cloudFormation.reset();
    ssm.reset();
    sqs.reset();
    received = 0;
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE')] });
    // Ready at 09:03, two minutes before the tick: the sweeper's own grace period has not run out.
    cloudFormation.on(DescribeStackEventsCommand).resolves({ StackEvents: [{ StackId: STACK_ID, StackName: 'team-ide-test-ides', EventId: 'e-1', PhysicalResourceId: STACK_ID, ResourceStatus: 'CREATE_COMPLETE', Timestamp: at('09:03:00') }] });
    sqs.on(DeleteMessageCommand).resolves({});
  });

  describe('a notifier job that failed all its attempts', () => {
    it('runs the notifier again at once, marked as the repair, and deletes the record', async () => {
      // Prepare
      queueHolds([failedJobRecord('notifier-retries-exhausted')]);
      const { tick, notifierJobs, logger, slack } = setup();

      // Act
      const outcome = await tick({});

      // Assess
      expect(notifierJobs).toEqual([{ stackId: STACK_ID, repair: true }]);
      expect(slack.posts).toEqual([]);
      expect(outcome).toMatchObject({ failedJobs: 1 });
      expect(deleted()).toEqual(['rh-0']);
      expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, { QueueUrl: QUEUE_URL, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
      expect(logger.entries.find((entry) => entry.message === 'Failed job')?.fields).toMatchObject({
        kind: 'notifier',
        functionName: 'team-ide-test-notifier',
        condition: 'RetriesExhausted',
        attempts: 2,
        errorType: 'StackRequestError',
        job: { stackId: STACK_ID },
        errorId: expect.stringMatching(/^[0-9a-f]{8}$/),
      });
    });

    it('tells the channel once, with an id to look up, when the repair failed as well', async () => {
      const repairFailed = failedJobRecord('notifier-retries-exhausted', (record) => {
        record.requestPayload.repair = true;
      });
      queueHolds([repairFailed, repairFailed]);
      const { tick, notifierJobs, slack } = setup({ markers: { [`${MARKERS}/notify-repair`]: '2026-11-28T09:03:30.000Z' } });

      await tick({});

      expect(notifierJobs).toEqual([]);
      expect(slack.posts).toHaveLength(1);
      expect(slack.posts[0]!.message.text).toBe('The team IDEs <@U0000LEAD> started are up, but I could not finish sending the emails.');
      expect(slack.text()).toMatch(/give this id to whoever runs team-ide: `[0-9a-f]{8}`/);
      expect(deleted()).toEqual(['rh-0', 'rh-1']);
    });

    it('does nothing for a run that was notified since, or is no longer up', async () => {
      queueHolds([failedJobRecord('notifier-retries-exhausted')]);
      const notified = setup({ markers: { [`${MARKERS}/notified`]: 't' } });
      await notified.tick({});
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('DELETE_IN_PROGRESS')] });
      received = 0;
      const stopped = setup();

      await stopped.tick({});

      expect([...notified.notifierJobs, ...stopped.notifierJobs]).toEqual([]);
      expect([...notified.slack.posts, ...stopped.slack.posts]).toEqual([]);
      expect(deleted()).toEqual(['rh-0', 'rh-0']);
    });
  });

  describe('a launcher job that stopped before it answered', () => {
    it('tells the person who typed the command, through its response_url, and never logs the URL', async () => {
      queueHolds([failedJobRecord('launcher-timeout')]);
      const { tick, responder, logger } = setup();

      await tick({});

      expect(responder.responses).toEqual([
        expect.objectContaining({ responseUrl: 'https://hooks.slack.com/commands/T0000TEAM/1111/secretpart', visibility: 'ephemeral', text: expect.stringMatching(/^Sorry, your `\/ide start` did not finish: team-ide's launcher stopped before it could answer\. `\/ide status` shows whether the run started/) }),
      ]);
      expect(logger.text()).not.toContain('secretpart');
      expect(logger.entries.find((entry) => entry.message === 'Failed job')?.fields).toMatchObject({ kind: 'launcher', action: 'start', userId: 'U0000LEAD', errorMessage: expect.stringContaining('Task timed out after 30.03 seconds') });
    });

    it('writes to the person directly once the response_url is spent', async () => {
      queueHolds([failedJobRecord('launcher-timeout')]);
      const { tick, responder, slack } = setup();
      vi.spyOn(responder, 'respond').mockRejectedValue(new Error('Slack response_url failed: http_404'));

      await tick({});

      expect(slack.posts.map((post) => post.channel)).toEqual(['U0000LEAD']);
      expect(slack.posts[0]!.message.text).toContain('did not finish');
    });

    it('posts nothing to a response_url that is not Slack\'s', async () => {
      queueHolds([
        failedJobRecord('launcher-timeout', (record) => {
          record.requestPayload.requester.responseUrl = 'https://attacker.example.com/collect';
        }),
      ]);
      const { tick, responder, slack, logger } = setup();

      await tick({});

      expect(responder.responses).toEqual([]);
      expect(slack.posts).toEqual([]);
      expect(logger.entries.find((entry) => entry.message === 'Failed job')?.fields).toMatchObject({ kind: 'unknown', why: 'not a launcher job' });
      expect(deleted()).toEqual(['rh-0']);
    });
  });

  it('replays a stack-events job: the channel hears the run stopped, and its markers go', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('DELETE_COMPLETE')] });
    queueHolds([failedJobRecord('stack-events-delete-complete')]);
    const { tick, slack, store } = setup({ markers: { [`${MARKERS}/notified`]: 't', [`${MARKERS}/stopping`]: 't' } });

    await tick({});

    expect(slack.posts.map((post) => post.message.text)).toEqual(['The team IDEs <@U0000LEAD> started are stopped and deleted.']);
    expect([...store.keys()]).toEqual([`${MARKERS}/stopped`]);
  });

  it('replays the stop of a run that kept its homes: claims its snapshot, looks at it once, and says it is being saved', async () => {
    // Prepare: the snapshot of the run's volume is still pending; stack-events would have waited up to 4 minutes for it.
    ec2.reset();
    const volume = 'vol-0a1b2c3d4e5f60718';
    const snapshotId = 'snap-0a1b2c3d4e5f60718';
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('DELETE_COMPLETE', { Tags: [...(runStack('DELETE_COMPLETE').Tags ?? []), { Key: 'team-ide:work', Value: 'blank' }] })] });
    cloudFormation.on(DescribeStackResourceCommand).resolves({
      StackResourceDetail: { LogicalResourceId: 'DataVolume', PhysicalResourceId: volume, ResourceType: 'AWS::EC2::Volume', ResourceStatus: 'DELETE_COMPLETE', LastUpdatedTimestamp: at('09:04:00') },
    });
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: snapshotId, VolumeId: volume, State: 'pending', Progress: '40%', StartTime: at('09:03:50'), VolumeSize: 20 }] });
    ec2.on(CreateTagsCommand).resolves({});
    queueHolds([failedJobRecord('stack-events-delete-complete')]);
    const { tick, slack, store, deps } = setup({ markers: { [`${MARKERS}/notified`]: 't', [`${MARKERS}/stopping`]: 't' } });
    const sleep = vi.spyOn(deps, 'sleep');

    // Act
    await tick({});

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 1);
    expect(sleep).not.toHaveBeenCalled();
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: [snapshotId] });
    expect(ec2).not.toHaveReceivedCommand(DeleteSnapshotCommand);
    expect(slack.text()).toContain(`The homes are being saved (snapshot ${snapshotId} of`);
    expect(slack.text()).toContain('40% done)');
    expect(JSON.parse(store.get(`/team-ide-test/work/${STACK_UUID}/volume`) ?? '{}')).toMatchObject({ volumeId: volume });
  });

  describe('a certificate check that did not finish', () => {
    const CERTIFICATE_FUNCTION = 'arn:aws:lambda:eu-west-1:123456789012:function:team-ide-test-certificate:$LATEST';

    it('tells the certificate\'s channel once: that the check did not finish, Lambda\'s words, and the command to run it again', async () => {
      // Prepare: the daily run timed out (its schedule's event, Lambda's timeout record); CERTIFICATE_CHANNEL unset
      queueHolds([failedJobRecord('certificate-timeout')]);
      const { tick, slack, logger, notifierJobs, responder } = setup();

      // Act
      const outcome = await tick({});

      // Assess: to the first allowed channel, where the certificate function posts
      const logged = logger.entries.find((entry) => entry.message === 'Failed job');
      expect(logged?.fields).toMatchObject({ kind: 'certificate', reported: false, functionName: 'team-ide-test-certificate', requestId: '7c1e2f3a-9b8d-4c5e-a6f7-0812a3b4c5d6', condition: 'RetriesExhausted' });
      expect(slack.posts.map((post) => post.channel)).toEqual(['C0000TEAM']);
      const [post] = slack.posts;
      expect(post!.message.text).toBe(`The daily check of the HTTPS certificate for *.code.example.com, code.example.com did not finish (error id ${String(logged?.fields.errorId)}).`);
      expect(slack.text()).toContain('> Task timed out after 300.00 seconds');
      expect(slack.text()).not.toContain('7c1e2f3a');
      expect(slack.text()).toContain('`aws lambda invoke --function-name team-ide-test-certificate /dev/stdout`');
      expect(slack.text()).toContain('nothing was renewed');
      expect([...notifierJobs, ...responder.responses]).toEqual([]);
      expect(outcome).toMatchObject({ failedJobs: 1 });
      expect(deleted()).toEqual(['rh-0']);
    });

    it('tells CERTIFICATE_CHANNEL when it is set, with a crash as Lambda reports it', async () => {
      queueHolds([
        failedJobRecord('certificate-timeout', (record) => {
          record.responsePayload = { errorType: 'Runtime.ExitError', errorMessage: 'RequestId: 7c1e2f3a-9b8d-4c5e-a6f7-0812a3b4c5d6 Error: Runtime exited with error: signal: killed' };
        }),
      ]);
      const { tick, slack } = setup({ env: { CERTIFICATE_CHANNEL: 'C0000CERT' } });

      await tick({});

      expect(slack.posts.map((post) => post.channel)).toEqual(['C0000CERT']);
      expect(slack.text()).toContain('> Runtime.ExitError: Error: Runtime exited with error: signal: killed');
    });

    it('says Lambda gave up when the check never ran (an event too old, with no response)', async () => {
      queueHolds([
        failedJobRecord('certificate-timeout', (record) => {
          record.requestContext.condition = 'EventAgeExceeded';
          record.requestContext.approximateInvokeCount = 0;
          delete record.responsePayload;
        }),
      ]);
      const { tick, slack } = setup();

      await tick({});

      expect(slack.text()).toContain('> Lambda gave up on the run before it started (EventAgeExceeded).');
    });

    it('stays quiet about a check that told the channel itself before it failed', async () => {
      queueHolds([
        failedJobRecord('certificate-timeout', (record) => {
          record.responsePayload = { errorType: 'CertificateCheckReported', errorMessage: 'The certificate check failed and the channel was told (error id 0a1b2c3d): socket hang up' };
        }),
      ]);
      const { tick, slack, logger } = setup();

      await tick({});

      expect(slack.posts).toEqual([]);
      expect(logger.entries.find((entry) => entry.message === 'Failed job')?.fields).toMatchObject({ kind: 'certificate', reported: true });
      expect(logger.entries.some((entry) => entry.message === 'The certificate function told its channel itself')).toBe(true);
      expect(deleted()).toEqual(['rh-0']);
    });

    it('with no channel to tell (ALLOWED_CHANNELS=* and no CERTIFICATE_CHANNEL), logs it and drops the record', async () => {
      queueHolds([failedJobRecord('certificate-timeout')]);
      const { tick, slack, logger } = setup({ env: { ALLOWED_CHANNELS: '*' } });

      await tick({});

      expect(slack.posts).toEqual([]);
      expect(logger.entries.some((entry) => entry.level === 'warn' && entry.message === 'No channel to report to: set CERTIFICATE_CHANNEL')).toBe(true);
      expect(deleted()).toEqual(['rh-0']);
    });

    it('keeps the record for the next tick while Slack is down', async () => {
      queueHolds([failedJobRecord('certificate-timeout')]);
      const { tick } = setup({ slackFailure: new Error('Slack chat.postMessage failed: fatal_error') });

      await tick({});

      expect(deleted()).toEqual([]);
    });

    it('tells nobody of a record in another shape: a payload no schedule sends, or a function ARN that is not Lambda\'s', async () => {
      queueHolds([
        failedJobRecord('certificate-timeout', (record) => {
          record.requestPayload = { stackId: STACK_ID };
        }),
        failedJobRecord('certificate-timeout', (record) => {
          record.requestPayload.source = 'attacker.events';
        }),
        failedJobRecord('certificate-timeout', (record) => {
          record.requestContext.functionArn = 'x:x:x:x:x:function:team-ide-test-certificate';
        }),
        failedJobRecord('certificate-timeout', (record) => {
          record.requestContext.functionArn = CERTIFICATE_FUNCTION.replace('team-ide-test-certificate', 'team-ide-prod-certificate');
        }),
      ]);
      const { tick, slack, logger } = setup();

      await tick({});

      expect(slack.posts).toEqual([]);
      expect(logger.entries.filter((entry) => entry.message === 'Failed job').map((entry) => entry.fields.why)).toEqual([
        'not a certificate check',
        'not a certificate check',
        'not a job of this deployment',
        'not a job of this deployment',
      ]);
      expect(deleted()).toEqual(['rh-0', 'rh-1', 'rh-2', 'rh-3']);
    });
  });

  it('keeps a record whose answer failed for the next tick, and gives it up at the fifth read', async () => {
    const slackDown = new Error('Slack chat.postMessage failed: fatal_error');
    const repairFailed = failedJobRecord('notifier-retries-exhausted', (record) => {
      record.requestPayload.repair = true;
    });
    queueHolds([repairFailed], 4);
    const early = setup({ slackFailure: slackDown });
    await early.tick({});
    expect(deleted()).toEqual([]);
    expect(early.logger.entries.some((entry) => entry.message === 'Failed job kept for the next tick')).toBe(true);

    received = 0;
    queueHolds([repairFailed], 5);
    const late = setup({ slackFailure: slackDown });
    await late.tick({});

    expect(deleted()).toEqual(['rh-0']);
    expect(late.logger.entries.some((entry) => entry.level === 'error' && entry.message === 'Failed job given up')).toBe(true);
  });

  it('drops what is not a job of this deployment, saying so in the log only', async () => {
    queueHolds(['not json', failedJobRecord('notifier-retries-exhausted', (record) => (record.requestContext.functionArn = 'arn:aws:lambda:eu-west-1:123456789012:function:billing-prod-worker'))]);
    const { tick, slack, notifierJobs, logger } = setup();

    await tick({});

    expect(slack.posts).toEqual([]);
    expect(notifierJobs).toEqual([]);
    expect(logger.entries.filter((entry) => entry.message === 'Failed job').map((entry) => entry.fields.why)).toEqual(['not JSON', 'not a job of this deployment']);
    expect(deleted()).toEqual(['rh-0', 'rh-1']);
  });

  it('answers the failed jobs even when the cost guard cannot read the stack, and throws for the next tick', async () => {
    cloudFormation.on(DescribeStacksCommand).rejectsOnce(new Error('socket hang up')).resolves({ Stacks: [runStack('CREATE_COMPLETE')] });
    queueHolds([failedJobRecord('launcher-timeout')]);
    const { tick, responder } = setup();

    await expect(tick({})).rejects.toThrow('socket hang up');

    expect(responder.responses).toHaveLength(1);
  });
});

describe('readFailedJob', () => {
  const config = loadConfig(validEnv());

  it('reads each function\'s record as its job, checked as that function checks it', () => {
    expect(readFailedJob(failedJobRecord('notifier-retries-exhausted'), config)).toMatchObject({ kind: 'notifier', job: { stackId: STACK_ID } });
    expect(readFailedJob(failedJobRecord('launcher-timeout'), config)).toMatchObject({ kind: 'launcher', action: 'start', requester: { userId: 'U0000LEAD', channelId: 'C0000TEAM' } });
    expect(readFailedJob(failedJobRecord('stack-events-delete-complete'), config)).toMatchObject({ kind: 'stack-events', change: { stackId: STACK_ID, status: 'DELETE_COMPLETE' } });
    expect(readFailedJob(failedJobRecord('certificate-timeout'), config)).toMatchObject({ kind: 'certificate', reported: false, errorType: 'unknown' });
  });

  it('takes a certificate check run by hand with nothing in it, as `aws lambda invoke --invocation-type Event` sends it', () => {
    for (const payload of [{}, null, undefined]) {
      const byHand = failedJobRecord('certificate-timeout', (record) => {
        record.requestPayload = payload;
      });
      expect(readFailedJob(byHand, config)).toMatchObject({ kind: 'certificate' });
    }
    expect(readFailedJob(failedJobRecord('certificate-timeout', (record) => (record.requestPayload = { anything: 1 })), config)).toMatchObject({ kind: 'unknown', why: 'not a certificate check' });
  });

  it('takes a record that lost its response (an event too old to run) with the facts it has', () => {
    const tooOld = failedJobRecord('notifier-retries-exhausted', (record) => {
      record.requestContext.condition = 'EventAgeExceeded';
      delete record.responsePayload;
    });

    expect(readFailedJob(tooOld, config)).toMatchObject({ kind: 'notifier', condition: 'EventAgeExceeded', errorType: 'unknown', errorMessage: '' });
  });
});
