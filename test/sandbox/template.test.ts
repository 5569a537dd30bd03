import { describe, expect, it } from 'vitest';
import {
  checkCapabilities,
  checkRules,
  checkTemplate,
  generatePassword,
  type GivenParameter,
  parseTemplate,
  planStack,
  resolveParameters,
  TemplateProcessingError,
} from '../../sandbox/backend/cloudformation/template';
import { teamTemplateBody } from '../../infra/team-template';
import { loadConfig } from '../../shared/core/config';
import { teamStackParameters } from '../../shared/stack/team-stack';
import { shareHost } from '../../shared/team/host-shares';
import { seatsFor, validEnv } from '../fixtures';

const CONTEXT = {
  stackName: 'team-ide-test-ides',
  stackId: 'arn:aws:cloudformation:eu-west-1:000000000000:stack/team-ide-test-ides/0a1b2c3d-aaaa-4bbb-8ccc-123456789012',
  region: 'eu-west-1',
  accountId: '000000000000',
};
const CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'];
/** A restored data volume, as the launcher asks for one. */
const DATA_VOLUME = { keep: true, availabilityZone: 'eu-west-1a', snapshotId: 'snap-0123456789abcdef0', sizeGb: 20 };

/** The launcher's parameters for a run, with single values replaced. */
function launcherParameters(slots: number[], overrides: Record<string, string> = {}): GivenParameter[] {
  const parameters = teamStackParameters(loadConfig(validEnv()).team, { runId: 'run-1', seats: seatsFor(slots), instanceType: 't3.large', share: shareHost('t3.large', slots.length)!, dataVolume: DATA_VOLUME, previews: true });
  return parameters.map(({ ParameterKey = '', ParameterValue = '' }) => ({ key: ParameterKey, value: overrides[ParameterKey] ?? ParameterValue }));
}

