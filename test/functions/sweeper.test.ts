import {
  CloudFormationClient,
  CloudFormationServiceException,
  DeleteStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { ActionsBlock } from '@slack/types';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as makeLauncher } from '../../functions/launcher';
import { makeHandler } from '../../functions/sweeper';
import { loadConfig } from '../../shared/core/config';
import { createLogger } from '../../shared/core/logger';
import { validEnv } from '../fixtures';
import { recordingResponder } from '../helpers/recording-slack';
import { runStack, STACK_ID } from '../helpers/run-fixtures';
import { at, MARKERS, resetSweeperMocks, sweeperHarness, type SweeperHarnessOptions } from '../helpers/sweeper-harness';

const cloudFormation = mockClient(CloudFormationClient);
const ssm = mockClient(SSMClient);
const sqs = mockClient(SQSClient);
const config = loadConfig(validEnv());
const markers = MARKERS;
const notFound = () => new CloudFormationServiceException({ name: 'ValidationError', message: 'Stack with id team-ide-test-ides does not exist', $fault: 'client', $metadata: {} });

/** A sweeper of a run whose developers were emailed; its clock reads `clock.now`, which tests move instead of waiting. */
function setup(options: SweeperHarnessOptions = {}) {
  return sweeperHarness(ssm, { ...options, markers: { [`${markers}/notified`]: '2026-11-28T09:03:00.000Z', ...options.markers } });
}

const stackIs = (status: string, extra = {}) => cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack(status, extra)] });

