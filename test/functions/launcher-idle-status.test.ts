import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { EC2Client } from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/launcher';
import { loadConfig } from '../../shared/core/config';
import type { SlackRequester } from '../../shared/runs/launcher-job';
import { validEnv } from '../fixtures';
import { recordingResponder } from '../helpers/recording-slack';
import { fakeParameterStore, recordingLogger, runStack, STACK_UUID } from '../helpers/run-fixtures';

const cloudFormation = mockClient(CloudFormationClient);
const ssm = mockClient(SSMClient);
const RUN_ID = '6f1c2d3e-0000-4000-8000-000000000001';
const REPORT = `/team-ide-test-ides/${RUN_ID}/seats`;
const markers = `/team-ide-test/runs/${STACK_UUID}`;
const requester: SlackRequester = { teamId: 'T0000TEAM', userId: 'U0000LEAD', userName: 'lead', channelId: 'C0000TEAM', responseUrl: 'https://hooks.slack.com/commands/T0000TEAM/1/abc' };
const at = (time: string) => new Date(`2026-11-28T${time}Z`);
/** How the messages show a time (shared/slack/slack-format.ts slackTime). */
const shownTime = (time: string) => `<!date^${at(time).getTime() / 1000}^{date_short_pretty} {time}|2026-11-28T${time}Z>`;

/** `/ide status` at 10:00 of a run of slots 1, 2 and 5 ready at 09:03, with what its host last reported. */
async function status(report: { value: string; at: string }, options: { env?: Record<string, string>; markers?: Record<string, string> } = {}): Promise<string> {
  cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE', { Parameters: [{ ParameterKey: 'RunId', ParameterValue: RUN_ID }] })] });
  fakeParameterStore(ssm, { [`${markers}/notified`]: '2026-11-28T09:03:00.000Z', ...options.markers });
  ssm.on(GetParameterCommand, { Name: REPORT }).resolves({ Parameter: { Name: REPORT, Value: report.value, LastModifiedDate: at(report.at) } });
  const slack = recordingResponder();
  // Without saved work: the status reads no snapshot.
  const deployment = loadConfig(validEnv({ KEEP_WORK: 'false', ...options.env }));
  const handler = makeHandler({
    config: deployment,
    loadRoster: async () => deployment.roster,
    logger: recordingLogger(),
    cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
    ssm: new SSMClient({ region: 'eu-west-1' }),
    ec2: new EC2Client({ region: 'eu-west-1' }),
    lambda: new LambdaClient({ region: 'eu-west-1' }),
    slack,
    templateBody: '',
    now: () => at('10:00:00'),
    sleep: async () => undefined,
    workWaitMs: 0,
    newRunId: () => RUN_ID,
    lookUpUser: async () => undefined,
  });
  await handler({ action: 'status', requester });
  return JSON.stringify(slack.responses[0]?.blocks);
}

const seats = (...entries: object[]) => JSON.stringify({ seats: entries });

describe('launcher: /ide status of a run and who uses it', () => {
  beforeEach(() => {
    cloudFormation.reset();
    ssm.reset();
  });

  it('shows each seat\'s state and that a connected run does not stop for idleness', async () => {
    const shown = await status({ value: seats({ slot: 1, status: 'alive', lastHeartbeat: at('09:59:40').getTime() }, { slot: 2, status: 'expired', lastHeartbeat: at('09:40:00').getTime() }, { slot: 5, status: 'expired', lastHeartbeat: 0 }), at: '09:59:50' });

    expect(shown).toContain('dev-1 <@U0000AAA1> — https://dev-1.code.example.com (connected)');
    expect(shown).toContain(`dev-2 <@U0000BBB2> — https://dev-2.code.example.com (idle since ${shownTime('09:40:00')})`);
    expect(shown).toContain('dev-5 <@U0000EEE5> — https://dev-5.code.example.com (never opened)');
    expect(shown).toContain('In use (1 IDE connected): they stop for idleness once nobody has used them for 30 min.');
  });

  it('says when an unused run stops for idleness, and that the warning is out once it is', async () => {
    const idle = seats({ slot: 1, status: 'expired', lastHeartbeat: at('09:20:00').getTime() }, { slot: 2, status: 'expired', lastHeartbeat: at('09:40:00').getTime() }, { slot: 5, status: 'expired' });

    const before = await status({ value: idle, at: '09:59:50' });
    const warned = await status({ value: idle, at: '09:59:50' }, { env: { IDLE_MINUTES: '15' }, markers: { [`${markers}/idle-warning`]: JSON.stringify({ idleSince: '2026-11-28T09:40:00.000Z', warnedAt: '2026-11-28T09:55:00.000Z', channel: 'C0000TEAM', ts: '1.2' }) } });

    expect(before).toContain(`Nobody has used them since ${shownTime('09:40:00')}. They stop for idleness at ${shownTime('10:25:00')}, after a warning at ${shownTime('10:10:00')}, unless someone uses them.`);
    expect(warned).toContain(`They stop for idleness at ${shownTime('10:10:00')} (the warning is out), unless someone uses them.`);
  });

  it('says the idle stop is paused while the host does not report', async () => {
    const shown = await status({ value: seats({ slot: 1, status: 'expired' }), at: '09:30:00' });

    expect(shown).toContain(`Idle stop is paused: the host has not reported since ${shownTime('09:30:00')}.`);
    expect(shown).toContain('dev-1 <@U0000AAA1> — https://dev-1.code.example.com');
    expect(shown).not.toContain('(never opened)');
  });

  it('says the idle stop is off with IDLE_MINUTES=0, and still shows the seats', async () => {
    const shown = await status({ value: seats({ slot: 1, status: 'alive' }, { slot: 2, status: 'unreachable' }, { slot: 5, status: 'expired' }), at: '09:59:50' }, { env: { IDLE_MINUTES: '0' } });

    expect(shown).toContain('Idle stop is off (`IDLE_MINUTES=0`): they run until their end.');
    expect(shown).toContain('(connected)');
    expect(shown).toContain('(not answering)');
  });
});