const template = parseTemplate(teamTemplateBody);
const problemOf = (act: () => unknown): string => {
  try {
    act();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
};

describe('resolveParameters (the checks CloudFormation makes before it answers CreateStack)', () => {
  it('takes the launcher\'s parameters and fills in the defaults', () => {
    const values = resolveParameters(template, launcherParameters([1, 2, 5]));

    expect(values.Slots).toEqual(['1', '2', '5']);
    expect(values.SlotMembers).toBe('U0000SEAT1,U0000SEAT2,U0000SEAT5');
    expect(values.ImageId).toBe('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');
  });

  it.each([
    ['a parameter the template lacks', [...launcherParameters([1]), { key: 'Bogus', value: 'x' }], 'Parameters: [Bogus] do not exist in the template'],
    ['a required parameter left out', launcherParameters([1]).filter(({ key }) => key !== 'RunId'), 'Parameters: [RunId] must have values'],
    ['a slot outside AllowedPattern', launcherParameters([1], { Slots: '1,255' }), 'Parameter \'Slots\' failed to satisfy constraint: Each slot must be a whole number from 1 to 254, without spaces.'],
    ['a value outside AllowedValues', launcherParameters([1], { InstanceType: 't2.nano' }), 'Parameter \'InstanceType\' must have values from the AllowedValues list'],
    ['a number under MinValue', launcherParameters([1], { RootVolumeDimension: '4' }), 'Parameter \'RootVolumeDimension\' failed to satisfy constraint: Must be from 8 to 1024 GiB.'],
    ['a Number that is not one', launcherParameters([1], { ExposedPort: 'https' }), 'Parameter \'ExposedPort\' must be a number'],
    ['a VPC id of the wrong form', launcherParameters([1], { VpcId: 'my-vpc' }), 'Parameter \'VpcId\' failed to satisfy constraint: Must be a VPC id such as vpc-0123456789abcdef0.'],
    ['an IDE memory below code-server\'s minimum', launcherParameters([1], { IdeMemoryMiB: '512' }), 'Parameter \'IdeMemoryMiB\' failed to satisfy constraint: Must be from 1024 to 32768 MiB: code-server needs at least 1 GiB.'],
    ['a member list with a path in it', launcherParameters([1, 2], { SlotMembers: 'U0000SEAT1,../etc' }), 'Parameter \'SlotMembers\' failed to satisfy constraint: Must be empty, or one Slack member id (such as U0123ABCD) per slot, comma separated, without spaces.'],
    ['an admins\' range that is not one', launcherParameters([1], { AdminCidr: '203.0.113.7' }), 'Parameter \'AdminCidr\' failed to satisfy constraint: Must be empty or an IPv4 CIDR such as 203.0.113.7/32.'],
  ])('refuses %s with CloudFormation\'s message', (_case, given, message) => {
    expect(problemOf(() => resolveParameters(template, given))).toBe(message);
  });

  it('applies the Rules and the capabilities the template needs', () => {
    const samePorts = resolveParameters(template, launcherParameters([1], { ExposedPort: '8090' }));

    const dashboardWithoutCredential = resolveParameters(template, launcherParameters([1], { AdminCidr: '203.0.113.7/32', DashboardUsersParameterName: '' }));
    const noDashboard = resolveParameters(template, launcherParameters([1], { DashboardUsersParameterName: '' }));

    expect(problemOf(() => checkRules(template, samePorts, CONTEXT))).toBe('ExposedPort and TraefikDashboardPort must differ.');
    expect(problemOf(() => checkRules(template, dashboardWithoutCredential, CONTEXT))).toBe('With AdminCidr, DashboardUsersParameterName must name the SSM SecureString holding the dashboard credential.');
    expect(() => checkRules(template, noDashboard, CONTEXT)).not.toThrow();
    expect(problemOf(() => checkCapabilities(template, ['CAPABILITY_IAM']))).toBe('Requires capabilities : [CAPABILITY_AUTO_EXPAND]');
  });
});

describe('planStack (what CloudFormation works out once it accepted the stack)', () => {
  it('computes the outputs as the template does: the port in the URLs unless 443, a secret per slot', () => {
    const plan = checkTemplate(teamTemplateBody, launcherParameters([1, 2, 5], { ExposedPort: '8443' }), CAPABILITIES, CONTEXT);
    const outputs = Object.fromEntries(plan.outputs.map(({ key, value }) => [key, value]));

    expect(outputs.DevUrl5).toBe('https://dev-5.code.example.com:8443');
    expect(outputs.DevPasswordSecret5).toMatch(/^arn:aws:secretsmanager:eu-west-1:000000000000:secret:team-ide-test-ides\/run-1\/dev-5-[A-Za-z]{6}$/);
    expect(outputs.DashboardUrl).toBeUndefined();
    expect(outputs.InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
    expect(outputs.PublicIp).toBe('127.0.0.1');
    expect(plan.resources.filter((resource) => resource.type === 'AWS::SecretsManager::Secret').map((secret) => secret.properties.Name)).toEqual([
      'team-ide-test-ides/run-1/dev-1',
      'team-ide-test-ides/run-1/dev-2',
      'team-ide-test-ides/run-1/dev-5',
    ]);
    // The deployment's instance profile is given: the stack creates no IAM resource of its own.
    expect(plan.resources.map((resource) => resource.type)).not.toContain('AWS::IAM::Role');
  });

  it('has a dashboard, its record and its URL only with AdminCidr', () => {
    const plan = checkTemplate(teamTemplateBody, launcherParameters([1], { AdminCidr: '203.0.113.7/32' }), CAPABILITIES, CONTEXT);
    const without = checkTemplate(teamTemplateBody, launcherParameters([1]), CAPABILITIES, CONTEXT);

    expect(plan.outputs.find(({ key }) => key === 'DashboardUrl')?.value).toBe('https://monitor.code.example.com:8090/dashboard/');
    expect(plan.resources.map((resource) => resource.logicalId)).toContain('MonitorRecord');
    expect(without.resources.map((resource) => resource.logicalId)).not.toContain('MonitorRecord');
  });

  it('leaves the port out of the URLs on 443', () => {
    const plan = checkTemplate(teamTemplateBody, launcherParameters([1]), CAPABILITIES, CONTEXT);

    expect(plan.outputs.find(({ key }) => key === 'DevUrl1')?.value).toBe('https://dev-1.code.example.com');
  });

  it('rolls back a slot list the transform cannot expand (a slot twice)', () => {
    const values = resolveParameters(template, launcherParameters([1], { Slots: '1,1' }));

    const act = () => planStack(template, values, CONTEXT);

    expect(act).toThrow(TemplateProcessingError);
    expect(problemOf(act)).toMatch(/^Transform AWS::LanguageExtensions failed with: .*DevPassword1 twice/);
  });

  it('rolls back a loop that refers to Name${Id} in a plain string, as cfn-lint refuses it (E6101)', () => {
    // Prepare: the form cfn-lint refuses; the transform substitutes only keys, Fn::Sub and Refs to the identifier.
    const plainRef = teamTemplateBody.replace("Ref: !Sub 'DevPassword${Slot}'", "Ref: 'DevPassword${Slot}'");

    // Act
    const act = () => checkTemplate(plainRef, launcherParameters([1, 2]), CAPABILITIES, CONTEXT);

    // Assess
    expect(plainRef).not.toBe(teamTemplateBody);
    expect(act).toThrow(TemplateProcessingError);
    expect(problemOf(act)).toBe(
      'Template error: Outputs/DevPasswordSecret1/Value/Ref: Unresolved resource dependencies [DevPassword${Slot}] in the template'
        + " (Fn::ForEach replaces ${Id} only in keys, inside Fn::Sub and in a Ref to the identifier itself: write Ref: !Sub 'DevPassword${Slot}')",
    );
  });

  it('reports a broken template: a syntax error at once, a dangling reference once accepted', () => {
    const dangling = teamTemplateBody.replace('Value: !Ref Instance\n', 'Value: !Ref Instanse\n');

    expect(problemOf(() => parseTemplate('Resources: [unclosed'))).toMatch(/^Template format error: YAML not well-formed/);
    expect(problemOf(() => checkTemplate(dangling, launcherParameters([1]), CAPABILITIES, CONTEXT))).toMatch(/Unresolved resource dependencies \[Instanse\]/);
  });
});

describe('generatePassword', () => {
  it('makes 24 letters and digits, with each kind at least once, different every time', () => {
    const options = { PasswordLength: 24, ExcludePunctuation: true, RequireEachIncludedType: true };

    const passwords = Array.from({ length: 200 }, () => generatePassword(options));

    for (const password of passwords) {
      expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[0-9]/);
    }
    expect(new Set(passwords).size).toBe(200);
  });
});
