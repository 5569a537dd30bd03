import { SETTING_NAMES } from '../core/config';
import { formatRoster, parseRoster } from '../core/roster';
import { rosterParameterName } from '../team/roster-store';
import { fail, type Finding, pass } from './findings';
import { parameterNames, SERVICE } from './stage';

/**
 * Lambda refuses a function whose environment variables, names and values together, pass
 * 4 KB: the deploy fails. Every function gets every setting (serverless.yml), so a long
 * ROSTER, the one setting that grows with the team, is what can take it there. The roster
 * lives in SSM once stored; ROSTER is only where it starts.
 */
export const LAMBDA_ENVIRONMENT_LIMIT = 4096;

const CHECK = 'Function environment';

export interface StageSettings {
  stage: string;
  region: string;
  /** `.env.<stage>` with the shell's variables over it, as serverless reads them. */
  settings: Record<string, string | undefined>;
  /** The sandbox backend the stage talks to (IDE_BACKEND=sandbox), instead of AWS and Slack. */
  sandboxUrl?: string;
  accountId?: string;
}

/**
 * The settings as the deployed functions get them: `.env.<stage>` plus what serverless.yml
 * fills in itself (region, names, the failed-jobs queue in the caller's account). Checked
 * with the functions' own config module.
 */
export function functionSettings(input: StageSettings): Record<string, string | undefined> {
  const names = parameterNames(input.stage, input.settings);
  const queueName = `${SERVICE}-${input.stage}-failed-jobs`;
  const queueUrl = input.sandboxUrl ? `${input.sandboxUrl}/000000000000/${queueName}` : input.accountId && `https://sqs.${input.region}.amazonaws.com/${input.accountId}/${queueName}`;
  return {
    ...input.settings,
    // What `npm start` gives the functions in the sandbox: its endpoints.
    ...(input.sandboxUrl ? { AWS_ENDPOINT_URL: input.sandboxUrl, SLACK_API_URL: `${input.sandboxUrl}/api`, ACME_DIRECTORY_URL: input.settings.ACME_DIRECTORY_URL ?? `${input.sandboxUrl}/acme/directory` } : {}),
    AWS_REGION: input.region,
    STACK_NAME_PREFIX: `${SERVICE}-${input.stage}`,
    LAUNCHER_FUNCTION_NAME: `${SERVICE}-${input.stage}-launcher`,
    NOTIFIER_FUNCTION_NAME: `${SERVICE}-${input.stage}-notifier`,
    CERTIFICATE_FUNCTION_NAME: `${SERVICE}-${input.stage}-certificate`,
    FAILED_JOBS_QUEUE_URL: queueUrl,
    SLACK_SIGNING_SECRET_PARAMETER: names.signingSecret,
    SLACK_BOT_TOKEN_PARAMETER: names.botToken,
    CERTIFICATE_PARAMETER: names.certificate,
    ACME_ACCOUNT_KEY_PARAMETER: names.acmeAccountKey,
    DASHBOARD_USERS_PARAMETER: names.dashboardUsers,
  };
}

/** A stand-in for the account id in the values CloudFormation fills in: every account id has 12 digits. */
const ANY_ACCOUNT_ID = '123456789012';

/**
 * The three variables CloudFormation fills in at deploy time, at the longest it can make them,
 * as the packaging plugin (scripts/serverless-environment-limit.cjs) counts them: setup and the
 * doctor must never pass settings that `npm run deploy` then refuses, and neither may be more
 * lenient than Lambda. SQS writes a queue's URL with the host it was created through, none
 * longer than FIPS in China (`sqs-fips.<region>.amazonaws.com.cn`); the longest partition is
 * `aws-us-gov`; the names CloudFormation generates are as long as IAM allows, 64 characters
 * for a role and 128 for an instance profile. The plugin reads these from the template; a test
 * (test/infra/function-environment.test.ts) keeps the two counts equal.
 */
