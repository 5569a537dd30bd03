import { CloudFormationClient, DeleteStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DeleteParameterCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { ActionsBlock, Button } from '@slack/types';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { pressKeepRunning } from '../../shared/idle/idle-buttons';
import type { SeatStatus } from '../../shared/idle/seat-report';
import { pressStop } from '../../shared/runs/run-buttons';
import type { SlackMessage } from '../../shared/slack/slack-api';
import { loadConfig } from '../../shared/core/config';
import { validEnv } from '../fixtures';
import { type Post, runStack } from '../helpers/run-fixtures';
import { at, MARKERS, resetSweeperMocks, sweeperHarness, type SweeperHarnessOptions } from '../helpers/sweeper-harness';

const cloudFormation = mockClient(CloudFormationClient);
const ssm = mockClient(SSMClient);
const sqs = mockClient(SQSClient);

const RUN_ID = '6f1c2d3e-0000-4000-8000-000000000001';
/** The run's seat report (infra/team-stack.yaml, SeatReport): `/<stack name>/<RunId>/seats`. */
const REPORT = `/team-ide-test-ides/${RUN_ID}/seats`;
const MINUTE = 60_000;

type HostSeat = { status: SeatStatus; lastHeartbeat?: number };

/**
 * The sweeper of a run of slots 1, 2 and 5 that was ready (its developers emailed) at 09:03
 * and ends at 17:00, and its host: every minute it reports each seat as code-server's
 * /healthz answers, and SSM stamps the report with the time it took it. `minute()` moves the
 * clock a minute, lets the host report (unless it stopped), then ticks.
 */
function setup(options: SweeperHarnessOptions = {}) {
  cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE', { Parameters: [{ ParameterKey: 'RunId', ParameterValue: RUN_ID }] })] });
  const harness = sweeperHarness(ssm, { ...options, markers: { [`${MARKERS}/notified`]: '2026-11-28T09:03:00.000Z', ...options.markers } });
  const { clock } = harness;
  clock.now = at('09:03:00');
  const host = {
    reporting: true,
    seats: { 1: { status: 'expired' }, 2: { status: 'expired' }, 5: { status: 'expired' } } as Record<number, HostSeat>,
    value: '{"seats":[]}',
    receivedAt: at('09:00:40'),
  };
  ssm.on(GetParameterCommand, { Name: REPORT }).callsFake(() => ({ Parameter: { Name: REPORT, Type: 'String', Value: host.value, LastModifiedDate: host.receivedAt } }));
  const report = () => {
    if (!host.reporting) return;
    host.value = JSON.stringify({ seats: Object.entries(host.seats).map(([slot, seat]) => ({ slot: Number(slot), ...seat })) });
    host.receivedAt = clock.now;
  };
  const minute = async () => {
    clock.now = new Date(clock.now.getTime() + MINUTE);
    report();
    return harness.tick({});
  };
  /** Ticks minute by minute until `until` (inclusive) or the run stops; the outcomes by time. */
  const minutesUntil = async (until: string) => {
    const outcomes: { at: string; outcome: Awaited<ReturnType<typeof minute>> }[] = [];
    while (clock.now.getTime() < at(until).getTime()) {
      const outcome = await minute();
      outcomes.push({ at: clock.now.toISOString().slice(11, 19), outcome });
      if (outcome.action === 'stopped-idle') break;
    }
    return outcomes;
  };
  /** A seat's browser connects now (code-server: alive, heartbeat now) or leaves (expired, last heartbeat now). */
  const seat = (slot: number, status: 'alive' | 'expired') => {
    host.seats[slot] = { status, lastHeartbeat: clock.now.getTime() };
  };
  const press = (userId: string, button: Button) => ({ teamId: 'T0000TEAM', userId, value: button.value });
  /** What slack-interactions hands the buttons: the same clients and clock, its whole config. */
  const buttonDeps = { ...harness.deps, config: loadConfig(validEnv(options.env)) };
  return { ...harness, host, report, minute, minutesUntil, seat, press, buttonDeps };
}

const buttonsOf = (message: SlackMessage | undefined): Button[] => ((message?.blocks?.find((block) => block.type === 'actions') as ActionsBlock | undefined)?.elements ?? []) as Button[];
const idleWarnings = (posts: Post[]) => posts.filter((post) => buttonsOf(post.message).some((button) => button.action_id === 'keep_running'));

describe('sweeper: the idle stop', () => {
  beforeEach(() => {
    resetSweeperMocks(cloudFormation, ssm, sqs);
  });

  it('warns IDLE_MINUTES after the run was ready when nobody opens an IDE, then stops it WARNING_MINUTES later', async () => {
    // Prepare: nobody ever opens an IDE (code-server: expired, lastHeartbeat 0).
    const { minutesUntil, slack, store } = setup();

    // Act: every minute from the run's readiness until it stops.
    const outcomes = await minutesUntil('12:00:00');

    // Assess: the warning at 09:33 (30 minutes), the stop at 09:48 (15 more), once each.
    const warnedAt = outcomes.find((entry) => 'idle' in entry.outcome && entry.outcome.idle === 'warned')?.at;
    const stopped = outcomes.at(-1);
    expect(warnedAt).toBe('09:33:00');
    expect(stopped).toEqual({ at: '09:48:00', outcome: { action: 'stopped-idle', endsAt: '2026-11-28T17:00:00.000Z' } });
    expect(cloudFormation).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
    const [warning] = idleWarnings(slack.posts);
    expect(idleWarnings(slack.posts)).toHaveLength(1);
    expect(warning?.channel).toBe('C0000TEAM');
    expect(warning?.message.text).toMatch(/^Nobody has used the team IDEs <@U0000LEAD> started since <!date\^\d+\^\{date_short_pretty\} \{time\}\|2026-11-28T09:03:00Z> \(30 min\): they stop at .*2026-11-28T09:48:00Z>\.$/);
    expect(buttonsOf(warning?.message).map((button) => [button.action_id, button.text.text])).toEqual([['keep_running', 'Keep running'], ['stop_run', 'Stop now']]);
    // The warning becomes the news of the stop, without its buttons; the stop is the sweeper's, once.
    expect(slack.updates).toHaveLength(1);
    expect(slack.updates[0]?.posted).toEqual({ channel: 'C0000TEAM', ts: warning?.ts });
    expect(slack.updates[0]?.message.text).toContain('so they are being deleted');
    expect(buttonsOf(slack.updates[0]?.message)).toEqual([]);
    expect(store.get(`${MARKERS}/stopping`)).toBe('2026-11-28T09:48:00.000Z');
  });

  it('never warns or stops a run while one seat is in use, all day, until its end', async () => {
    const { minutesUntil, seat, slack, clock } = setup();
    clock.now = at('09:10:00');
    seat(2, 'alive');

    const outcomes = await minutesUntil('16:44:00');

    expect(idleWarnings(slack.posts)).toEqual([]);
    expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
    expect(outcomes.every((entry) => entry.outcome.action === 'waiting')).toBe(true);
  });

  it('edits the warning when someone connects after it, and warns again only after a new idle spell', async () => {
    // Prepare: warned at 09:33.
    const { minutesUntil, seat, slack, clock, store } = setup();
    await minutesUntil('09:33:00');
    expect(idleWarnings(slack.posts)).toHaveLength(1);

    // Act: dev-5 connects at 09:40 and leaves at 10:00.
    clock.now = at('09:39:00');
    seat(5, 'alive');
    const back = await minutesUntil('09:59:00');
    seat(5, 'expired');
    const after = await minutesUntil('11:00:00');

    // Assess: the warning edited once, no stop at 09:48; the next warning at 10:29 (30 minutes after
    // 09:59, dev-5's last heartbeat), the stop 15 minutes later.
    expect(back.find((entry) => 'idle' in entry.outcome && entry.outcome.idle === 'cancelled')?.at).toBe('09:40:00');
    expect(slack.updates[0]?.message.text).toBe('Someone is using the team IDEs <@U0000LEAD> started again (dev-5): they keep running.');
    expect(buttonsOf(slack.updates[0]?.message)).toEqual([]);
    expect(after.find((entry) => 'idle' in entry.outcome && entry.outcome.idle === 'warned')?.at).toBe('10:29:00');
    expect(after.at(-1)).toEqual({ at: '10:44:00', outcome: { action: 'stopped-idle', endsAt: '2026-11-28T17:00:00.000Z' } });
    expect(idleWarnings(slack.posts)).toHaveLength(2);
    expect(store.get(`${MARKERS}/idle-settled-${at('09:03:00').getTime()}`)).toBe('active 2026-11-28T09:40:00.000Z');
  });

  it('counts a visit the host saw only by its heartbeat, between two reports, as use', async () => {
    // Prepare: warned at 09:33.
    const { minutesUntil, host, slack } = setup();
    await minutesUntil('09:36:00');

    // Act: dev-1 opened at 09:36:20 and closed before the 09:37 report, which says expired since then.
    host.seats[1] = { status: 'expired', lastHeartbeat: at('09:36:20').getTime() };
    const after = await minutesUntil('10:30:00');

    // Assess: settled at 09:37, no stop at 09:48; warned again 30 minutes after the visit, stopped 15 later.
    expect(after.find((entry) => 'idle' in entry.outcome && entry.outcome.idle === 'cancelled')?.at).toBe('09:37:00');
    expect(slack.updates[0]?.message.text).toBe('Someone is using the team IDEs <@U0000LEAD> started again: they keep running.');
    expect(after.find((entry) => 'idle' in entry.outcome && entry.outcome.idle === 'warned')?.at).toBe('10:07:00');
    expect(after.at(-1)?.at).toBe('10:22:00');
    expect(cloudFormation).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
  });

  it('resets the idle clock once when "Keep running" is pressed twice', async () => {
    // Prepare: warned at 09:33.
    const { minutesUntil, slack, clock, buttonDeps, press, store } = setup();
    await minutesUntil('09:33:00');
    const keep = buttonsOf(idleWarnings(slack.posts)[0]?.message)[0] as Button;

    // Act: alice presses at 09:35, bob at 09:36, then nobody uses the run.
    clock.now = at('09:35:00');
    const first = await pressKeepRunning(buttonDeps, press('U0000AAA1', keep));
    clock.now = at('09:36:00');
    const second = await pressKeepRunning(buttonDeps, press('U0000LEAD', keep));
    const after = await minutesUntil('11:00:00');

    // Assess: one reset, from alice's press: the next warning at 10:05, the stop at 10:20.
    expect(first.mode).toBe('replace');
    expect(first.message.text).toBe('<@U0000AAA1> kept the team IDEs <@U0000LEAD> started running.');
    expect(JSON.stringify(first.message.blocks)).toContain('2026-11-28T10:05:00Z');
    expect(second).toEqual({ mode: 'ephemeral', message: expect.objectContaining({ text: 'Already kept running by <@U0000AAA1>: the idle clock starts again only once.' }) });
    expect(store.get(`${MARKERS}/idle-kept`)).toBe('2026-11-28T09:35:00.000Z');
    expect(after.find((entry) => 'idle' in entry.outcome && entry.outcome.idle === 'warned')?.at).toBe('10:05:00');
    expect(after.at(-1)?.at).toBe('10:20:00');
    expect(cloudFormation).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
  });

  it('lets "Keep running" win over a stop that comes after it, and a stop win over a late press', async () => {
    const { minutesUntil, slack, clock, buttonDeps, press } = setup();
    await minutesUntil('09:48:00');
    const keep = buttonsOf(idleWarnings(slack.posts)[0]?.message)[0] as Button;

    // The run stopped at 09:48: a press a moment later finds it gone.
    clock.now = at('09:48:10');
    const late = await pressKeepRunning(buttonDeps, press('U0000AAA1', keep));

    expect(late.mode).toBe('replace');
    expect(late.message.text).toMatch(/already stopped/);
    expect(cloudFormation).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
  });

  it('stops the run from the idle warning\'s "Stop now", as /ide stop does', async () => {
    const { minutesUntil, slack, buttonDeps, press } = setup();
    await minutesUntil('09:33:00');
    const stopNow = buttonsOf(idleWarnings(slack.posts)[0]?.message)[1] as Button;

    const reply = await pressStop(buttonDeps, press('U0000AAA1', stopNow));

    expect(reply.mode).toBe('replace');
    expect(reply.message.text).toContain('<@U0000AAA1> is stopping the team IDEs');
    expect(cloudFormation).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
  });

  it('treats a host that stopped reporting as unknown, never idle, and tells the channel once', async () => {
    // Prepare: the host reports until 09:20, then nothing.
    const { minutesUntil, host, slack } = setup();
    await minutesUntil('09:20:00');
    host.reporting = false;

    // Act
    const outcomes = await minutesUntil('12:00:00');

    // Assess: said at 09:25 (five minutes without a report), once; never warned, never stopped.
    expect(outcomes.find((entry) => 'idle' in entry.outcome && entry.outcome.idle === 'silence-reported')?.at).toBe('09:25:00');
    const said = slack.posts.filter((post) => post.message.text.includes('has not said which IDEs are in use'));
    expect(said).toHaveLength(1);
    expect(said[0]?.message.text).toContain('since <!date^');
    expect(said[0]?.message.text).toContain('2026-11-28T09:20:00Z>, so they will not stop for idleness');
    expect(idleWarnings(slack.posts)).toEqual([]);
    expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
  });

  it('does not stop a warned run whose host then stopped reporting', async () => {
    const { minutesUntil, host, slack } = setup();
    await minutesUntil('09:33:00');
    host.reporting = false;

    await minutesUntil('12:00:00');

    expect(idleWarnings(slack.posts)).toHaveLength(1);
    expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
    expect(slack.posts.filter((post) => post.message.text.includes('has not said which IDEs are in use'))).toHaveLength(1);
  });

  it('waits while a seat does not answer the host: unknown is never idle', async () => {
    const { minutesUntil, host, slack } = setup();
    host.seats[2] = { status: 'unreachable' };

    await minutesUntil('12:00:00');

    expect(idleWarnings(slack.posts)).toEqual([]);
    expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
  });

  it('does nothing with IDLE_MINUTES=0', async () => {
    const { minutesUntil, slack } = setup({ env: { IDLE_MINUTES: '0' } });

    await minutesUntil('12:00:00');

    expect(slack.posts).toEqual([]);
    expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
  });

  it('warns the lead directly where the bot may not post, and edits that message', async () => {
    const { minutesUntil, seat, slack, clock } = setup({ privateChannels: ['C0000TEAM'] });
    await minutesUntil('09:33:00');
    clock.now = at('09:39:00');
    seat(1, 'alive');

    await minutesUntil('09:40:00');

    expect(idleWarnings(slack.posts)[0]?.channel).toBe('U0000LEAD');
    expect(slack.updates[0]?.posted.channel).toBe('D0000LEAD');
  });

  it('posts the warning again at the next tick when Slack refused it, and stops only after it went out', async () => {
    const { minutesUntil, slack, deps, logger } = setup();
    const post = slack.postMessage.bind(slack);
    let refusals = 2;
    deps.slack = {
      ...slack,
      postMessage: async (channel, message) => {
        if (refusals-- > 0) throw new Error('Slack chat.postMessage failed: fatal_error');
        return post(channel, message);
      },
    };

    const outcomes = await minutesUntil('12:00:00');

    expect(logger.entries.filter((entry) => entry.message === 'Idle check failed')).toHaveLength(2);
    expect(idleWarnings(slack.posts)).toHaveLength(1);
    expect(outcomes.at(-1)?.at).toBe('09:50:00');
  });

  describe('a warning claimed by a tick that died before posting it', () => {
    const WARNING = `${MARKERS}/idle-warning`;
    /** The claim of a tick at 09:33 that never posted: idle since 09:03, warned at 09:33, nowhere. */
    const deadClaim = { [WARNING]: JSON.stringify({ idleSince: '2026-11-28T09:03:00.000Z', warnedAt: '2026-11-28T09:33:00.000Z' }) };

    it('is given up two minutes after the claim, and the warning goes out then', async () => {
      const { minutesUntil, slack, store } = setup({ markers: deadClaim });

      const outcomes = await minutesUntil('09:48:00');

      // Assess: nothing while the claim may be live; at 09:35 given up and warned; the stop 15 minutes later.
      expect(outcomes.find((entry) => 'idle' in entry.outcome && entry.outcome.idle === 'warned')?.at).toBe('09:35:00');
      expect(idleWarnings(slack.posts)).toHaveLength(1);
      expect(JSON.parse(store.get(WARNING) ?? '{}')).toMatchObject({ warnedAt: '2026-11-28T09:35:00.000Z', channel: 'C0000TEAM' });
      expect(store.has(`${MARKERS}/idle-takeover-${at('09:33:00').getTime()}-0`)).toBe(true);
      expect(outcomes.some((entry) => entry.outcome.action === 'stopped-idle')).toBe(false);
    });

    it('is given up by one of two overlapping ticks, and the channel is warned once', async () => {
      // Prepare: tick B reads the dead claim, then stalls; tick A reads it too and runs to its end.
      const { clock, report, slack, tick, store } = setup({ markers: deadClaim });
      clock.now = at('09:36:00');
      report();
      let reads = 0;
      let resumeB = () => undefined as void;
      const bStalled = new Promise<void>((resolve) => {
        resumeB = resolve;
      });
      ssm.on(GetParameterCommand, { Name: WARNING }).callsFake(async () => {
        const value = store.get(WARNING);
        reads += 1;
        if (reads === 1) await bStalled;
        return { Parameter: { Name: WARNING, Type: 'String', Value: value } };
      });

      // Act
      const b = tick({});
      while (reads === 0) await new Promise((resolve) => setImmediate(resolve));
      const a = await tick({});
      resumeB();
      const bOutcome = await b;

      // Assess: A gave the claim up and warned; B, holding the same dead claim, left A's warning alone.
      expect(a).toMatchObject({ idle: 'warned' });
      expect(bOutcome).not.toMatchObject({ idle: 'warned' });
      expect(idleWarnings(slack.posts)).toHaveLength(1);
      expect(ssm).toHaveReceivedCommandTimes(DeleteParameterCommand, 1);
      expect(JSON.parse(store.get(WARNING) ?? '{}')).toMatchObject({ warnedAt: '2026-11-28T09:36:00.000Z', channel: 'C0000TEAM' });
    });

    it('is given up once the tick that began to give it up is dead too', async () => {
      const takeover = `${MARKERS}/idle-takeover-${at('09:33:00').getTime()}-0`;
      const { clock, report, slack, tick, store } = setup({ markers: { ...deadClaim, [takeover]: '2026-11-28T09:35:00.000Z' } });
      clock.now = at('09:36:00');
      report();

      // Act: at 09:36 the takeover begun at 09:35 may still be at work; at 09:37 its tick is dead.
      const meanwhile = await tick({});
      clock.now = at('09:37:00');
      report();
      const after = await tick({});

      expect(meanwhile).not.toMatchObject({ idle: 'warned' });
      expect(after).toMatchObject({ idle: 'warned' });
      expect(idleWarnings(slack.posts)).toHaveLength(1);
      expect(store.has(`${MARKERS}/idle-takeover-${at('09:33:00').getTime()}-1`)).toBe(true);
    });
  });
});
