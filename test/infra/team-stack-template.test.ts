import { describe, expect, it } from 'vitest';
import { TEMPLATE_BODY_LIMIT, USER_DATA_LIMIT, teamTemplateBody } from '../../infra/team-template';
import { expandForEach, findBrokenReferences, validateResources } from './cfn-template';
import { parseCloudFormationYaml } from './cfn-yaml';
import { fillHeader, userDataParts } from './boot-dry-run';
import { isObject, type JsonObject } from './schema-validation';
import { loadConfig } from '../../shared/core/config';
import { INSTANCE_TYPES, mostSeatsOn } from '../../shared/core/instance-types';
import { shareHost } from '../../shared/team/host-shares';
import { NO_DATA_VOLUME, teamStackParameters } from '../../shared/stack/team-stack';
import { seatsFor, validEnv } from '../fixtures';

const SAMPLE_SLOTS = ['1', '2', '5'];

function launcherParameterKeys(): string[] {
  return teamStackParameters(loadConfig(validEnv()).team, { runId: 'run-1', seats: seatsFor([1]), instanceType: 't3.large', share: shareHost('t3.large', 1)!, dataVolume: NO_DATA_VOLUME, previews: false }).map((parameter) => String(parameter.ParameterKey));
}

function parsedTemplate(): JsonObject {
  const template = parseCloudFormationYaml(teamTemplateBody);
  if (!isObject(template)) {
    throw new Error('the template is not a mapping');
  }
  return template;
}

function expandedTemplate(slots = SAMPLE_SLOTS): JsonObject {
  return expandForEach(parsedTemplate(), { Slots: slots }) as JsonObject;
}

function resource(template: JsonObject, logicalId: string): JsonObject {
  const found = (template.Resources as JsonObject)[logicalId];
  if (!isObject(found)) {
    throw new Error(`no resource ${logicalId}`);
  }
  return found;
}

function properties(template: JsonObject, logicalId: string): Record<string, any> {
  return resource(template, logicalId).Properties as Record<string, any>;
}

