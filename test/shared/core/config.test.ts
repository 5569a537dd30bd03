import { describe, expect, it } from 'vitest';
import { loadConfig, settingProblem } from '../../../shared/core/config';
import { configProblems, validEnv } from '../../fixtures';

describe('loadConfig', () => {
  it('reads a complete environment, with defaults for optional settings', () => {
    const config = loadConfig(validEnv({ KEY_PAIR_NAME: undefined, SOURCE_CIDR: undefined, DEFAULT_SIZE: undefined }));

    expect(config.stackNamePrefix).toBe('team-ide-test');
    expect(config.roster).toHaveLength(4);
    expect(config.allowedUsers).toEqual(['U0000LEAD', 'U0000AAA1']);
    expect(config.maxSeats).toBe(4);
    expect(config.defaultSize).toBe('medium');
    expect(config.defaultHours).toBe(8);
    expect(config.slackApiUrl).toBe('https://slack.com/api');
    expect(config.team).toMatchObject({ exposedPort: 443, dashboardPort: 8090, sourceCidr: '0.0.0.0/0', adminCidr: '', keyPairName: '', rootVolumeGb: 30 });
    expect(config.slackTeamId).toBe('T0000TEAM');
  });

  it('treats an empty optional setting as unset, as serverless.yml passes it', () => {
    expect(loadConfig(validEnv({ MAX_SEATS: '', SOURCE_CIDR: ' ' })).team.sourceCidr).toBe('0.0.0.0/0');
  });

  it('accepts * to allow any user or channel', () => {
    const config = loadConfig(validEnv({ ALLOWED_USERS: '*', ALLOWED_CHANNELS: '*' }));

    expect(config.allowedUsers).toBe('*');
    expect(config.allowedChannels).toBe('*');
  });

  it('names every missing setting, and what to set it to', () => {
    const problems = configProblems(validEnv({ ROSTER: undefined, DOMAIN_NAME: undefined, LAUNCHER_FUNCTION_NAME: '', SLACK_TEAM_ID: undefined }));

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SLACK_TEAM_ID is missing: set it to the Slack workspace id \(T…\), the team_id that auth.test returns/),
        expect.stringMatching(/^ROSTER is missing: set it to slot:SlackUserId:name:email/),
        expect.stringMatching(/^DOMAIN_NAME is missing: set it to the domain/),
        expect.stringMatching(/^LAUNCHER_FUNCTION_NAME is missing/),
      ]),
    );
  });

  it.each([
    ['MAX_SEATS', '0', 'MAX_SEATS must be a whole number from 1 to 30'],
    ['MAX_SEATS', '31', 'MAX_SEATS must be a whole number from 1 to 30'],
    ['SLACK_TEAM_ID', 'acme', 'SLACK_TEAM_ID must be a Slack workspace id like T0123ABCD'],
    ['ADMIN_CIDR', '203.0.113.7', 'ADMIN_CIDR must be an IPv4 CIDR like 203.0.113.7/32, or empty'],
    ['ADMIN_CIDR', '0.0.0.0/0', 'ADMIN_CIDR must not include 172.17.0.0/16, the addresses of the host\'s containers'],
    ['ADMIN_CIDR', '172.16.0.0/12', 'ADMIN_CIDR must not include 172.17.0.0/16'],
    ['DEFAULT_SIZE', 'huge', 'DEFAULT_SIZE must be one of small, medium, large, xlarge'],
    ['DOMAIN_NAME', 'https://code.example.com', 'DOMAIN_NAME must be a domain name'],
    ['DOMAIN_NAME', 'Code.Example.com', 'DOMAIN_NAME must be written in lower case'],
    ['DOMAIN_NAME', `${'a'.repeat(63)}.${'b'.repeat(24)}.code.example.com`, 'DOMAIN_NAME must be at most 90 characters: the deployment\'s IAM policies name every seat\'s records under it'],
    ['HOSTED_ZONE_ID', 'zone', 'HOSTED_ZONE_ID must be a Route 53 hosted zone id'],
    ['VPC_ID', 'vpc-1', 'VPC_ID must be a VPC id'],
    ['SUBNET_ID', 'subnet-xyz', 'SUBNET_ID must be a subnet id'],
    ['SOURCE_CIDR', '300.0.0.0/8', 'SOURCE_CIDR must be an IPv4 CIDR'],
    ['EXPOSED_PORT', '70000', 'EXPOSED_PORT must be a whole number from 1 to 65535'],
    ['ALLOWED_CHANNELS', 'general', 'ALLOWED_CHANNELS has general, which is not a Slack channel id'],
    ['ALLOWED_USERS', 'U0123ABCD,C0123ABCD', 'ALLOWED_USERS has C0123ABCD, which is not a Slack member id'],
    ['SES_FROM_ADDRESS', 'ide', 'SES_FROM_ADDRESS must be an email address'],
    ['SLACK_API_URL', 'https://slack.com/api/', 'SLACK_API_URL must be an http(s) URL without a trailing slash'],
    ['ROSTER', '1:U0000AAA1:alice', 'ROSTER entry "1:U0000AAA1:alice" has 3 fields'],
    ['TEAM_STACK_ROLE_ARN', 'team-ide-role', 'TEAM_STACK_ROLE_ARN must be an IAM role ARN'],
    ['STACK_NAME_PREFIX', 'team_ide', 'STACK_NAME_PREFIX must start with a letter'],
    ['WARNING_MINUTES', '0', 'WARNING_MINUTES must be a whole number from 1 to 120'],
    ['WARNING_MINUTES', '121', 'WARNING_MINUTES must be a whole number from 1 to 120'],
    ['EXTEND_HOURS', '1.5', 'EXTEND_HOURS must be a whole number from 1 to 24'],
    ['TLS_CERTIFICATE', 'letsencrypt', 'TLS_CERTIFICATE must be acme (the deployment obtains and renews the certificate) or own'],
    ['ACME_DIRECTORY_URL', 'http://acme.example.com/directory', 'ACME_DIRECTORY_URL must be the https URL of an ACME directory'],
    ['CERTIFICATE_RENEW_DAYS', '90', 'CERTIFICATE_RENEW_DAYS must be a whole number from 1 to 60'],
    ['CERTIFICATE_KEY_TYPE', 'ed25519', 'CERTIFICATE_KEY_TYPE must be ecdsa (P-256, the default) or rsa'],
    ['CERTIFICATE_CHANNEL', '#general', 'CERTIFICATE_CHANNEL must be a Slack channel id like C0123ABCD'],
    ['ACME_ACCOUNT_KEY_PARAMETER', '', 'ACME_ACCOUNT_KEY_PARAMETER is missing'],
    ['IDLE_MINUTES', '4', 'IDLE_MINUTES must be 0 (no idle stop) or a whole number of minutes from 5 to 240'],
    ['IDLE_MINUTES', '241', 'IDLE_MINUTES must be 0 (no idle stop) or a whole number of minutes from 5 to 240'],
    ['IDLE_MINUTES', '30m', 'IDLE_MINUTES must be 0 (no idle stop) or a whole number of minutes from 5 to 240'],
    ['SANDBOX_IDLE_MINUTE_SECONDS', '2', 'SANDBOX_IDLE_MINUTE_SECONDS is set, which makes the idle stop count fast minutes: unset it, or set IDE_BACKEND=sandbox'],
  ])('refuses %s=%j', (name, value, problem) => {
    expect(configProblems(validEnv({ [name]: value })).join('\n')).toContain(problem);
  });

  it('warns 15 minutes before a run\'s end and extends by 2 hours unless told otherwise', () => {
    expect(loadConfig(validEnv())).toMatchObject({ warningMinutes: 15, extendHours: 2 });
    expect(loadConfig(validEnv({ WARNING_MINUTES: '1', EXTEND_HOURS: '4' }))).toMatchObject({ warningMinutes: 1, extendHours: 4 });
  });

  it('gets the certificate from Let\'s Encrypt by default, renews 30 days before its end, reports to the first allowed channel', () => {
    expect(loadConfig(validEnv()).certificate).toEqual({
      mode: 'acme',
      acmeDirectoryUrl: 'https://acme-v02.api.letsencrypt.org/directory',
      accountKeyParameter: '/team-ide/test/acme-account-key',
      statusParameter: '/team-ide/test/tls-certificate-status',
      renewDays: 30,
      keyType: 'ecdsa',
      channel: 'C0000TEAM',
    });
    expect(loadConfig(validEnv({ ALLOWED_CHANNELS: '*' })).certificate.channel).toBe('');
    expect(loadConfig(validEnv({ ALLOWED_CHANNELS: '*', CERTIFICATE_CHANNEL: 'C0000CERT', TLS_CERTIFICATE: 'own' })).certificate).toMatchObject({ channel: 'C0000CERT', mode: 'own' });
  });

  it('reads the failed-jobs queue and waits 5 minutes for the notifier unless told otherwise', () => {
    expect(loadConfig(validEnv())).toMatchObject({ failedJobsQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/team-ide-test-failed-jobs', notifyGraceMinutes: 5 });
    expect(loadConfig(validEnv({ NOTIFY_GRACE_MINUTES: '60' })).notifyGraceMinutes).toBe(60);
    expect(configProblems(validEnv({ NOTIFY_GRACE_MINUTES: '0' }))).toEqual(['NOTIFY_GRACE_MINUTES must be a whole number from 1 to 60']);
    expect(configProblems(validEnv({ FAILED_JOBS_QUEUE_URL: 'team-ide-test-failed-jobs' }))).toEqual([
      'FAILED_JOBS_QUEUE_URL must be an SQS queue URL like https://sqs.eu-west-1.amazonaws.com/123456789012/team-ide-dev-failed-jobs',
    ]);
  });

  it('stops a run nobody uses after 30 minutes and a warning of WARNING_MINUTES, unless IDLE_MINUTES says otherwise', () => {
    expect(loadConfig(validEnv()).idle).toEqual({ afterMs: 30 * 60_000, warningMs: 15 * 60_000, silentMs: 5 * 60_000 });
    expect(loadConfig(validEnv({ IDLE_MINUTES: '0' })).idle.afterMs).toBe(0);
    expect(loadConfig(validEnv({ IDLE_MINUTES: '240', WARNING_MINUTES: '5' })).idle).toMatchObject({ afterMs: 240 * 60_000, warningMs: 5 * 60_000 });
  });

  it('refuses a default lifetime longer than the maximum', () => {
    expect(configProblems(validEnv({ DEFAULT_HOURS: '30', MAX_HOURS: '24' })).join('\n')).toContain('DEFAULT_HOURS (30) is more than MAX_HOURS (24)');
  });

  it('keeps the dashboard off unless ADMIN_CIDR names the admins', () => {
    expect(loadConfig(validEnv({ ADMIN_CIDR: '203.0.113.7/32' })).team.adminCidr).toBe('203.0.113.7/32');
    expect(loadConfig(validEnv({ ADMIN_CIDR: '' })).team.adminCidr).toBe('');
  });

  it('refuses a dashboard port equal to the IDE port', () => {
    expect(configProblems(validEnv({ DASHBOARD_PORT: '443' })).join('\n')).toContain('EXPOSED_PORT and DASHBOARD_PORT must differ');
  });
});

