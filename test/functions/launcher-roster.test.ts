import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/launcher';
import { teamTemplateBody } from '../../infra/team-template';
import { loadConfig } from '../../shared/core/config';
import { createLogger, type Logger } from '../../shared/core/logger';
import type { SlackRequester } from '../../shared/runs/launcher-job';
import { createSlackDirectory } from '../../shared/slack/slack-api';
import { createTeamStack } from '../../shared/stack/stack-gateway';
import { NO_DATA_VOLUME, runTagsToStackTags, teamStackName, teamStackParameters } from '../../shared/stack/team-stack';
import { shareHost } from '../../shared/team/host-shares';
import { cachedRosterReader, readRoster } from '../../shared/team/roster-store';
import { validEnv } from '../fixtures';
import { recordingResponder } from '../helpers/recording-slack';
import { recordingLogger } from '../helpers/run-fixtures';
import { wantedNames } from '../../shared/certificate/certificate-names';
import { type SetupBackend, startSetupBackend, TOKENS } from '../helpers/setup-backend';

/** The certificate function is mocked: its Invoke is what these tests look at (the IAM tests check the launcher may send it). */
const lambda = mockClient(LambdaClient);

/** `/ide roster add|remove` in the launcher, with the sandbox's SSM, CloudFormation and Slack (users.info) behind the real clients. */
describe('launcher: the roster', () => {
  let setup: SetupBackend;
  let slack: ReturnType<typeof recordingResponder>;
  const config = loadConfig(validEnv({ ROSTER: '1:U0000AAA1:alice:alice@example.com,3:U0000CCC3:carol:carol@example.com' }));
  const lead: SlackRequester = { teamId: 'T0000TEAM', userId: 'U0000LEAD', userName: 'lead', channelId: 'C0000TEAM', responseUrl: 'https://hooks.slack.com/commands/T0000TEAM/1/abc' };

  beforeEach(async () => {
    setup = await startSetupBackend();
    slack = recordingResponder();
    lambda.reset();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  });

  afterEach(async () => {
    await setup.close();
  });

  function launcher(botToken: string = TOKENS.bot, options: { config?: typeof config; logger?: Logger } = {}) {
    const directory = createSlackDirectory({ botToken, apiUrl: `${setup.backend.url}/api` });
    return makeHandler({
      config: options.config ?? config,
      logger: options.logger ?? createLogger('launcher-roster-test'),
      cloudFormation: setup.clients.cloudFormation,
      ssm: setup.clients.ssm,
      ec2: setup.clients.ec2,
      lambda: new LambdaClient({ region: 'eu-west-1' }),
      slack,
      templateBody: teamTemplateBody,
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      workWaitMs: 60_000,
      newRunId: () => 'run-1',
      loadRoster: cachedRosterReader({ ssm: setup.clients.ssm, stackNamePrefix: config.stackNamePrefix, initialRoster: config.roster, now: () => new Date() }, 0),
      lookUpUser: (userId) => directory.lookUp(userId),
    });
  }

  const roster = async () => (await readRoster({ ssm: setup.clients.ssm, stackNamePrefix: config.stackNamePrefix, initialRoster: config.roster })).roster;
  const said = () => slack.responses.map((response) => `${response.visibility}: ${response.text}`);

  it('gives bob the lowest free seat, with his email from Slack, and tells the channel', async () => {
    await launcher()({ action: 'roster-add', requester: lead, people: [{ userId: 'U0000BBB2', label: '@bob' }] });

    expect(await roster()).toEqual([...config.roster.slice(0, 1), { slot: 2, userId: 'U0000BBB2', name: 'bob', email: 'bob@example.org' }, ...config.roster.slice(1)]);
    expect(said()).toEqual(['in_channel: <@U0000LEAD> added dev-2 <@U0000BBB2> to the roster: that seat is theirs from now on.']);
  });

  it('seats a start from the roster in SSM: someone added a moment ago gets their seat', async () => {
    await launcher()({ action: 'roster-add', requester: lead, people: [{ userId: 'U0000BBB2', label: '@bob' }] });

    await launcher()({ action: 'start', requester: lead, request: { seats: { kind: 'people', people: [{ userId: 'U0000BBB2', label: '@bob' }] } } });

    expect(said()).toEqual([expect.stringContaining('added dev-2'), expect.stringContaining('is starting 1 IDE')]);
    const { Stacks } = await setup.clients.cloudFormation.send(new DescribeStacksCommand({ StackName: teamStackName(config.stackNamePrefix) }));
    const parameter = (key: string) => Stacks?.[0]?.Parameters?.find((given) => given.ParameterKey === key)?.ParameterValue;
    expect(parameter('Slots')).toBe('2');
    // His own home, whoever held dev-2 before.
    expect(parameter('SlotMembers')).toBe('U0000BBB2');
  });

  describe('the certificate, when a new seat needs it obtained again', () => {
    /** What the certificate function last reported: a certificate naming these seats' previews. */
    const certificateNames = (slots: number[], mode = 'acme', extra: object = {}) =>
      setup.backend.parameterStore.put(config.certificate.statusParameter, JSON.stringify({ mode, names: wantedNames(config.team.domainName, slots), notAfter: '2027-02-01T00:00:00.000Z', issuer: 'R11', ...extra }), 'String');
    const addBob = (options: Parameters<typeof launcher>[1] = {}) => launcher(TOKENS.bot, options)({ action: 'roster-add', requester: lead, people: [{ userId: 'U0000BBB2', label: '@bob' }] });
    const told = () => slack.responses.map((response) => JSON.stringify(response.blocks)).join('\n');

    it('starts the certificate function, without waiting, when the certificate does not name the new seat, and says the previews come in a few minutes', async () => {
      // Prepare
      certificateNames([1, 3]);

      // Act
      await addBob();

      // Assess
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
      const { input } = lambda.commandCalls(InvokeCommand)[0]!.args[0];
      expect({ ...input, Payload: Buffer.from(input.Payload as Uint8Array).toString() }).toEqual({ FunctionName: 'team-ide-test-certificate', InvocationType: 'Event', Payload: '{}' });
      expect(said()).toEqual(['in_channel: <@U0000LEAD> added dev-2 <@U0000BBB2> to the roster: that seat is theirs from now on.']);
      expect(told()).toContain('Previews for dev-2 (`https://<port>.dev-2.code.example.com`) come once the certificate is re-issued to name that seat, in a few minutes');
    });

    it.each([
      ['the certificate already names the seat', () => certificateNames([1, 2, 3]), {}],
      ['the certificate function never reported (the sandbox without its CA)', () => undefined, {}],
      ['the certificate is brought by hand (TLS_CERTIFICATE=own)', () => certificateNames([1, 3], 'own'), { config: loadConfig(validEnv({ ROSTER: '1:U0000AAA1:alice:alice@example.com,3:U0000CCC3:carol:carol@example.com', TLS_CERTIFICATE: 'own' })) }],
    ])('does not start it when %s, and says nothing of previews', async (_when, prepare, options) => {
      // Prepare
      prepare();

      // Act
      await addBob(options);

      // Assess
      expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
      expect(await roster()).toHaveLength(3);
      expect(told()).not.toContain('review');
    });

    it('does not start it while its last renewal failed, and says the previews wait for the daily check', async () => {
      // Prepare
      certificateNames([1, 3], 'acme', { problem: { at: '2026-12-01T09:00:00.000Z', message: 'too many certificates already issued' } });

      // Act
      await addBob();

      // Assess
      expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
      expect((await roster()).map((member) => member.slot)).toEqual([1, 2, 3]);
      expect(told()).toContain('which its last attempt failed to do (`/ide status` says why); the daily check tries again');
    });

    it('does not start it when the status cannot be read, says the previews wait for the daily check, and logs why', async () => {
      // Prepare: a status that exists, naming every seat but one SSM will not give (access denied, as IAM refuses it).
      certificateNames([1, 2, 3]);
      setup.backend.parameterStore.denyReads(config.certificate.statusParameter);
      const logger = recordingLogger();

      // Act
      await addBob({ logger });

      // Assess
      expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
      expect((await roster()).map((member) => member.slot)).toEqual([1, 2, 3]);
      expect(told()).toContain('Previews for dev-2 (`https://<port>.dev-2.code.example.com`) wait for the certificate\'s daily check');
      expect(logger.entries).toContainEqual({
        level: 'error',
        message: 'Could not read the certificate status',
        fields: { statusParameter: config.certificate.statusParameter, error: expect.objectContaining({ name: 'AccessDeniedException', message: expect.stringContaining('ssm:GetParameter') }) },
      });
    });

        it('does not start it when nobody new got a seat', async () => {
      // Prepare
      certificateNames([3]);

      // Act
      await launcher()({ action: 'roster-add', requester: lead, people: [{ userId: 'U0000AAA1', label: '@alice' }] });

      // Assess
      expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
    });

    it('keeps the roster change when the certificate function cannot be started, logs why, and says the previews wait for the daily check', async () => {
      // Prepare
      certificateNames([1, 3]);
      lambda.on(InvokeCommand).rejects(Object.assign(new Error('User is not authorized to perform: lambda:InvokeFunction'), { name: 'AccessDeniedException' }));
      const logger = recordingLogger();

      // Act
      await addBob({ logger });

      // Assess
      expect((await roster()).map((member) => member.slot)).toEqual([1, 2, 3]);
      expect(said()).toEqual(['in_channel: <@U0000LEAD> added dev-2 <@U0000BBB2> to the roster: that seat is theirs from now on.']);
      expect(told()).toContain('Previews for dev-2 (`https://<port>.dev-2.code.example.com`) wait for the certificate\'s daily check');
      expect(logger.entries).toContainEqual({ level: 'error', message: expect.stringContaining('Could not start the certificate function'), fields: expect.objectContaining({ functionName: 'team-ide-test-certificate', seats: [2] }) });
    });
  });

  it('says when someone is already on the roster, and changes nothing', async () => {
    await launcher()({ action: 'roster-add', requester: lead, people: [{ userId: 'U0000AAA1', label: '@alice' }] });

    expect(said()).toEqual(['ephemeral: Already on the roster: dev-1 <@U0000AAA1>.']);
    expect(setup.backend.parameterStore.names()).not.toContain(`/${config.stackNamePrefix}/roster`);
  });

  it('says the app lacks users:read.email when Slack leaves the email out', async () => {
    await launcher(TOKENS.botWithoutEmail)({ action: 'roster-add', requester: lead, people: [{ userId: 'U0000BBB2', label: '@bob' }] });

    expect(said()).toEqual([expect.stringMatching(/^ephemeral: Slack did not give @bob's email: the app lacks the users:read\.email scope\./)]);
    expect(await roster()).toEqual(config.roster);
  });

  it.each([
    ['a deactivated account', 'U0000GONE', '@gone\'s Slack account is deactivated.'],
    ['a bot', 'U0000BOT1', '@x is a bot, not someone to give an IDE.'],
    ['someone not in the workspace', 'U0000NOPE', '@x is not a member of this Slack workspace.'],
  ])('refuses %s', async (_what, userId, message) => {
    await launcher()({ action: 'roster-add', requester: lead, people: [{ userId, label: userId === 'U0000GONE' ? '@gone' : '@x' }] });

    expect(said()).toEqual([`ephemeral: ${message}`]);
  });

  it('checks ALLOWED_USERS itself: a job from anyone else changes nothing', async () => {
    await launcher()({ action: 'roster-add', requester: { ...lead, userId: 'U0000BBB2' }, people: [{ userId: 'U0000BBB2', label: '@bob' }] });

    expect(said()).toEqual([expect.stringMatching(/^ephemeral: You are not allowed to change the roster\./)]);
    expect(await roster()).toEqual(config.roster);
  });

  it('frees a seat, but not one held in the running run', async () => {
    await createTeamStack(setup.clients.cloudFormation, {
      stackName: teamStackName(config.stackNamePrefix),
      templateBody: teamTemplateBody,
      parameters: teamStackParameters(config.team, { runId: 'run-1', seats: [config.roster[1]!], instanceType: 't3.large', share: shareHost('t3.large', 1)!, dataVolume: NO_DATA_VOLUME, previews: false }),
      tags: runTagsToStackTags({ runId: 'run-1', requestedBy: 'U0000LEAD', requestedByName: 'lead', channel: 'C0000TEAM', slots: [3], hours: 2, endsAt: '2026-11-28T12:00:00Z' }),
      clientRequestToken: 'run-1',
      serviceRoleArn: 'arn:aws:iam::000000000000:role/team-ide-test-stack',
    });
    const remove = (label: string, userId: string) => launcher()({ action: 'roster-remove', requester: lead, people: [{ userId, label }] });

    await remove('@carol', 'U0000CCC3');
    await remove('@alice', 'U0000AAA1');

    expect(said()).toEqual([
      'ephemeral: <@U0000CCC3> (dev-3) holds a seat in the running run. Remove them once it has stopped (`/ide stop`, or at its end).',
      'in_channel: <@U0000LEAD> removed dev-1 <@U0000AAA1> from the roster; that seat is free again.',
    ]);
    expect((await roster()).map((member) => member.name)).toEqual(['carol']);
  });
});