describe('team stack template', () => {
  it('parses with the CloudFormation tags and keeps the widdix section order', () => {
    // Act
    const template = parsedTemplate();

    // Assess
    expect(Object.keys(template)).toEqual([
      'AWSTemplateFormatVersion',
      'Transform',
      'Description',
      'Metadata',
      'Parameters',
      'Rules',
      'Conditions',
      'Resources',
      'Outputs',
    ]);
    expect(template.Transform).toBe('AWS::LanguageExtensions');
  });

  it('declares the parameters the launcher passes, each described, grouped and constrained', () => {
    // Prepare
    const template = parsedTemplate();
    const parameters = template.Parameters as Record<string, Record<string, unknown>>;
    const groups = (template.Metadata as any)['AWS::CloudFormation::Interface'].ParameterGroups as {
      Parameters: string[];
    }[];

    // Assess
    // The launcher passes every parameter but ImageId, which resolves the AMI by default.
    expect(Object.keys(parameters).sort()).toEqual([...launcherParameterKeys(), 'ImageId'].sort());
    expect((parameters.InstanceType as { AllowedValues: string[] }).AllowedValues).toEqual([...INSTANCE_TYPES]);
    expect(groups.flatMap((group) => group.Parameters).sort()).toEqual(Object.keys(parameters).sort());
    for (const [name, parameter] of Object.entries(parameters)) {
      expect(parameter.Description, name).toEqual(expect.any(String));
      const constrained =
        parameter.AllowedPattern ?? parameter.AllowedValues ?? parameter.MinValue ?? parameter.MaxLength;
      const awsTyped = String(parameter.Type).startsWith('AWS::');
      expect(constrained !== undefined || awsTyped, `${name} has a constraint`).toBe(true);
    }
    expect(parameters.Slots).toMatchObject({ Type: 'CommaDelimitedList', AllowedPattern: '^([1-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-4])$' });
    // AWS-specific types would be checked with the launcher's credentials: only the AMI is one.
    expect(Object.keys(parameters).filter((name) => String(parameters[name]?.Type).startsWith('AWS::'))).toEqual(['ImageId']);
    expect(parameters.VpcId).toMatchObject({ Type: 'String', AllowedPattern: '^vpc-[0-9a-f]{8,17}$' });
    expect(parameters.SubnetId).toMatchObject({ Type: 'String', AllowedPattern: '^subnet-[0-9a-f]{8,17}$' });
    expect(parameters.HostedZoneId).toMatchObject({ Type: 'String', AllowedPattern: '^Z[A-Z0-9]{1,32}$' });
    expect(parameters.SourceIP?.Default).toBe('0.0.0.0/0');
    expect(parameters.AdminCidr?.Default).toBe('');
    expect(parameters.DashboardUsersParameterName?.Default).toBe('');
    expect(parameters.ExposedPort?.Default).toBe(443);
    expect(parameters.TraefikDashboardPort?.Default).toBe(8090);
    for (const name of ['IdeMemoryMiB', 'IdeCpuLimit', 'IdePidsLimit']) {
      expect(parameters[name]?.Default, `${name} is computed by the launcher`).toBeUndefined();
    }
    expect(parameters.InstanceType).toMatchObject({
      Default: 't3.large',
      AllowedValues: ['t3.medium', 't3.large', 't3.xlarge', 't3.2xlarge', 'm6i.large', 'm6i.xlarge', 'm6i.2xlarge'],
    });
    expect(parameters.RootVolumeDimension).toMatchObject({ Default: 30, MinValue: 8, MaxValue: 1024 });
    expect(parameters.KeyPairName?.Default).toBe('');
    expect(parameters.InstanceProfileName?.Default).toBe('');
    expect(parameters.ImageId).toMatchObject({
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    });
  });

  it('accepts 1 to 254 as slots and nothing else', () => {
    // Prepare
    const pattern = new RegExp(String((parsedTemplate().Parameters as any).Slots.AllowedPattern));

    // Assess
    expect(['1', '2', '5', '10', '99', '100', '199', '249', '254'].every((slot) => pattern.test(slot))).toBe(true);
    expect(['0', '255', '260', '300', '999', '01', ' 1', 'a', ''].some((slot) => pattern.test(slot))).toBe(false);
  });

  it('accepts the share the launcher computes for every instance type and number of seats', () => {
    // Prepare
    const parameters = parsedTemplate().Parameters as Record<string, { MinValue: number; MaxValue: number }>;
    const within = (name: string, value: number) => value >= (parameters[name]?.MinValue ?? NaN) && value <= (parameters[name]?.MaxValue ?? NaN);

    for (const instanceType of INSTANCE_TYPES) {
      for (let seats = 1; seats <= mostSeatsOn(instanceType); seats += 1) {
        // Act
        const share = shareHost(instanceType, seats)!;

        // Assess
        expect([within('IdeMemoryMiB', share.memoryMiB), within('IdeCpuLimit', share.cpus), within('IdePidsLimit', share.pids)], `${instanceType} × ${seats}`).toEqual([true, true, true]);
      }
    }
  });

  it('accepts an empty AdminCidr or an IPv4 range, and nothing else', () => {
    // Prepare
    const pattern = new RegExp(String((parsedTemplate().Parameters as any).AdminCidr.AllowedPattern));

    // Assess
    expect(['', '203.0.113.7/32', '10.0.0.0/8'].every((value) => pattern.test(value))).toBe(true);
    expect(['203.0.113.7', ' 10.0.0.0/8', '300.0.0.0/8', "1.2.3.4/32' x"].some((value) => pattern.test(value))).toBe(false);
  });

  it('takes no password as a template parameter', () => {
    // Prepare
    const parameters = parsedTemplate().Parameters as Record<string, Record<string, unknown>>;

    // Assess
    expect(Object.keys(parameters).filter((name) => /password|secret|credential/i.test(name))).toEqual([]);
    expect(Object.values(parameters).filter((parameter) => parameter.NoEcho)).toEqual([]);
  });

  it('validates every resource against its registry schema, for slots 1,2,5', () => {
    // Act
    const problems = validateResources(expandedTemplate());

    // Assess
    expect(problems).toEqual([]);
  });

  it('resolves every Ref, GetAtt, Sub variable, DependsOn and condition name', () => {
    // Act
    const problems = findBrokenReferences(expandedTemplate());

    // Assess
    expect(problems).toEqual([]);
  });

  it('expands to one secret, one record and one preview record per slot, and one data volume', () => {
    // Act
    const resources = Object.keys(expandedTemplate().Resources as JsonObject);

    // Assess
    expect(resources.sort()).toEqual(
      [
        'DevPassword1',
        'DevPassword2',
        'DevPassword5',
        'DevRecord1',
        'DevRecord2',
        'DevRecord5',
        'PreviewRecord1',
        'PreviewRecord2',
        'PreviewRecord5',
        'MonitorRecord',
        'InstanceRecord',
        'SecurityGroup',
        'Role',
        'InstanceProfile',
        'WaitHandle',
        'Instance',
        'SeatReport',
        'WaitCondition',
        'DataVolume',
      ].sort(),
    );
  });

  it('keeps the homes on an encrypted gp3 data volume in the host\'s zone, snapshotted when the stack is deleted, only with KeepWork', () => {
    // Prepare
    const template = expandedTemplate();
    const volume = resource(template, 'DataVolume');
    const conditions = template.Conditions as Record<string, unknown>;

    // Assess: DeletionPolicy Snapshot takes the snapshot, also when a property change would replace it.
    expect(volume).toMatchObject({ Type: 'AWS::EC2::Volume', Condition: 'HasDataVolume', DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' });
    expect(volume.Properties).toEqual({
      AvailabilityZone: { Ref: 'AvailabilityZone' },
      Size: { Ref: 'DataVolumeDimension' },
      VolumeType: 'gp3',
      Encrypted: true,
      SnapshotId: { 'Fn::If': ['HasDataSnapshot', { Ref: 'DataSnapshotId' }, { Ref: 'AWS::NoValue' }] },
      Tags: [{ Key: 'Name', Value: { 'Fn::Sub': 'team-ide ${AWS::StackName} homes' } }],
    });
    expect(conditions.HasDataVolume).toEqual({ 'Fn::Equals': [{ Ref: 'KeepWork' }, 'true'] });
    expect(conditions.HasDataSnapshot).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'DataSnapshotId' }, ''] }] });
  });

  it('attaches the data volume through the instance\'s Volumes, so the host is terminated before the volume is snapshotted', () => {
    // Prepare
    const instance = properties(expandedTemplate(), 'Instance');

    // Assess: the instance depends on the volume, so CloudFormation deletes the instance first.
    expect(instance.Volumes).toEqual({ 'Fn::If': ['HasDataVolume', [{ Device: '/dev/sdf', VolumeId: { Ref: 'DataVolume' } }], { Ref: 'AWS::NoValue' }] });
    expect(Object.values(expandedTemplate().Resources as JsonObject).filter((candidate) => isObject(candidate) && candidate.Type === 'AWS::EC2::VolumeAttachment')).toEqual([]);
    const header = userDataParts().header;
    expect(header).toContain("export DATA_VOLUME_ID='${DataVolumeId}' DATA_SNAPSHOT_ID='${DataSnapshotId}'");
  });

  it('declares the saved-work parameters, constrained, and requires the zone when KeepWork is true', () => {
    // Prepare
    const template = parsedTemplate();
    const parameters = template.Parameters as Record<string, Record<string, unknown>>;

    // Assess
    expect(parameters.KeepWork).toMatchObject({ Type: 'String', Default: 'false', AllowedValues: ['true', 'false'] });
    expect(parameters.AvailabilityZone).toMatchObject({ Type: 'String', Default: '', AllowedPattern: '^([a-z]{2}(-gov)?-[a-z]+-[0-9][a-z])?$' });
    expect(parameters.DataSnapshotId).toMatchObject({ Type: 'String', Default: '', AllowedPattern: '^(snap-[0-9a-f]{8,17})?$' });
    expect(parameters.DataVolumeDimension).toMatchObject({ Type: 'Number', Default: 20, MinValue: 1, MaxValue: 1024 });
    expect((template.Rules as any).DataVolumeZone).toEqual({
      RuleCondition: { 'Fn::Equals': [{ Ref: 'KeepWork' }, 'true'] },
      Assertions: [{ Assert: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AvailabilityZone' }, ''] }] }, AssertDescription: 'AvailabilityZone must name the zone of SubnetId when KeepWork is true.' }],
    });
  });

  it('gives the host each slot\'s member, so a home follows its developer rather than the slot', () => {
    // Prepare
    const parameters = parsedTemplate().Parameters as Record<string, Record<string, unknown>>;
    const pattern = new RegExp(String(parameters.SlotMembers?.AllowedPattern));

    // Assess
    expect(parameters.SlotMembers).toMatchObject({ Type: 'String', Default: '' });
    expect(['', 'U0123ABCD', 'U0123ABCD,W0456EFGH'].filter((value) => !pattern.test(value))).toEqual([]);
    expect(['U0123ABCD,', 'U0123ABCD, W0456EFGH', "U0123ABCD'", '../etc', 'u0123abcd'].filter((value) => pattern.test(value))).toEqual([]);
    expect(userDataParts().header).toContain("SLOT_MEMBERS='${SlotMembers}'");
  });

  it('stays under the TemplateBody and user data limits', () => {
    // Prepare
    const { header, hostScript } = userDataParts();
    const longest = fillHeader(header, {
      'AWS::StackName': 's'.repeat(128),
      'AWS::Region': 'ap-southeast-5',
      RunId: '51af3dc0-da77-11e4-872e-1234567db123',
      DomainName: 'd'.repeat(253),
      // The largest run, in the highest (three-digit) seats.
      SlotList: Array.from({ length: 98 }, (_, index) => 254 - index).join(','),
      // Slack member ids as long as the template's pattern allows.
      SlotMembers: Array.from({ length: 98 }, (_, index) => `U${String(index).padStart(20, '0')}`).join(','),
      ExposedPort: '65535',
      TraefikDashboardPort: '65535',
      AdminCidr: '255.255.255.255/32',
      IdeMemoryMiB: '32768',
      IdeCpuLimit: '7.5',
      IdePidsLimit: '32768',
      CertificateParameterName: 'c'.repeat(256),
      Previews: 'off',
      DashboardUsersParameterName: 'u'.repeat(256),
      WaitHandle: 'w'.repeat(1024),
      DataVolumeId: 'vol-0123456789abcdef0',
      DataSnapshotId: 'snap-0123456789abcdef0',
    });

    // Assess
    expect(Buffer.byteLength(teamTemplateBody)).toBeLessThan(TEMPLATE_BODY_LIMIT);
    expect(Buffer.byteLength(longest + hostScript)).toBeLessThan(USER_DATA_LIMIT);
  });

  it('keeps the outputs of the largest run within the 200-output quota', () => {
    // Prepare: 98 slots, the most a run may hold (see the README, "Quotas and limits").
    const slots = Array.from({ length: 98 }, (_, index) => String(index + 1));

    // Act
    const template = expandedTemplate(slots);

    // Assess
    expect(Object.keys(template.Outputs as JsonObject).length).toBeLessThanOrEqual(200);
    expect(Object.keys(template.Resources as JsonObject).length).toBeLessThanOrEqual(500);
  });

  it('names each password secret after the stack and the run id, with 24 generated letters and digits', () => {
    // Act
    const secret = properties(expandedTemplate(), 'DevPassword5');

    // Assess
    expect(secret.Name).toEqual({ 'Fn::Sub': '${AWS::StackName}/${RunId}/dev-5' });
    expect(secret.GenerateSecretString).toEqual({
      PasswordLength: 24,
      ExcludePunctuation: true,
      RequireEachIncludedType: true,
    });
    expect(secret.GenerateSecretString.SecretStringTemplate).toBeUndefined();
    expect(resource(expandedTemplate(), 'DevPassword5').DeletionPolicy).toBeUndefined();
  });

  it('scopes the instance role to the two parameters, this run’s secrets and this run’s seat report', () => {
    // Prepare
    const role = properties(expandedTemplate(), 'Role');
    const statements = role.Policies[0].PolicyDocument.Statement as Record<string, any>[];
    const [parameters, secrets, seatReport] = statements;

    // Assess
    expect(statements).toHaveLength(3);
    expect(seatReport).toEqual({ Sid: 'SeatReport', Effect: 'Allow', Action: 'ssm:PutParameter', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${AWS::StackName}/${RunId}/seats' } });
    expect(properties(expandedTemplate(), 'SeatReport')).toMatchObject({ Name: { 'Fn::Sub': '/${AWS::StackName}/${RunId}/seats' }, Type: 'String', Value: '{"seats":[]}' });
    expect(parameters?.Action).toEqual(['ssm:GetParameter', 'ssm:GetParameters']);
    expect(JSON.stringify(parameters?.Resource)).not.toContain('*');
    for (const name of ['CertificateParameterName', 'DashboardUsersParameterName']) {
      expect(JSON.stringify(parameters?.Resource)).toContain(
        `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/\${${name}}`,
      );
    }
    expect(secrets?.Action).toBe('secretsmanager:GetSecretValue');
    expect(secrets?.Resource['Fn::Sub']).toBe(
      'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${AWS::StackName}/${RunId}/*',
    );
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(resource(expandedTemplate(), 'Role').Condition).toBe('HasNoInstanceProfile');
    expect(resource(expandedTemplate(), 'InstanceProfile').Condition).toBe('HasNoInstanceProfile');
  });

  it('collapses the double slash of parameter names that start with one', () => {
    // Prepare
    const role = properties(expandedTemplate(), 'Role');
    const arn = role.Policies[0].PolicyDocument.Statement[0].Resource[0];
    const [separator, split] = arn['Fn::Join'];
    const [splitOn, sub] = split['Fn::Split'];
    const text = (sub['Fn::Sub'] as string).replace('${CertificateParameterName}', '/team-ide/tls/cert');

    // Act
    const resolved = text.split(splitOn).join(separator);

    // Assess
    expect(resolved).toBe('arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/team-ide/tls/cert');
  });

  it('requires IMDSv2 and an encrypted gp3 root volume, and sets a key pair only when given', () => {
    // Act
    const instance = properties(expandedTemplate(), 'Instance');

    // Assess
    expect(instance.MetadataOptions).toEqual({ HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(instance.BlockDeviceMappings).toEqual([
      {
        DeviceName: '/dev/xvda',
        Ebs: { VolumeSize: { Ref: 'RootVolumeDimension' }, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true },
      },
    ]);
    expect(instance.ImageId).toEqual({ Ref: 'ImageId' });
    expect(instance.KeyName).toEqual({ 'Fn::If': ['HasKeyPair', { Ref: 'KeyPairName' }, { Ref: 'AWS::NoValue' }] });
    expect(instance.IamInstanceProfile).toEqual({
      'Fn::If': ['HasInstanceProfile', { Ref: 'InstanceProfileName' }, { Ref: 'InstanceProfile' }],
    });
    expect(resource(expandedTemplate(), 'Instance').CreationPolicy).toBeUndefined();
  });

  it('admits the IDEs and the redirect from SourceIP, the dashboard only from AdminCidr, and SSH only with a key pair', () => {
    // Act
    const ingress = properties(expandedTemplate(), 'SecurityGroup').SecurityGroupIngress as unknown[];

    // Assess
    expect(ingress).toEqual([
      expect.objectContaining({ FromPort: { Ref: 'ExposedPort' }, ToPort: { Ref: 'ExposedPort' }, CidrIp: { Ref: 'SourceIP' } }),
      {
        'Fn::If': [
          'HasDashboard',
          expect.objectContaining({ FromPort: { Ref: 'TraefikDashboardPort' }, ToPort: { Ref: 'TraefikDashboardPort' }, CidrIp: { Ref: 'AdminCidr' } }),
          { Ref: 'AWS::NoValue' },
        ],
      },
      expect.objectContaining({ FromPort: 80, ToPort: 80, CidrIp: { Ref: 'SourceIP' } }),
      {
        'Fn::If': [
          'HasKeyPair',
          expect.objectContaining({ FromPort: 22, ToPort: 22, CidrIp: { Ref: 'SourceIP' } }),
          { Ref: 'AWS::NoValue' },
        ],
      },
    ]);
  });

  it('creates the dev, monitor and instance records as resources pointing at the instance', () => {
    // Prepare
    const template = expandedTemplate();
    const pointsAtInstance = { ResourceRecords: [{ 'Fn::GetAtt': ['Instance', 'PublicIp'] }], Type: 'A', TTL: '60' };

    // Assess
    expect(properties(template, 'DevRecord2')).toMatchObject({
      ...pointsAtInstance,
      HostedZoneId: { Ref: 'HostedZoneId' },
      Name: { 'Fn::Sub': 'dev-2.${DomainName}.' },
    });
    expect(properties(template, 'MonitorRecord')).toMatchObject({
      ...pointsAtInstance,
      Name: { 'Fn::Sub': 'monitor.${DomainName}.' },
    });
    expect(properties(template, 'InstanceRecord')).toMatchObject({
      ...pointsAtInstance,
      Name: { 'Fn::Sub': '${Instance}.${DomainName}.' },
    });
    for (const logicalId of ['DevRecord1', 'PreviewRecord1', 'MonitorRecord', 'InstanceRecord']) {
      expect(resource(template, logicalId).DependsOn).toBeUndefined();
    }
    expect(resource(template, 'MonitorRecord').Condition).toBe('HasDashboard');
  });

  it('with Previews on, adds a wildcard record *.dev-N per slot, to the instance, and tells the host', () => {
    // Prepare
    const template = expandedTemplate();
    const { header } = userDataParts();

    // Assess
    expect(resource(template, 'PreviewRecord5')).toEqual({
      Type: 'AWS::Route53::RecordSet',
      Condition: 'HasPreviews',
      Properties: {
        HostedZoneId: { Ref: 'HostedZoneId' },
        Name: { 'Fn::Sub': '*.dev-5.${DomainName}.' },
        Type: 'A',
        TTL: '60',
        ResourceRecords: [{ 'Fn::GetAtt': ['Instance', 'PublicIp'] }],
      },
    });
    expect((template.Conditions as JsonObject).HasPreviews).toEqual({ 'Fn::Equals': [{ Ref: 'Previews' }, 'on'] });
    expect((template.Parameters as Record<string, JsonObject>).Previews).toMatchObject({ Type: 'String', Default: 'off', AllowedValues: ['on', 'off'] });
    expect(header).toContain("PREVIEWS='${Previews}'");
  });

  it('hands the share and the admins’ range to the host, and the dashboard rules and conditions follow AdminCidr', () => {
    // Prepare
    const template = parsedTemplate();
    const { header } = userDataParts();

    // Assess
    expect(header).toContain("ADMIN_CIDR='${AdminCidr}'");
    expect(header).toContain("export IDE_MEMORY_MIB='${IdeMemoryMiB}' IDE_CPUS='${IdeCpuLimit}' IDE_PIDS='${IdePidsLimit}'");
    expect((template.Conditions as JsonObject).HasDashboard).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AdminCidr' }, ''] }] });
    expect((template.Rules as JsonObject).DashboardCredential).toEqual({
      RuleCondition: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AdminCidr' }, ''] }] },
      Assertions: [{ Assert: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'DashboardUsersParameterName' }, ''] }] }, AssertDescription: expect.stringContaining('DashboardUsersParameterName') }],
    });
  });

  it('waits for the host’s signal through a wait condition created after the instance', () => {
    // Prepare
    const template = expandedTemplate();
    const { header } = userDataParts();

    // Assess
    expect(resource(template, 'WaitCondition')).toEqual({
      Type: 'AWS::CloudFormation::WaitCondition',
      DependsOn: 'Instance',
      Properties: { Handle: { Ref: 'WaitHandle' }, Timeout: '600', Count: 1 },
    });
    expect(header).toContain("export WAIT_HANDLE_URL='${WaitHandle}'");
  });

  it('outputs a URL and a password secret ARN per slot, the dashboard URL, the instance id and public IP', () => {
    // Act
    const outputs = expandedTemplate().Outputs as Record<string, { Value: unknown }>;

    // Assess
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'DevUrl1',
        'DevUrl2',
        'DevUrl5',
        'DevPasswordSecret1',
        'DevPasswordSecret2',
        'DevPasswordSecret5',
        'DashboardUrl',
        'InstanceId',
        'PublicIp',
      ].sort(),
    );
    expect(outputs.DevUrl5?.Value).toEqual({
      'Fn::If': [
        'HasStandardPort',
        { 'Fn::Sub': 'https://dev-5.${DomainName}' },
        { 'Fn::Sub': 'https://dev-5.${DomainName}:${ExposedPort}' },
      ],
    });
    expect(outputs.DevPasswordSecret5?.Value).toEqual({ Ref: 'DevPassword5' });
    // Output descriptions must be plain strings once expanded: no literal ${Slot} left.
    expect((outputs.DevPasswordSecret5 as { Description?: unknown }).Description).toBe('ARN of the Secrets Manager secret whose value is the password of slot 5');
    expect((outputs.DevUrl5 as { Description?: unknown }).Description).toBe('URL of the IDE of slot 5');
    expect(outputs.DashboardUrl).toMatchObject({
      Condition: 'HasDashboard',
      Value: { 'Fn::Sub': 'https://monitor.${DomainName}:${TraefikDashboardPort}/dashboard/' },
    });
    expect(outputs.InstanceId?.Value).toEqual({ Ref: 'Instance' });
    expect(outputs.PublicIp?.Value).toEqual({ 'Fn::GetAtt': ['Instance', 'PublicIp'] });
  });
});