describe('settingProblem (setup\'s prompts and flags)', () => {
  it.each([
    ['DOMAIN_NAME', 'code.example.com'],
    ['HOSTED_ZONE_ID', 'Z0123456789ABCDEFGHIJ'],
    ['ALLOWED_USERS', 'U0123ABCD, W0123ABCD'],
    ['ALLOWED_CHANNELS', '*'],
    ['SES_FROM_ADDRESS', 'Team IDE <ide@example.com>'],
  ] as const)('passes %s=%s, as loadConfig does', (name, value) => {
    expect(settingProblem(name, value)).toBeUndefined();
    expect(() => loadConfig({ ...validEnv(), [name]: value })).not.toThrow();
  });

  it.each([
    ['DOMAIN_NAME', 'Code.Example.com'],
    ['HOSTED_ZONE_ID', 'zone'],
    ['ALLOWED_USERS', 'C0123ABCD'],
    ['ALLOWED_CHANNELS', 'U0123ABCD'],
    ['SES_FROM_ADDRESS', 'ide'],
    ['DOMAIN_NAME', ''],
  ] as const)('refuses %s=%s in loadConfig\'s own words', (name, value) => {
    const problem = settingProblem(name, value);

    expect(problem).toMatch(new RegExp(`^${name} `));
    expect(configProblems({ ...validEnv(), [name]: value })).toContain(problem);
  });
});