export function longestCloudFormationValues(stage: string, region: string): Record<'FAILED_JOBS_QUEUE_URL' | 'TEAM_STACK_ROLE_ARN' | 'INSTANCE_PROFILE_NAME', string> {
  return {
    FAILED_JOBS_QUEUE_URL: `https://sqs-fips.${region}.amazonaws.com.cn/${ANY_ACCOUNT_ID}/${SERVICE}-${stage}-failed-jobs`,
    TEAM_STACK_ROLE_ARN: `arn:aws-us-gov:iam::${ANY_ACCOUNT_ID}:role/${'r'.repeat(64)}`,
    INSTANCE_PROFILE_NAME: 'p'.repeat(128),
  };
}

/**
 * The variables serverless.yml gives each function, as deployed from these settings: every
 * setting but AWS_REGION (Lambda's own), an unset one as serverless.yml's default (mostly an
 * empty string), the values CloudFormation fills in at their longest, and serverless.yml's
 * two of its own.
 */
export function functionEnvironment(input: StageSettings): Record<string, string> {
  const settings = functionSettings(input);
  const deployed: Record<string, string> = {
    NODE_OPTIONS: '--enable-source-maps',
    POWERTOOLS_LOG_LEVEL: settings.LOG_LEVEL ?? 'INFO',
    ALLOWED_CHANNELS: settings.ALLOWED_CHANNELS ?? '*',
    ...longestCloudFormationValues(input.stage, input.region),
  };
  const names = ['NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL', ...SETTING_NAMES.filter((name) => name !== 'AWS_REGION')];
  return Object.fromEntries(names.map((name) => [name, deployed[name] ?? settings[name] ?? '']));
}

/**
 * Bytes as Lambda counts them: the variables as JSON, the larger of its two published
 * counts (its older error quotes the JSON it measured; its newer one says keys plus values),
 * so the warning never comes after the limit.
 */
export const environmentSize = (variables: Record<string, string>): number => Buffer.byteLength(JSON.stringify(variables));

/**
 * The shortest ROSTER that still starts the team: its leads (ALLOWED_USERS) on it, or its
 * first member when no lead is. What stays in the setting once the roster is in SSM.
 */
export function leadsOnly(roster: string, allowedUsers: string): string {
  const members = parseRoster(roster).roster;
  const leads = new Set(allowedUsers.split(',').map((id) => id.trim()));
  const kept = members.filter((member) => leads.has(member.userId));
  return formatRoster(kept.length > 0 ? kept : members.slice(0, 1));
}

/** The environment's size now, and with only the leads left in ROSTER. */
export function measureEnvironment(input: StageSettings): { size: number; rosterBytes: number; withLeadsOnly: number } {
  const environment = functionEnvironment(input);
  const roster = environment.ROSTER ?? '';
  return {
    size: environmentSize(environment),
    rosterBytes: Buffer.byteLength(roster),
    withLeadsOnly: environmentSize({ ...environment, ROSTER: leadsOnly(roster, environment.ALLOWED_USERS ?? '') }),
  };
}

/** Whether the next deploy's functions fit Lambda's 4 KB of variables, and what to do when not. */
export function checkFunctionEnvironment(input: StageSettings): Finding {
  const { size, rosterBytes, withLeadsOnly } = measureEnvironment(input);
  if (size <= LAMBDA_ENVIRONMENT_LIMIT) return pass(CHECK, `about ${size} of the ${LAMBDA_ENVIRONMENT_LIMIT} bytes Lambda allows a function's variables (ROSTER: ${rosterBytes}).`);
  const detail = `about ${size} bytes, past the ${LAMBDA_ENVIRONMENT_LIMIT} Lambda allows a function's variables together, ${rosterBytes} of them ROSTER's: the next deploy would fail.`;
  if (withLeadsOnly <= LAMBDA_ENVIRONMENT_LIMIT) {
    return fail(CHECK, detail, `run \`npm run setup -- --stage ${input.stage}\`: it moves the roster into SSM (${rosterParameterName(`${SERVICE}-${input.stage}`)}), where \`/ide roster\` keeps it, and leaves only the leads in ROSTER.`);
  }
  const longest = Object.entries(functionEnvironment(input)).sort(([, a], [, b]) => b.length - a.length).slice(0, 3);
  return fail(CHECK, detail, `shorten the longest settings in .env.${input.stage}: ${longest.map(([name, value]) => `${name} (${Buffer.byteLength(value)} bytes)`).join(', ')}.`);
}
