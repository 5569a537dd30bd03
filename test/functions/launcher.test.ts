import {
  CloudFormationClient,
  CloudFormationServiceException,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateTagsCommand, DeleteSnapshotCommand, DescribeSnapshotsCommand, DescribeSubnetsCommand, EC2Client, type Snapshot } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/launcher';
import { loadConfig } from '../../shared/core/config';
import type { LauncherJob, SlackRequester } from '../../shared/runs/launcher-job';
import type { StartRequest } from '../../shared/team/start-plan';
import { validEnv } from '../fixtures';
import { recordingResponder } from '../helpers/recording-slack';
import { fakeParameterStore, recordingLogger, runStack, STACK_ID, STACK_UUID } from '../helpers/run-fixtures';
import { runStackId, runUuid, snapshotOf, volumeOf } from '../helpers/work-fixtures';

const cloudFormation = mockClient(CloudFormationClient);
const ssm = mockClient(SSMClient);
const ec2 = mockClient(EC2Client);
const markers = `/team-ide-test/runs/${STACK_UUID}`;
const config = loadConfig(validEnv());
const requester: SlackRequester = { teamId: 'T0000TEAM', userId: 'U0000LEAD', userName: 'lead', channelId: 'C0000TEAM', responseUrl: 'https://hooks.slack.com/commands/T0000TEAM/1/abc' };
const request: StartRequest = { seats: { kind: 'people', people: [{ name: 'alice', label: '@alice' }, { userId: 'U0000EEE5', label: '@erin' }] }, hours: 3 };

function setup(options: { markers?: Record<string, string>; now?: string; env?: Record<string, string> } = {}) {
  const slack = recordingResponder();
  const store = fakeParameterStore(ssm, options.markers);
  const logger = recordingLogger();
  // Waiting moves the clock: a start gives up after `workWaitMs` of it.
  const clock = { now: new Date(options.now ?? '2026-11-28T09:00:00Z') };
  const deployment = options.env ? loadConfig(validEnv(options.env)) : config;
  const handler = makeHandler({
    config: deployment,
    loadRoster: async () => deployment.roster,
    logger,
    cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
    ssm: new SSMClient({ region: 'eu-west-1' }),
    ec2: new EC2Client({ region: 'eu-west-1' }),
    lambda: new LambdaClient({ region: 'eu-west-1' }),
    slack,
    templateBody: 'Transform: AWS::LanguageExtensions\nResources: {}\n',
    now: () => clock.now,
    sleep: async (ms) => {
      clock.now = new Date(clock.now.getTime() + ms);
    },
    workWaitMs: 10 * 60_000,
    newRunId: () => '6f1c2d3e-0000-4000-8000-000000000001',
    lookUpUser: async () => undefined,
  });
  return { slack, store, logger, run: (job: LauncherJob | Record<string, unknown>) => handler(job) };
}

const CERTIFICATE_STATUS = '/team-ide/test/tls-certificate-status';
/** What the certificate function reports for a certificate with the given names. */
const certificateStatus = (names: string[], mode = 'acme') => JSON.stringify({ mode, names, notAfter: '2027-01-20T09:00:00.000Z', issuer: 'R11' });

const notFound = new CloudFormationServiceException({ name: 'ValidationError', message: 'Stack with id team-ide-test-ides does not exist', $fault: 'client', $metadata: {} });