describe('sweeper', () => {
  beforeEach(() => {
    resetSweeperMocks(cloudFormation, ssm, sqs);
  });

  it('returns quietly when nothing runs', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(notFound());
    const { tick, slack, logger } = setup();

    expect(await tick({})).toEqual({ action: 'idle' });
    expect(slack.posts).toEqual([]);
    expect(logger.entries.filter((entry) => entry.level !== 'debug')).toEqual([]);
    expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
  });

  it('does nothing to a run that is far from its end', async () => {
    stackIs('CREATE_COMPLETE');
    const { tick, slack } = setup();

    expect(await tick(undefined)).toEqual({ action: 'waiting', endsAt: '2026-11-28T17:00:00.000Z' });
    expect(slack.posts).toEqual([]);
    expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
  });

  describe('the warning', () => {
    it('is posted once, WARNING_MINUTES before the end, with the buttons', async () => {
      // Prepare
      stackIs('CREATE_COMPLETE');
      const { tick, slack, clock, store } = setup();
      clock.now = at('16:45:00');

      // Act: this tick and the next.
      const first = await tick({});
      clock.now = at('16:46:00');
      const second = await tick({});

      // Assess
      expect(first).toEqual({ action: 'warned', endsAt: '2026-11-28T17:00:00.000Z' });
      expect(second).toEqual({ action: 'waiting', endsAt: '2026-11-28T17:00:00.000Z' });
      expect(slack.posts).toHaveLength(1);
      expect(slack.posts[0]?.channel).toBe('C0000TEAM');
      expect(slack.posts[0]?.message.text).toContain('stop in 15 min');
      const buttons = (slack.posts[0]?.message.blocks?.find((block) => block.type === 'actions') as ActionsBlock).elements;
      expect(buttons.map((button) => ('action_id' in button ? button.action_id : ''))).toEqual(['extend_run', 'stop_run']);
      expect(store.has(`${markers}/warned-20261128T170000Z`)).toBe(true);
    });

    it('honours WARNING_MINUTES', async () => {
      stackIs('CREATE_COMPLETE');
      const { tick, slack, clock } = setup({ env: { WARNING_MINUTES: '30' } });
      clock.now = at('16:30:00');

      await tick({});

      expect(slack.posts[0]?.message.text).toContain('stop in 30 min');
    });

    it('comes again before the new end once the run was extended', async () => {
      stackIs('CREATE_COMPLETE');
      const { tick, slack, clock } = setup({ markers: { [`${markers}/warned-20261128T170000Z`]: 't', [`${markers}/ends-at`]: '2026-11-28T19:00:00.000Z' } });
      clock.now = at('16:50:00');
      await tick({});
      clock.now = at('18:45:00');

      await tick({});

      expect(slack.posts).toHaveLength(1);
      expect(slack.posts[0]?.message.text).toContain('2026-11-28T19:00:00Z');
    });

    it('is not posted while the run is still starting', async () => {
      stackIs('CREATE_IN_PROGRESS');
      const { tick, slack, clock } = setup();
      clock.now = at('16:50:00');

      expect((await tick({})).action).toBe('waiting');
      expect(slack.posts).toEqual([]);
    });

    it('is tried again on the next tick when Slack refused it', async () => {
      stackIs('CREATE_COMPLETE');
      const failing = setup({ slackFailure: new Error('channel_not_found') });
      failing.clock.now = at('16:45:00');
      await expect(failing.tick({})).rejects.toThrow('channel_not_found');
      expect(failing.store.has(`${markers}/warned-20261128T170000Z`)).toBe(false);
    });

    it('offers no Extend button when the run already lives MAX_HOURS', async () => {
      stackIs('CREATE_COMPLETE');
      const { tick, slack, clock } = setup({ env: { MAX_HOURS: '8' } });
      clock.now = at('16:45:00');

      await tick({});

      expect(JSON.stringify(slack.posts[0]?.message.blocks)).not.toContain('extend_run');
    });
  });

  describe('the end', () => {
    it('deletes the stack by its id and tells the channel, once', async () => {
      // Prepare
      stackIs('CREATE_COMPLETE');
      const { tick, slack, clock, store } = setup();
      clock.now = at('17:00:00');

      // Act: the tick at the end, then one while CloudFormation deletes.
      const first = await tick({});
      stackIs('DELETE_IN_PROGRESS');
      clock.now = at('17:01:00');
      const second = await tick({});

      // Assess
      expect(first).toEqual({ action: 'stopped', endsAt: '2026-11-28T17:00:00.000Z' });
      expect(second).toEqual({ action: 'ignored', status: 'DELETE_IN_PROGRESS' });
      expect(cloudFormation).toHaveReceivedCommandExactlyOnceWith(DeleteStackCommand, { StackName: STACK_ID });
      expect(slack.posts).toHaveLength(1);
      expect(slack.posts[0]?.message.text).toContain('reached their end at <!date^1795885200');
      expect(slack.posts[0]?.message.text).toContain('are being deleted');
      expect(store.get(`${markers}/end-20261128T170000Z`)).toBe('reached');
      expect(store.get(`${markers}/stopping`)).toBe('2026-11-28T17:00:00.000Z');
    });

    it('ends a run at its creation plus MAX_HOURS though a marker and its tags say year 9999', async () => {
      // Prepare: created 2026-11-28 09:00, MAX_HOURS 24, whatever the tags and the marker claim.
      stackIs('CREATE_COMPLETE', {
        Tags: runStack('CREATE_COMPLETE').Tags?.map((tag) => (tag.Key === 'team-ide:ends-at' ? { ...tag, Value: '9999-12-31T23:59:59.000Z' } : tag.Key === 'team-ide:hours' ? { ...tag, Value: '87600' } : tag)),
      });
      const { tick, clock, slack } = setup({ markers: { [`${markers}/ends-at`]: '9999-12-31T23:59:59.000Z' } });

      // Act: a minute before, at, and after the cap.
      clock.now = new Date('2026-11-29T08:59:00Z');
      const before = await tick({});
      clock.now = new Date('2026-11-29T09:00:00Z');
      const atCap = await tick({});

      // Assess
      expect(before).toEqual({ action: 'warned', endsAt: '2026-11-29T09:00:00.000Z' });
      expect(atCap).toEqual({ action: 'stopped', endsAt: '2026-11-29T09:00:00.000Z' });
      expect(cloudFormation).toHaveReceivedCommandExactlyOnceWith(DeleteStackCommand, { StackName: STACK_ID });
      expect(JSON.stringify(slack.posts[0]?.message.blocks)).not.toContain('extend_run');
    });

    it('deletes once when two ticks overlap', async () => {
      stackIs('CREATE_COMPLETE');
      const { deps, slack } = setup();
      deps.now = () => at('17:00:30');

      const outcomes = await Promise.all([makeHandler(deps)({}), makeHandler(deps)({})]);

      expect(outcomes.map((outcome) => outcome.action).sort()).toEqual(['already-stopping', 'stopped']);
      expect(cloudFormation).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
      expect(slack.posts).toHaveLength(1);
    });

    it('makes one deletion and one message when /ide stop races it', async () => {
      // Prepare: the launcher and the sweeper share the markers, as in AWS.
      stackIs('CREATE_COMPLETE');
      const { tick, slack, clock } = setup();
      clock.now = at('17:00:00');
      const responder = recordingResponder();
      const launcher = makeLauncher({
        config,
        loadRoster: async () => config.roster,
        logger: createLogger('launcher-test'),
        cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
        ssm: new SSMClient({ region: 'eu-west-1' }),
        ec2: new EC2Client({ region: 'eu-west-1' }),
        lambda: new LambdaClient({ region: 'eu-west-1' }),
        slack: responder,
        templateBody: '',
        now: () => clock.now,
        sleep: async () => {},
        workWaitMs: 0,
        newRunId: () => 'unused',
        lookUpUser: async () => undefined,
      });
      const requester = { teamId: 'T0000TEAM', userId: 'U0000LEAD', userName: 'lead', channelId: 'C0000TEAM', responseUrl: 'https://hooks.slack.com/commands/T0000TEAM/1/abc' };

      // Act
      await Promise.all([tick({}), launcher({ action: 'stop', requester })]);

      // Assess: one DeleteStack; one of the two told the channel, the other was told "already stopping" or nothing.
      expect(cloudFormation).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
      const channelMessages = slack.posts.length + responder.responses.filter((response) => response.visibility === 'in_channel').length;
      expect(channelMessages).toBe(1);
    });

    it('stops a run still starting at its end, saying no emails will go out', async () => {
      stackIs('CREATE_IN_PROGRESS');
      const { tick, slack, clock } = setup();
      clock.now = at('17:00:00');

      expect((await tick({})).action).toBe('stopped');
      expect(JSON.stringify(slack.posts[0]?.message.blocks)).toContain('It was still starting');
    });

    it('stops a run the sweeper first sees long after its end, without warning first', async () => {
      stackIs('CREATE_COMPLETE');
      const { tick, slack, clock } = setup();
      clock.now = at('23:10:00');

      expect((await tick({})).action).toBe('stopped');
      expect(slack.posts).toHaveLength(1);
    });

    it('still stops a run whose end tag was lost, at its hours after its creation', async () => {
      stackIs('CREATE_COMPLETE', { Tags: runStack('CREATE_COMPLETE').Tags?.filter((tag) => tag.Key !== 'team-ide:ends-at') });
      const { tick, clock } = setup();
      clock.now = at('16:59:00');
      expect((await tick({})).action).toBe('warned');
      clock.now = at('17:00:00');

      expect((await tick({})).action).toBe('stopped');
    });

    it('does not stop a run extended a moment before its end, and writes the new end should the press have died before it', async () => {
      stackIs('CREATE_COMPLETE');
      const { tick, clock, store } = setup({ markers: { [`${markers}/end-20261128T170000Z`]: 'extended 2026-11-28T19:00:00.000Z' } });
      clock.now = at('17:00:10');

      expect(await tick({})).toEqual({ action: 'waiting', endsAt: '2026-11-28T19:00:00.000Z' });
      expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
      expect(store.get(`${markers}/ends-at`)).toBe('2026-11-28T19:00:00.000Z');
    });

    it('takes over a stop that died between its claim and its DeleteStack', async () => {
      stackIs('CREATE_COMPLETE');
      const { tick, clock, logger } = setup({ markers: { [`${markers}/end-20261128T170000Z`]: 'reached', [`${markers}/stopping`]: '2026-11-28T17:00:00.000Z' } });
      clock.now = at('17:05:00');

      expect((await tick({})).action).toBe('stopped');
      expect(cloudFormation).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
      expect(logger.entries.some((entry) => entry.message === 'Stale stop claim taken over')).toBe(true);
    });

    it('leaves alone a stack the launcher did not make, whatever its state', async () => {
      stackIs('CREATE_COMPLETE', { Tags: [] });
      const { tick, clock } = setup();
      clock.now = at('23:00:00');
      expect(await tick({})).toEqual({ action: 'ignored', status: 'CREATE_COMPLETE' });
      stackIs('ROLLBACK_COMPLETE', { Tags: [] });
      expect(await tick({})).toEqual({ action: 'ignored', status: 'ROLLBACK_COMPLETE' });

      expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
    });
  });

  it('logs and throws when CloudFormation cannot be read, for the next tick to retry', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(new Error('socket hang up'));
    const { tick, logger } = setup();

    await expect(tick({})).rejects.toThrow('socket hang up');
    expect(logger.entries.some((entry) => entry.level === 'error' && entry.message === 'Sweep failed')).toBe(true);
  });
});
