import { loadConfig } from '../shared/core/config';
import { ConfigError } from '../shared/core/errors';
import type { RunSeat } from '../shared/stack/team-stack';

/** A complete, valid environment; tests override single settings. All values are fake. */
export function validEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    AWS_REGION: 'eu-west-1',
    STACK_NAME_PREFIX: 'team-ide-test',
    ROSTER: '1:U0000AAA1:alice:alice@example.com,2:U0000BBB2:bob:bob@example.com,3:U0000CCC3:carol:,5:U0000EEE5:erin:erin@example.com',
    ALLOWED_USERS: 'U0000LEAD,U0000AAA1',
    ALLOWED_CHANNELS: 'C0000TEAM',
    MAX_SEATS: '4',
    SLACK_SIGNING_SECRET_PARAMETER: '/team-ide/test/slack-signing-secret',
    SLACK_BOT_TOKEN_PARAMETER: '/team-ide/test/slack-bot-token',
    SLACK_TEAM_ID: 'T0000TEAM',
    SLACK_BOT_ID: 'B0000BOT1',
    SLACK_BOT_USER_ID: 'U0000BOT1',
    LAUNCHER_FUNCTION_NAME: 'team-ide-test-launcher',
    NOTIFIER_FUNCTION_NAME: 'team-ide-test-notifier',
    CERTIFICATE_FUNCTION_NAME: 'team-ide-test-certificate',
    FAILED_JOBS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/team-ide-test-failed-jobs',
    SES_FROM_ADDRESS: 'Team IDE <ide@example.com>',
    DOMAIN_NAME: 'code.example.com',
    HOSTED_ZONE_ID: 'Z0123456789ABCDEFGHIJ',
    VPC_ID: 'vpc-0123456789abcdef0',
    SUBNET_ID: 'subnet-0123456789abcdef0',
    CERTIFICATE_PARAMETER: '/team-ide/test/tls-certificate',
    ACME_ACCOUNT_KEY_PARAMETER: '/team-ide/test/acme-account-key',
    DASHBOARD_USERS_PARAMETER: '/team-ide/test/dashboard-users',
    INSTANCE_PROFILE_NAME: 'team-ide-test-host',
    ...overrides,
  };
}

/** The problems loadConfig reports for an environment; fails the test when it reports none. */
export function configProblems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** A run's seats for these slots, each held by its own fake Slack member. */
export function seatsFor(slots: readonly number[]): RunSeat[] {
  return slots.map((slot) => ({ slot, userId: `U0000SEAT${slot}` }));
}