describe('launcher', () => {
  beforeEach(() => {
    cloudFormation.reset();
    ssm.reset();
    ec2.reset();
    // No work saved yet: a blank data volume in the subnet's zone.
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: 'subnet-0123456789abcdef0', AvailabilityZone: 'eu-west-1b' }] });
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
  });

  describe('start', () => {
    it('creates the team stack with the run\'s parameters and id tags, then tells the channel', async () => {
      // Prepare
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      cloudFormation.on(CreateStackCommand).resolves({ StackId: STACK_ID });
      const { slack, run } = setup();

      // Act
      await run({ action: 'start', requester, request });

      // Assess
      const input = cloudFormation.commandCalls(CreateStackCommand)[0]?.args[0].input;
      expect(input).toMatchObject({ StackName: 'team-ide-test-ides', ClientRequestToken: '6f1c2d3e-0000-4000-8000-000000000001', TemplateBody: expect.stringContaining('LanguageExtensions') });
      expect(Object.fromEntries((input?.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]))).toMatchObject({
        Slots: '1,5',
        // alice and erin: each slot mounts its member's own home.
        SlotMembers: 'U0000AAA1,U0000EEE5',
        RunId: '6f1c2d3e-0000-4000-8000-000000000001',
        InstanceType: 't3.large',
        IdeMemoryMiB: '3456',
        IdeCpuLimit: '1.5',
        IdePidsLimit: '3456',
        AdminCidr: '',
        DomainName: 'code.example.com',
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        InstanceProfileName: 'team-ide-test-host',
        CertificateParameterName: '/team-ide/test/tls-certificate',
        // Nothing is known of the certificate: no previews.
        Previews: 'off',
      });
      expect(input?.Tags).toEqual([
        { Key: 'team-ide:run-id', Value: '6f1c2d3e-0000-4000-8000-000000000001' },
        { Key: 'team-ide:requested-by', Value: 'U0000LEAD' },
        { Key: 'team-ide:requested-by-name', Value: 'lead' },
        { Key: 'team-ide:channel', Value: 'C0000TEAM' },
        { Key: 'team-ide:slots', Value: '1 5' },
        { Key: 'team-ide:hours', Value: '3' },
        { Key: 'team-ide:ends-at', Value: '2026-11-28T12:00:00.000Z' },
        { Key: 'team-ide:work', Value: 'blank' },
      ]);
      expect(slack.responses).toHaveLength(1);
      expect(slack.responses[0]).toMatchObject({ visibility: 'in_channel', text: '<@U0000LEAD> is starting 2 IDEs (t3.large), ready in about 2 minutes.' });
      expect(JSON.stringify(slack.responses[0]?.blocks)).toContain('dev-1 <@U0000AAA1>, dev-5 <@U0000EEE5>');
    });

    it.each([
      ['covers every seat of the run', ['*.code.example.com', 'code.example.com', '*.dev-1.code.example.com', '*.dev-5.code.example.com'], 'on'],
      ['lacks one seat of the run', ['*.code.example.com', 'code.example.com', '*.dev-1.code.example.com'], 'off'],
      ['covers only *.<domain>', ['*.code.example.com', 'code.example.com'], 'off'],
    ])('turns previews on only when the certificate %s', async (_case, names, previews) => {
      // Prepare
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      cloudFormation.on(CreateStackCommand).resolves({ StackId: STACK_ID });
      const { run, logger } = setup({ markers: { [CERTIFICATE_STATUS]: certificateStatus(names) } });

      // Act
      await run({ action: 'start', requester, request });

      // Assess
      const parameters = cloudFormation.commandCalls(CreateStackCommand)[0]?.args[0].input.Parameters ?? [];
      expect(parameters.find((parameter) => parameter.ParameterKey === 'Previews')?.ParameterValue).toBe(previews);
      expect(logger.entries).toContainEqual(expect.objectContaining({ message: 'Team stack creation started', fields: expect.objectContaining({ previews: previews === 'on' ? 'on' : expect.stringContaining('does not cover') }) }));
    });

    it.each([
      ['CREATE_IN_PROGRESS', 'The team IDEs are already starting (started by <@U0000LEAD>', 'true'],
      ['CREATE_COMPLETE', 'The team IDEs are already running (started by <@U0000LEAD>', 'true'],
      ['DELETE_IN_PROGRESS', 'The team IDEs (started by <@U0000LEAD> <!date^1795856400^{date_short_pretty} {time}|2026-11-28T09:00:00Z>) are still stopping', 'false'],
      ['ROLLBACK_COMPLETE', 'failed to start and is being cleaned up. Try again in a minute or two', 'true'],
    ])('does not create a second stack while one is %s (KEEP_WORK=%s)', async (status, words, keepWork) => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack(status)] });
      const { slack, run } = setup({ env: { KEEP_WORK: keepWork } });

      await run({ action: 'start', requester, request });

      expect(cloudFormation).not.toHaveReceivedCommand(CreateStackCommand);
      expect(slack.responses).toEqual([expect.objectContaining({ visibility: 'ephemeral', text: expect.stringContaining(words) })]);
    });

    it('answers the loser of two simultaneous starts with "already starting"', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      cloudFormation.on(CreateStackCommand).rejects(new CloudFormationServiceException({ name: 'AlreadyExistsException', message: 'Stack [team-ide-test-ides] already exists', $fault: 'client', $metadata: {} }));
      const { slack, run } = setup();

      await run({ action: 'start', requester, request });

      expect(slack.responses).toEqual([expect.objectContaining({ visibility: 'ephemeral', text: expect.stringContaining('A run is already starting') })]);
    });

    it('tells the requester why AWS refused, with the request id', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      cloudFormation.on(CreateStackCommand).rejects(
        new CloudFormationServiceException({ name: 'AccessDenied', message: 'not authorized to perform: iam:PassRole', $fault: 'client', $metadata: { requestId: 'req-42' } }),
      );
      const { slack, run } = setup();

      await run({ action: 'start', requester, request });

      expect(slack.responses[0]?.visibility).toBe('ephemeral');
      expect(slack.responses[0]?.text).toContain('AccessDenied: not authorized to perform: iam:PassRole (AWS request id req-42)');
    });

    it('apologizes with an error id when something unexpected fails', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(new Error('socket hang up'));
      const { slack, run } = setup();

      await run({ action: 'start', requester, request });

      expect(slack.responses[0]?.text).toMatch(/Sorry, something went wrong on our side.*`[0-9a-f]{8}`/);
    });
  });

  describe('a job it did not get from slack-command', () => {
    it('creates nothing for a forged start: a user not allowed, 60 seats, an unknown size, 87,600 hours', async () => {
      // Prepare
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      cloudFormation.on(CreateStackCommand).resolves({ StackId: STACK_ID });
      const { slack, run } = setup();

      // Act
      await run({
        action: 'start',
        requester: { ...requester, userId: 'U0000EVIL' },
        request: { seats: { kind: 'count', count: 60 }, size: 'p5.48xlarge', hours: 87_600 },
      });

      // Assess
      expect(cloudFormation).not.toHaveReceivedCommand(CreateStackCommand);
      expect(slack.responses).toEqual([
        expect.objectContaining({ visibility: 'ephemeral', text: expect.stringContaining('You are not allowed to start or stop team IDEs') }),
      ]);
    });

    it.each([
      ['60 seats', { seats: { kind: 'count', count: 60 } }, 'One run holds at most 4 IDEs; you asked for 60.'],
      ['an m6i.2xlarge for 87,600 hours', { seats: { kind: 'all' }, size: 'm6i.2xlarge', hours: 87_600 }, '`--hours 87600`: a run lives from 1 to 24 hours.'],
      ['an unknown size', { seats: { kind: 'all' }, size: 'p5.48xlarge' }, '`--size p5.48xlarge` is not a size I know.'],
      ['someone not on the roster', { seats: { kind: 'people', people: [{ userId: 'U0000EVIL', label: '@mallory' }] } }, '@mallory is not on the team roster.'],
    ])('plans again from its own settings and refuses %s from an allowed user', async (_what, forged, words) => {
      // Prepare
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      const { slack, run } = setup();

      // Act
      await run({ action: 'start', requester, request: forged });

      // Assess
      expect(cloudFormation).not.toHaveReceivedCommand(CreateStackCommand);
      expect(slack.responses).toEqual([expect.objectContaining({ visibility: 'ephemeral', text: expect.stringContaining(words) })]);
    });

    it.each([
      ['another workspace', { teamId: 'T0000ELSE' }, 'belongs to another Slack workspace'],
      ['a channel not allowed', { channelId: 'C0000RAND' }, 'not allowed in this channel'],
    ])('refuses a stop from %s', async (_what, change, words) => {
      // Prepare
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE')] });
      const { slack, run } = setup();

      // Act
      await run({ action: 'stop', requester: { ...requester, ...change } });

      // Assess
      expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
      expect(cloudFormation).not.toHaveReceivedCommand(DescribeStacksCommand);
      expect(slack.responses).toEqual([expect.objectContaining({ visibility: 'ephemeral', text: expect.stringContaining(words) })]);
    });

    it('answers nobody and creates nothing when the response_url is not Slack\'s', async () => {
      // Prepare
      const { slack, logger, run } = setup();

      // Act
      await run({ action: 'start', requester: { ...requester, responseUrl: 'https://attacker.example/collect' }, request });

      // Assess
      expect(cloudFormation.calls()).toEqual([]);
      expect(slack.responses).toEqual([]);
      expect(logger.entries).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringContaining('response_url') })]);
    });

    it.each([
      ['nothing', undefined],
      ['a start with a plan instead of a request', { action: 'start', requester, plan: { seats: [], instanceType: 'm6i.2xlarge', hours: 87_600 } }],
      ['a fractional seat count', { action: 'start', requester, request: { seats: { kind: 'count', count: 2.5 } } }],
      ['an unknown action', { action: 'delete-everything', requester }],
    ])('ignores %s, with a warning', async (_what, event) => {
      // Prepare
      const { slack, logger, run } = setup();

      // Act
      await run(event as Record<string, unknown>);

      // Assess
      expect(cloudFormation.calls()).toEqual([]);
      expect(slack.responses).toEqual([]);
      expect(logger.entries).toEqual([expect.objectContaining({ level: 'warn', message: 'Launcher event refused' })]);
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

    it('says every home is saved when the run has a data volume, and that unpushed work is lost when not', async () => {
      // Prepare: the same running stack, with and without the work tag the launcher writes.
      const withVolume = runStack('CREATE_COMPLETE', { Tags: [...(runStack('CREATE_COMPLETE').Tags ?? []), { Key: 'team-ide:work', Value: 'blank' }] });
      cloudFormation.on(DescribeStacksCommand).resolvesOnce({ Stacks: [withVolume] }).resolvesOnce({ Stacks: [runStack('CREATE_COMPLETE')] });
      cloudFormation.on(DeleteStackCommand).resolves({});
      const { slack, run } = setup();

      // Act
      await run({ action: 'stop', requester });
      ssm.reset();
      fakeParameterStore(ssm);
      await run({ action: 'stop', requester });

      // Assess
      expect(slack.responses.map((response) => response.text)).toEqual([
        expect.stringContaining('Every home is saved in a snapshot for the next start.'),
        expect.stringContaining('Unpushed work on them is lost.'),
      ]);
    });

    it('deletes a stack that is still being created and says what happens next', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_IN_PROGRESS')] });
      cloudFormation.on(DeleteStackCommand).resolves({});
      const { slack, run } = setup();

      await run({ action: 'stop', requester });

      // By id: a stop meant for this run can never delete the next one.
      expect(cloudFormation).toHaveReceivedCommandWith(DeleteStackCommand, { StackName: STACK_ID });
      expect(slack.responses[0]).toMatchObject({ visibility: 'in_channel' });
      expect(slack.responses[0]?.text).toContain('<@U0000LEAD> is stopping the team IDEs started by <@U0000LEAD>. It was still starting: no emails will go out');
    });

    it('claims the run\'s stop, so the sweeper or the Stop button racing it deletes nothing', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE')] });
      cloudFormation.on(DeleteStackCommand).resolves({});
      const { store, run } = setup();

      await run({ action: 'stop', requester });

      expect(store.get(`${markers}/stopping`)).toBe('2026-11-28T09:00:00.000Z');
      expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: `${markers}/stopping`, Overwrite: false });
    });

    it('answers "already stopping" and deletes nothing when the sweeper claimed the stop a moment ago', async () => {
      // Prepare: DescribeStacks still says CREATE_COMPLETE, but the stop is claimed.
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE')] });
      const { slack, run } = setup({ markers: { [`${markers}/stopping`]: '2026-11-28T08:59:30.000Z' } });

      // Act
      await run({ action: 'stop', requester });

      // Assess
      expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
      expect(slack.responses).toEqual([expect.objectContaining({ visibility: 'ephemeral', text: expect.stringContaining('already stopping') })]);
    });

    it('gives the claim back when DeleteStack fails, so the next /ide stop can try again', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE')] });
      cloudFormation.on(DeleteStackCommand).rejects(new CloudFormationServiceException({ name: 'Throttling', message: 'Rate exceeded', $fault: 'client', $metadata: {} }));
      const { slack, store, run } = setup();

      await run({ action: 'stop', requester });

      expect(slack.responses[0]?.text).toContain('AWS is busy');
      expect(ssm).toHaveReceivedCommandWith(DeleteParameterCommand, { Name: `${markers}/stopping` });
      expect(store.has(`${markers}/stopping`)).toBe(false);
    });

    it('deletes again a stack whose deletion failed, though its stop was claimed before, and re-arms the failure report', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('DELETE_FAILED')] });
      cloudFormation.on(DeleteStackCommand).resolves({});
      const { slack, store, run } = setup({ markers: { [`${markers}/stopping`]: '2026-11-28T08:00:00.000Z', [`${markers}/delete-failure-reported`]: '2026-11-28T08:05:00.000Z' } });

      await run({ action: 'stop', requester });

      expect(cloudFormation).toHaveReceivedCommandTimes(DeleteStackCommand, 1);
      expect(slack.responses[0]?.visibility).toBe('in_channel');
      // Should this attempt fail too, its DELETE_FAILED is told to the channel again.
      expect(store.has(`${markers}/delete-failure-reported`)).toBe(false);
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

    it('shows the time left and the estimated cost so far, from the extended end when there is one', async () => {
      // Prepare: t3.large in eu-west-1, created 09:00, extended to 19:00, asked at 11:30.
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE', { Parameters: [{ ParameterKey: 'InstanceType', ParameterValue: 't3.large' }] })] });
      const { slack, run } = setup({ now: '2026-11-28T11:30:00Z', markers: { [`${markers}/ends-at`]: '2026-11-28T19:00:00.000Z' } });

      // Act
      await run({ action: 'status', requester });

      // Assess: 2.5 h × $0.0912 = $0.228.
      const shown = JSON.stringify(slack.responses[0]?.blocks);
      expect(shown).toContain('ends <!date^1795892400^{date_short_pretty} {time}|2026-11-28T19:00:00Z> (7 h 30 min left)');
      expect(shown).toContain('Cost so far: about $0.23 (t3.large at $0.0912 an hour in eu-west-1, 2.5 h). An estimate');
    });

    it('shows the certificate’s expiry and its last failed renewal, running or not', async () => {
      // Prepare
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      const status = { mode: 'acme', names: ['*.code.example.com', 'code.example.com'], notAfter: '2027-01-20T09:00:00.000Z', problem: { at: '2026-11-27T04:00:00.000Z', message: 'CAA record for example.com prevents issuance' } };
      const { slack, run } = setup({ markers: { '/team-ide/test/tls-certificate-status': JSON.stringify(status) } });

      // Act
      await run({ action: 'status', requester });

      // Assess
      const shown = JSON.stringify(slack.responses[0]?.blocks);
      expect(shown).toContain('HTTPS certificate (*.code.example.com, code.example.com): valid until <!date^1800435600^{date_short_pretty} {time}|2027-01-20T09:00:00Z> (53 days left), renewed automatically.');
      expect(shown).toContain('CAA record for example.com prevents issuance');
      // The roster's seats (1, 2, 3, 5) have no preview names in it.
      expect(shown).toContain('Previews are off: the certificate does not cover `*.dev-N.code.example.com` for dev-1 to dev-3, dev-5 yet');
      expect(shown).toContain('`https://dev-N.code.example.com/proxy/<port>/` instead');
    });

    it('says previews are off because the certificate status could not be read, not as if the certificate function never ran, and logs why', async () => {
      // Prepare
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      const { slack, logger, run } = setup({ markers: { [CERTIFICATE_STATUS]: certificateStatus(['*.code.example.com']) } });
      const throttled = new Error('Rate exceeded');
      throttled.name = 'ThrottlingException';
      ssm.on(GetParameterCommand, { Name: CERTIFICATE_STATUS }).rejects(throttled);

      // Act
      await run({ action: 'status', requester });

      // Assess
      const shown = JSON.stringify(slack.responses[0]?.blocks);
      expect(shown).toContain('Previews are off: the certificate function\'s report on the certificate could not be read just now (the error is logged)');
      expect(shown).not.toContain('has not reported a certificate yet');
      expect(shown).not.toContain('HTTPS certificate (');
      expect(logger.entries).toContainEqual({ level: 'error', message: 'Could not read the certificate status', fields: { statusParameter: CERTIFICATE_STATUS, error: throttled } });
    });

    it('gives the preview address form of a run started with previews, and an example of its first seat', async () => {
      // Prepare
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE', { Parameters: [{ ParameterKey: 'Previews', ParameterValue: 'on' }] })] });
      const { slack, run } = setup();

      // Act
      await run({ action: 'status', requester });

      // Assess
      expect(JSON.stringify(slack.responses[0]?.blocks)).toContain('Previews: an app a developer runs on a port opens at `https://<port>.dev-N.code.example.com` (dev-1\'s port 3000: https://3000.dev-1.code.example.com), behind that developer\'s own login: nobody else can open it.');
    });

    it('says why a run started without previews has none, though the certificate covers them now', async () => {
      // Prepare
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE', { Parameters: [{ ParameterKey: 'Previews', ParameterValue: 'off' }] })] });
      const names = ['*.code.example.com', 'code.example.com', ...[1, 2, 5].map((slot) => `*.dev-${slot}.code.example.com`)];
      const { slack, run } = setup({ markers: { [CERTIFICATE_STATUS]: certificateStatus(names) } });

      // Act
      await run({ action: 'status', requester });

      // Assess
      expect(JSON.stringify(slack.responses[0]?.blocks)).toContain('Previews are off: the certificate did not cover their names when this run started; the next `/ide start` has them.');
    });

    it('says previews are off with a certificate brought by hand that does not cover them, and what to add', async () => {
      // Prepare
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE', { Parameters: [{ ParameterKey: 'Previews', ParameterValue: 'off' }] })] });
      const { slack, run } = setup({ markers: { [CERTIFICATE_STATUS]: certificateStatus(['*.code.example.com'], 'own') } });

      // Act
      await run({ action: 'status', requester });

      // Assess
      expect(JSON.stringify(slack.responses[0]?.blocks)).toContain('Previews are off: your certificate (TLS_CERTIFICATE=own) does not cover `*.dev-N.code.example.com` for dev-1 to dev-2, dev-5: add those names to it');
    });

    it('answers without the certificate line when its status cannot be read', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE')] });
      const { slack, run } = setup();

      await run({ action: 'status', requester });

      expect(slack.responses[0]?.text).toBe('The team IDEs are running.');
      expect(JSON.stringify(slack.responses[0]?.blocks)).not.toContain('HTTPS certificate');
    });

    it('says nothing runs when there is no stack', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      const { slack, run } = setup();

      await run({ action: 'status', requester });

      expect(slack.responses[0]?.text).toContain('No team IDEs are running');
    });
  });
  describe('saved work', () => {
    const hour = (n: number) => new Date(Date.UTC(2026, 10, 27, n));
    /** Run `n` of the day before, stopped and recorded, with its volume deleted an hour after it started. */
    const stoppedRun = (n: number): Record<string, string> => ({
      [`/team-ide-test/work/${runUuid(n)}/run`]: JSON.stringify({ stackId: runStackId(n), runId: `run-${n}`, startedAt: hour(n).toISOString() }),
      [`/team-ide-test/work/${runUuid(n)}/volume`]: JSON.stringify({ volumeId: volumeOf(n), deletedAt: hour(n + 1).toISOString() }),
    });
    const snapshot = (n: number, state: string): Snapshot => ({
      SnapshotId: snapshotOf(n), VolumeId: volumeOf(n), State: state as Snapshot['State'], Progress: state === 'pending' ? '65%' : '100%', StartTime: hour(n + 1), VolumeSize: 20, OwnerId: '123456789012',
      Tags: [{ Key: 'team-ide:deployment', Value: 'team-ide-test-ides' }],
    });
    const parametersOf = () => Object.fromEntries((cloudFormation.commandCalls(CreateStackCommand)[0]?.args[0].input.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]));
    const workTagOf = () => cloudFormation.commandCalls(CreateStackCommand)[0]?.args[0].input.Tags?.find((tag) => tag.Key === 'team-ide:work')?.Value;

    it('restores the newest snapshot into a volume in the subnet\'s zone, says so, and prunes beyond SNAPSHOTS_KEPT', async () => {
      // Prepare: four stopped runs, all saved; three are kept.
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      cloudFormation.on(CreateStackCommand).resolves({ StackId: STACK_ID });
      ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [1, 2, 3, 4].map((n) => snapshot(n, 'completed')) });
      ec2.on(DeleteSnapshotCommand).resolves({});
      const { slack, store, run } = setup({ markers: { ...stoppedRun(1), ...stoppedRun(2), ...stoppedRun(3), ...stoppedRun(4) } });

      // Act
      await run({ action: 'start', requester, request });

      // Assess
      expect(parametersOf()).toMatchObject({ KeepWork: 'true', AvailabilityZone: 'eu-west-1b', DataSnapshotId: snapshotOf(4), DataVolumeDimension: '20' });
      expect(workTagOf()).toBe(`restored ${snapshotOf(4)} ${hour(5).toISOString()}`);
      expect(JSON.stringify(slack.responses[0]?.blocks)).toContain('Homes restored from the snapshot of <!date^');
      expect(ec2).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 1);
      expect(ec2).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: snapshotOf(1) });
      expect(JSON.parse(store.get(`/team-ide-test/work/${STACK_UUID}/run`) ?? '{}')).toMatchObject({ stackId: STACK_ID, runId: '6f1c2d3e-0000-4000-8000-000000000001' });
    });

    it('waits for a run that is still stopping and for its snapshot, tells the channel once, then restores that snapshot', async () => {
      // Prepare: the previous run (this stack id) is being deleted; once gone, its snapshot is pending, then completed.
      const stopping = runStack('DELETE_IN_PROGRESS');
      cloudFormation.on(DescribeStacksCommand, { StackName: 'team-ide-test-ides' }).resolvesOnce({ Stacks: [stopping] }).resolvesOnce({ Stacks: [stopping] }).rejects(notFound);
      cloudFormation.on(DescribeStacksCommand, { StackName: STACK_ID }).resolves({ Stacks: [{ ...stopping, StackStatus: 'DELETE_COMPLETE' }] });
      cloudFormation.on(DescribeStackResourceCommand).resolves({ StackResourceDetail: { LogicalResourceId: 'DataVolume', PhysicalResourceId: volumeOf(9), ResourceType: 'AWS::EC2::Volume', ResourceStatus: 'DELETE_COMPLETE', LastUpdatedTimestamp: new Date('2026-11-28T09:00:00Z') } });
      cloudFormation.on(CreateStackCommand).resolves({ StackId: runStackId(10) });
      ec2.on(DescribeSnapshotsCommand).resolvesOnce({ Snapshots: [{ ...snapshot(9, 'pending'), Tags: [] }] }).resolves({ Snapshots: [{ ...snapshot(9, 'completed'), Tags: [] }] });
      ec2.on(CreateTagsCommand).resolves({});
      const { slack, store, run } = setup({ now: '2026-11-28T09:00:30Z' });

      // Act
      await run({ action: 'start', requester, request });

      // Assess: the stopping run was recorded, its snapshot claimed and restored; one "waiting" message, then the start.
      expect(store.has(`/team-ide-test/work/${STACK_UUID}/run`)).toBe(true);
      expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: [snapshotOf(9)] });
      expect(parametersOf()).toMatchObject({ DataSnapshotId: snapshotOf(9) });
      expect(slack.responses.map((response) => [response.visibility, response.text])).toEqual([
        ['in_channel', '<@U0000LEAD> asked for team IDEs, but the previous run is still stopping and saving its homes.'],
        ['in_channel', '<@U0000LEAD> is starting 2 IDEs (t3.large), ready in about 2 minutes.'],
      ]);
    });

    it('starts with empty homes with --fresh, keeping the snapshots', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      cloudFormation.on(CreateStackCommand).resolves({ StackId: STACK_ID });
      const { slack, run } = setup({ markers: stoppedRun(1) });

      await run({ action: 'start', requester, request: { ...request, fresh: true } });

      expect(parametersOf()).toMatchObject({ KeepWork: 'true', DataSnapshotId: '' });
      expect(workTagOf()).toBe('fresh');
      expect(ec2).not.toHaveReceivedCommand(DescribeSnapshotsCommand);
      expect(ec2).not.toHaveReceivedCommand(DeleteSnapshotCommand);
      expect(JSON.stringify(slack.responses[0]?.blocks)).toContain('Homes start empty (`--fresh`); the saved snapshots are kept.');
    });

    it('refuses to start, offering --fresh, when the newest snapshot failed', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot(1, 'completed'), snapshot(2, 'error')] });
      const { slack, run } = setup({ markers: { ...stoppedRun(1), ...stoppedRun(2) } });

      await run({ action: 'start', requester, request });

      expect(cloudFormation).not.toHaveReceivedCommand(CreateStackCommand);
      expect(slack.responses).toEqual([expect.objectContaining({ visibility: 'ephemeral', text: expect.stringMatching(/cannot restore the developers' homes.*`\/ide start --fresh`/) })]);
    });

    it('with KEEP_WORK=false, makes no data volume and asks EC2 nothing', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      cloudFormation.on(CreateStackCommand).resolves({ StackId: STACK_ID });
      const { slack, run } = setup({ env: { KEEP_WORK: 'false' } });

      await run({ action: 'start', requester, request });

      expect(parametersOf()).toMatchObject({ KeepWork: 'false', AvailabilityZone: '', DataSnapshotId: '' });
      expect(workTagOf()).toBe('off');
      expect(ec2.calls()).toEqual([]);
      expect(JSON.stringify(slack.responses[0]?.blocks)).not.toContain('Homes');
    });

    it('answers /ide stop --discard with a confirmation button for this run, only to its sender, and deletes nothing yet', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE')] });
      const { slack, run } = setup();

      await run({ action: 'stop', requester, discard: true });

      expect(cloudFormation).not.toHaveReceivedCommand(DeleteStackCommand);
      expect(slack.responses).toHaveLength(1);
      expect(slack.responses[0]?.visibility).toBe('ephemeral');
      expect(JSON.stringify(slack.responses[0]?.blocks)).toContain('"action_id":"discard_stop"');
      expect(JSON.stringify(slack.responses[0]?.blocks)).toContain(JSON.stringify(JSON.stringify({ runId: '6f1c2d3e-0000-4000-8000-000000000001' })).slice(1, -1));
    });

    it('says there is nothing to discard when KEEP_WORK=false', async () => {
      cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [runStack('CREATE_COMPLETE')] });
      const { slack, run } = setup({ env: { KEEP_WORK: 'false' } });

      await run({ action: 'stop', requester, discard: true });

      expect(slack.responses[0]?.text).toContain('Nothing to discard: this deployment keeps no work between runs (KEEP_WORK=false)');
    });

    it('shows in /ide status what is kept and about what it costs', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(notFound);
      ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [1, 2].map((n) => ({ ...snapshot(n, 'completed'), FullSnapshotSizeInBytes: 4 * 1024 ** 3 })) });
      const { slack, run } = setup({ markers: { ...stoppedRun(1), ...stoppedRun(2) } });

      await run({ action: 'status', requester });

      const shown = JSON.stringify(slack.responses[0]?.blocks);
      expect(shown).toContain('Saved work: 2 snapshots, the newest of <!date^');
      expect(shown).toContain('(4.0 GiB), which the next `/ide start` restores. About $0.20 a month, at most $0.40');
    });
  });
});