describe('template validator', () => {
  it('reports a misspelled property, a missing required one and a wrong literal type', () => {
    // Prepare
    const broken = expandedTemplate();
    const instance = properties(broken, 'Instance');
    instance.InstanceTyp = instance.InstanceType;
    delete instance.InstanceType;
    delete properties(broken, 'MonitorRecord').Type;
    instance.BlockDeviceMappings[0].Ebs.Encrypted = 'yes';
    properties(broken, 'DevPassword2').GenerateSecretString.PasswordLength = '24';

    // Act
    const problems = validateResources(broken);

    // Assess
    expect(problems).toEqual(
      expect.arrayContaining([
        'Instance: / must NOT have additional properties (InstanceTyp)',
        "MonitorRecord: / must have required property 'Type'",
        'Instance: /BlockDeviceMappings/0/Ebs/Encrypted must be boolean',
        'DevPassword2: /GenerateSecretString/PasswordLength must be integer',
      ]),
    );
  });

  it('reports a wrong literal on either side of an Fn::If', () => {
    // Prepare
    const broken = expandedTemplate();
    properties(broken, 'SecurityGroup').SecurityGroupIngress[3]['Fn::If'][1].FromPort = 'twenty-two';
    properties(broken, 'SecurityGroup').SecurityGroupIngress[1]['Fn::If'][1].IpProtocol = 6;

    // Act
    const problems = validateResources(broken);

    // Assess
    expect(problems).toContain('SecurityGroup: /SecurityGroupIngress/3/FromPort must be integer');
    expect(problems).toContain('SecurityGroup: /SecurityGroupIngress/1/IpProtocol must be string');
  });

  it('reports references to nothing', () => {
    // Prepare
    const broken = expandedTemplate();
    properties(broken, 'DevRecord1').HostedZoneId = { Ref: 'HostedZone' };
    properties(broken, 'MonitorRecord').ResourceRecords = [{ 'Fn::GetAtt': ['Instance', 'PublicAddress'] }];
    properties(broken, 'InstanceRecord').Name = { 'Fn::Sub': '${Instanse}.${DomainName}.' };

    // Act
    const problems = findBrokenReferences(broken);

    // Assess
    expect(problems).toEqual([
      'Resources/DevRecord1/Properties/HostedZoneId: Ref names nothing: "HostedZone"',
      'Resources/MonitorRecord/Properties/ResourceRecords/0: AWS::EC2::Instance has no attribute PublicAddress',
      'Resources/InstanceRecord/Properties/Name: Fn::Sub names nothing: ${Instanse}',
    ]);
  });

  it('expands Fn::ForEach as cfn-lint models the transform: keys, Fn::Sub and a Ref to the identifier, not other strings', () => {
    // Prepare
    const fragment = {
      Resources: {
        'Fn::ForEach::Topics': ['Name', { Ref: 'Names' }, {
          'Topic${Name}': {
            Properties: {
              A: { Ref: 'Name' },
              B: 'x-${Name}',
              C: { 'Fn::Sub': '&{Name}' },
              D: { Ref: { 'Fn::Sub': 'Queue${Name}' } },
              E: { 'Fn::GetAtt': [{ 'Fn::Sub': 'Queue${Name}' }, 'Arn'] },
              F: { 'Fn::Sub': '${Name}.${DomainName}' },
              G: { Ref: 'Queue${Name}' },
            },
          },
        }],
      },
    };

    // Act
    const expanded = expandForEach(fragment, { Names: ['a-1', 'b'] }) as { Resources: Record<string, { Properties: Record<string, unknown> }> };

    // Assess
    expect(Object.keys(expanded.Resources)).toEqual(['Topica-1', 'Topicb']);
    expect(expanded.Resources['Topica-1']?.Properties).toEqual({
      A: 'a-1',
      B: 'x-${Name}',
      C: 'a1',
      D: { Ref: 'Queuea-1' },
      E: { 'Fn::GetAtt': ['Queuea-1', 'Arn'] },
      F: { 'Fn::Sub': 'a-1.${DomainName}' },
      G: { Ref: 'Queue${Name}' },
    });
  });

  it('expands nested loops, and refuses a loop whose output key lacks its identifier', () => {
    // Prepare
    const nested = { 'Fn::ForEach::Outer': ['X', ['a', 'b'], { 'Fn::ForEach::Inner': ['Y', ['1', '2'], { 'K${X}${Y}': { V: { 'Fn::Sub': '${X}-${Y}' } } }] }] };
    const keyless = { 'Fn::ForEach::Loop': ['X', ['a'], { Fixed: {} }] };

    // Act
    const expanded = expandForEach(nested, {});

    // Assess
    expect(expanded).toEqual({ Ka1: { V: 'a-1' }, Ka2: { V: 'a-2' }, Kb1: { V: 'b-1' }, Kb2: { V: 'b-2' } });
    expect(() => expandForEach(keyless, {})).toThrow('the output key Fixed must contain ${X} or &{X}');
  });
});
