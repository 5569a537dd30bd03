import { DescribeRouteTablesCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { ListHostedZonesByNameCommand } from '@aws-sdk/client-route-53';
import { GetIdentityVerificationAttributesCommand } from '@aws-sdk/client-ses';
import { DescribeParametersCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SetupBackend, startSetupBackend, TOKENS } from '../helpers/setup-backend';

/** What the stand-ins setup and the doctor talk to refuse, through the real SDK clients: what AWS and Slack refuse. */
describe('the sandbox backend\'s EC2, Route 53, SES, SSM and Slack for setup', () => {
  let setup: SetupBackend;

  beforeEach(async () => {
    setup = await startSetupBackend();
  });

  afterEach(async () => {
    await setup.close();
  });

  const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (error: Error) => `${error.name}: ${error.message}`);

  describe('EC2', () => {
    it('refuses an unknown filter, MaxResults out of range or beside ids, and a malformed id', async () => {
      const { ec2 } = setup.clients;

      expect(await refusal(ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpcid', Values: ['vpc-1'] }] })))).toBe('InvalidParameterValue: The filter \'vpcid\' is invalid');
      expect(await refusal(ec2.send(new DescribeVpcsCommand({ MaxResults: 3 })))).toMatch(/^InvalidParameterValue: .*Expecting a value between 5 and 1000/);
      expect(await refusal(ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: ['rtb-0123456789abcdef0'], MaxResults: 5 })))).toMatch(/^InvalidParameterCombination/);
      expect(await refusal(ec2.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-xyz'] })))).toMatch(/^InvalidSubnetID\.Malformed/);
    });

    it('answers UnauthorizedOperation to a caller without the permission', async () => {
      setup.account.deniedActions.push('ec2:DescribeSubnets');

      expect(await refusal(setup.clients.ec2.send(new DescribeSubnetsCommand({})))).toMatch(/^UnauthorizedOperation: .*not authorized to perform: ec2:DescribeSubnets/);
    });
  });

  it('refuses an action the caller may not use in every service alike, in IAM\'s words naming the caller', async () => {
    setup.account.deniedActions.push('route53:ListHostedZonesByName', 'ses:GetIdentityVerificationAttributes', 'ssm:DescribeParameters');
    const iam = (action: string) => `is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`;

    expect(await refusal(setup.clients.route53.send(new ListHostedZonesByNameCommand({})))).toBe(`AccessDenied: User: ${setup.account.callerArn} ${iam('route53:ListHostedZonesByName')}`);
    expect(await refusal(setup.clients.ses.send(new GetIdentityVerificationAttributesCommand({ Identities: ['example.com'] })))).toBe(`AccessDenied: User: ${setup.account.callerArn} ${iam('ses:GetIdentityVerificationAttributes')}`);
    expect(await refusal(setup.clients.ssm.send(new DescribeParametersCommand({})))).toBe(`AccessDeniedException: User: ${setup.account.callerArn} ${iam('ssm:DescribeParameters')}`);
  });

  describe('Route 53', () => {
    it('lists from the name on rather than filtering, private zones of the same name included', async () => {
      setup.backend.route53.addZone('Z0PRIVATE', 'example.com', true);
      setup.backend.route53.addZone('Z0ORG', 'example.org');
      setup.backend.route53.addZone('Z0AAA', 'aaa.com');

      const { HostedZones } = await setup.clients.route53.send(new ListHostedZonesByNameCommand({ DNSName: 'example.com' }));

      expect(HostedZones?.map((zone) => `${zone.Name} ${zone.Config?.PrivateZone ? 'private' : 'public'}`)).toEqual(['example.com. private', 'example.com. public', 'example.org. public']);
    });

    it('refuses a start zone id without a name, and a name that is no domain', async () => {
      const { route53 } = setup.clients;

      expect(await refusal(route53.send(new ListHostedZonesByNameCommand({ HostedZoneId: 'Z0SANDBOX0000000000' })))).toMatch(/^InvalidInput/);
      expect(await refusal(route53.send(new ListHostedZonesByNameCommand({ DNSName: 'not a domain' })))).toMatch(/^InvalidDomainName/);
    });
  });

  describe('SES', () => {
    it('leaves unknown identities out of its answer, and refuses more than 100 at once', async () => {
      const { ses } = setup.clients;

      const { VerificationAttributes } = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: ['example.com', 'nobody@example.net'] }));

      expect(VerificationAttributes).toEqual({ 'example.com': { VerificationStatus: 'Success' } });
      expect(await refusal(ses.send(new GetIdentityVerificationAttributesCommand({ Identities: Array.from({ length: 101 }, (_unused, index) => `dev${index}@example.com`) })))).toMatch(/^ValidationError: .*less than or equal to 100/);
    });
  });

  describe('SSM', () => {
    it('holds a standard parameter to 4 KB and an advanced one to 8 KB; Intelligent-Tiering picks, and never goes back', async () => {
      const { ssm } = setup.clients;
      const put = (value: string, tier?: 'Standard' | 'Advanced' | 'Intelligent-Tiering') => ssm.send(new PutParameterCommand({ Name: '/team-ide/test/big', Value: value, Type: 'String', Overwrite: true, ...(tier ? { Tier: tier } : {}) }));

      expect(await refusal(put('x'.repeat(4097)))).toMatch(/^ValidationException: Standard tier parameters support a maximum parameter value of 4096 characters/);
      expect((await put('x'.repeat(100), 'Intelligent-Tiering')).Tier).toBe('Standard');
      expect((await put('x'.repeat(5000), 'Intelligent-Tiering')).Tier).toBe('Advanced');
      expect((await put('x'.repeat(100), 'Intelligent-Tiering')).Tier).toBe('Advanced');
      expect(await refusal(put('x'.repeat(100), 'Standard'))).toMatch(/^ValidationException: This parameter uses the advanced-parameter tier/);
      expect(await refusal(put('x'.repeat(8193), 'Advanced'))).toMatch(/^ValidationException/);
    });

    it('answers DescribeParameters in short or empty pages with a NextToken, and refuses Filters beside ParameterFilters', async () => {
      for (let index = 0; index < 12; index++) setup.backend.parameterStore.put(`/a/${String(index).padStart(2, '0')}`, 'value', 'String');
      setup.backend.parameterStore.put('/z/wanted', 'value');

      const first = await setup.clients.ssm.send(new DescribeParametersCommand({ MaxResults: 5, ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: ['/z/wanted'] }] }));

      expect(first.Parameters).toEqual([]);
      expect(first.NextToken).toBeDefined();
      expect(await refusal(setup.clients.ssm.send(new DescribeParametersCommand({ Filters: [{ Key: 'Name', Values: ['/z/wanted'] }], ParameterFilters: [{ Key: 'Name', Values: ['/z/wanted'] }] })))).toMatch(/^ValidationException/);
    });
  });

  describe('Slack', () => {
    it('leaves the email out of users.info without users:read.email, as Slack does, without an error', async () => {
      const withEmail = await setup.clients.slack(TOKENS.bot).users.info({ user: 'U0000AAA1' });
      const withoutEmail = await setup.clients.slack(TOKENS.botWithoutEmail).users.info({ user: 'U0000AAA1' });

      expect(withEmail.user?.profile?.email).toBe('alice@example.com');
      expect(withoutEmail.ok).toBe(true);
      expect(withoutEmail.user?.profile).not.toHaveProperty('email');
    });

    it('refuses chat.postMessage and chat.update to a token without chat:write, as Slack does (missing_scope)', async () => {
      const { slack } = setup.backend;
      const posted = await setup.clients.slack(TOKENS.bot).chat.postMessage({ channel: 'C0000IDES', text: 'hello' });
      slack.workspace.botTokens['xoxb-fake-no-chat-write'] = { botId: 'B0000BOT1', botUserId: 'U0000BOT1', scopes: ['commands', 'users:read'] };
      const withoutChatWrite = setup.clients.slack('xoxb-fake-no-chat-write');

      expect(await refusal(withoutChatWrite.chat.postMessage({ channel: 'C0000IDES', text: 'hello' }))).toMatch(/missing_scope/);
      expect(await refusal(withoutChatWrite.chat.update({ channel: 'C0000IDES', ts: posted.ts ?? '', text: 'edited' }))).toMatch(/missing_scope/);
      expect(slack.list(0).map((message) => message.text)).toEqual(['hello']);
    });

    it('refuses users.info to a token without users:read (missing_scope), naming the scope', async () => {
      setup.backend.slack.workspace.botTokens['xoxb-fake-no-users-read'] = { botId: 'B0000BOT1', botUserId: 'U0000BOT1', scopes: ['chat:write'] };

      expect(await refusal(setup.clients.slack('xoxb-fake-no-users-read').users.info({ user: 'U0000AAA1' }))).toMatch(/missing_scope/);
      expect(await setup.clients.slack('xoxb-fake-no-users-read').users.info({ user: 'U0000AAA1' }).catch((error: { data?: unknown }) => error.data)).toMatchObject({ needed: 'users:read' });
    });

    it('refuses a manifest that is not JSON, or has a URL that is not https (invalid_manifest)', async () => {
      const slack = setup.clients.slack();
      const manifest = { display_information: { name: 'team-ide' }, features: { slash_commands: [{ command: '/ide', url: 'http://ide.example.com/slack' }] } };

      expect(await refusal(slack.apiCall('apps.manifest.validate', { token: TOKENS.config, manifest: '{not json' }))).toMatch(/invalid_manifest/);
      expect(await refusal(slack.apiCall('apps.manifest.validate', { token: TOKENS.config, manifest }))).toMatch(/invalid_manifest/);
    });

    it('refuses manifest calls with a bot token or an expired configuration token', async () => {
      const manifest = { display_information: { name: 'team-ide' } };

      expect(await refusal(setup.clients.slack().apiCall('apps.manifest.validate', { token: TOKENS.bot, manifest }))).toMatch(/not_allowed_token_type/);
      expect(await refusal(setup.clients.slack().apiCall('apps.manifest.validate', { token: TOKENS.expiredConfig, manifest }))).toMatch(/token_expired/);
    });
  });
});
