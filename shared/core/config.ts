import * as z from 'zod';
import { cidrsOverlap, isCidr } from './cidr';
import { ConfigError } from './errors';
import { CONTAINER_ADDRESSES } from './host-network';
import { isSize, LARGEST_SIZE, mostSeatsOn, type Size, SIZES } from './instance-types';
import { parseRoster, ROSTER_FORMAT, type Roster, SLACK_USER_ID } from './roster';

/**
 * Every setting of team-ide, read from the environment once at cold start. The README's
 * settings table lists the same names; serverless.yml fills them from stage parameters.
 */
export interface Config {
  /** Region the team stack is created in (Lambda sets AWS_REGION). */
  region: string;
  /** The team stack is named `<prefix>-ides`; the EventBridge rule matches the prefix. */
  stackNamePrefix: string;
  roster: Roster;
  /** Slack user ids allowed to start and stop runs; `'*'` lets anyone in the workspace. */
  allowedUsers: readonly string[] | '*';
  /** Channel ids the command may be used in; `'*'` allows any channel. */
  allowedChannels: readonly string[] | '*';
  maxSeats: number;
  defaultSize: Size;
  defaultHours: number;
  maxHours: number;
  /** Minutes before a run's end that the channel is warned, with buttons to extend or stop it. */
  warningMinutes: number;
  /** Hours the "Extend" button adds; never past `maxHours` from the run's start. */
  extendHours: number;
  /** Names of the SSM SecureString parameters holding the Slack secrets, read at cold start. */
  slackSigningSecretParameter: string;
  slackBotTokenParameter: string;
  /** The Slack workspace (`T…`) this deployment answers; requests from any other are refused. */
  slackTeamId: string;
  /** The app's bot ids, given so bolt does not call auth.test at cold start. */
  slackBotId: string;
  slackBotUserId: string;
  /** Slack's Web API base; the sandbox points it at its own stand-in. */
  slackApiUrl: string;
  /** `aws`: AWS and Slack. `sandbox`: the local stand-ins of `npm start` (AWS_ENDPOINT_URL_*, SLACK_API_URL). */
  backend: Backend;
  launcherFunctionName: string;
  /** The Lambda that emails the developers; stack-events invokes it when a run is ready, the sweeper when it was not. */
  notifierFunctionName: string;
  /** The Lambda that keeps the TLS certificate; the sweeper tells its channel when a daily check did not finish. */
  certificateFunctionName: string;
  /**
   * The SQS queue the asynchronous functions' failed jobs land in (their on-failure
   * destination); the sweeper reads it every minute and tells whoever is concerned.
   */
  failedJobsQueueUrl: string;
  /** Minutes after a run is ready before the sweeper runs the notifier again for developers nobody emailed. */
  notifyGraceMinutes: number;
  sesFromAddress: string;
  team: TeamStackSettings;
  certificate: CertificateSettings;
  work: WorkSettings;
  idle: IdleSettings;
}

/** Whether developers' homes survive a stop, and how much of that is kept (README, "Your work between runs"). */
export interface WorkSettings {
  /** False: no data volume, homes go with the host (KEEP_WORK=false). */
  keep: boolean;
  /** How many completed snapshots of the homes are kept; older ones are deleted once a new one completes. */
  snapshotsKept: number;
  /** Size of a new data volume, GiB; a restored one is at least its snapshot's size. */
  volumeGb: number;
}

export type Backend = 'aws' | 'sandbox';

/**
 * The idle stop (shared/idle): a run nobody uses is warned, then stopped. Lengths in
 * milliseconds, so the sandbox can run the same clock faster (SANDBOX_IDLE_MINUTE_SECONDS).
 */
export interface IdleSettings {
  /** How long every seat must go unused before the warning (IDLE_MINUTES); 0: no idle stop. */
  afterMs: number;
  /** How long after the warning a run still unused stops (WARNING_MINUTES, as before a run's end). */
  warningMs: number;
  /** How long without a report from the host before the run counts as unknown, never idle. */
  silentMs: number;
}

/** A host that has not reported for this many minutes is not reporting (the issue's five minutes). */
const HOST_SILENT_MINUTES = 5;

/**
 * The AWS services the functions call, as the SDK names their endpoint variables
 * (`AWS_ENDPOINT_URL_<service id>`): the sandbox must stand in for every one of them.
 */
export const SANDBOX_ENDPOINT_VARIABLES = [
  'AWS_ENDPOINT_URL_CLOUDFORMATION',
  'AWS_ENDPOINT_URL_EC2',
  'AWS_ENDPOINT_URL_LAMBDA',
  'AWS_ENDPOINT_URL_ROUTE_53',
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  'AWS_ENDPOINT_URL_SES',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_SSM',
] as const;

/** What the team template needs besides the run's slots and instance type. */
export interface TeamStackSettings {
  domainName: string;
  hostedZoneId: string;
  vpcId: string;
  subnetId: string;
  sourceCidr: string;
  /** Who may reach the Traefik dashboard; empty: the dashboard is off. */
  adminCidr: string;
  exposedPort: number;
  dashboardPort: number;
  /** SSM SecureString holding the PEM chain (leaf first) followed by its private key: one value, so a reader never gets a mismatched pair. */
  certificateParameter: string;
  dashboardUsersParameter: string;
  rootVolumeGb: number;
  keyPairName: string;
  instanceProfileName: string;
  /** Role CloudFormation assumes to create and delete the team stack; empty: the caller's own rights. */
  serviceRoleArn: string;
}

/** Who keeps the host's TLS certificate: the deployment (`acme`, renewed by the certificate function) or the person who deploys (`own`). */
export type CertificateMode = 'acme' | 'own';

/** The certificate function's settings (shared/certificate/). */
export interface CertificateSettings {
  mode: CertificateMode;
  /** ACME directory of the CA; Let's Encrypt production unless set. */
  acmeDirectoryUrl: string;
  /** SSM SecureString holding the ACME account key, created on the first run. */
  accountKeyParameter: string;
  /** SSM String the certificate function writes what it found (expiry, last failure) to; `/ide status` reads it. */
  statusParameter: string;
  /** Renew when fewer days than this remain. */
  renewDays: number;
  keyType: CertificateKeyType;
  /** Channel the certificate function reports failures and expiry warnings to; empty: none known (ALLOWED_CHANNELS is `*`). */
  channel: string;
}

export type CertificateKeyType = 'ecdsa' | 'rsa';

const LETS_ENCRYPT_DIRECTORY_URL = 'https://acme-v02.api.letsencrypt.org/directory';

/**
 * The deployment's roles name each seat's records under the domain (infra/deploy-resources.yml),
 * and IAM holds a role's policies to 10,240 characters: a longer domain would not deploy
 * (test/infra/iam/policy-size.test.ts; 100 would still fit, with no room for another statement).
 * Real ones are far shorter; DNS allows 253.
 */
export const DOMAIN_NAME_MAX_LENGTH = 90;

/** The status parameter sits beside the certificate's, so one name setting covers both. */
export const certificateStatusParameter = (certificateParameter: string) => `${certificateParameter}-status`;

/** So is the lease of a renewal under way (shared/certificate/renewal-lease.ts): one name per attempt, since a dead holder's is stepped over. */
export const certificateLeaseParameter = (certificateParameter: string, attempt: number) => `${certificateParameter}-renewing-${attempt}`;

const required = (what: string) =>
  z.string({ error: `is missing: set it to ${what}` }).trim();

const optional = (fallback: string) => z.string().trim().default(fallback);

const wholeNumber = (fallback: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .default(String(fallback))
    .refine((text) => /^\d+$/.test(text) && Number(text) >= min && Number(text) <= max, {
      error: `must be a whole number from ${min} to ${max}`,
    })
    .transform(Number);

/** A Slack channel id: C… for a public channel, G… for a private one. */
const SLACK_CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;

const idList = (what: 'member ids' | 'channel ids') => {
  const [pattern, example] = what === 'member ids' ? [SLACK_USER_ID, 'U0123ABCD'] : [SLACK_CHANNEL_ID, 'C0123ABCD'];
  return required(`a comma-separated list of Slack ${what}, or * for any`).transform((text, context) => {
    if (text === '*') return '*' as const;
    const ids = text.split(',').map((id) => id.trim()).filter(Boolean);
    const bad = ids.filter((id) => !pattern.test(id));
    if (bad.length > 0) {
      context.addIssue({ code: 'custom', message: `has ${bad.join(', ')}, which ${bad.length === 1 ? 'is not a Slack' : 'are not Slack'} ${what.replace(/s$/, bad.length === 1 ? '' : 's')} (upper-case, like ${example})` });
    }
    return ids;
  });
};

/** No host holds more: every IDE needs its minimum of memory. */
const MOST_SEATS = mostSeatsOn(SIZES[LARGEST_SIZE]);

const schema = z.object({
  AWS_REGION: required('the AWS region (Lambda sets it; locally use e.g. eu-west-1)'),
  STACK_NAME_PREFIX: optional('team-ide').refine((text) => /^[A-Za-z][A-Za-z0-9-]{0,100}$/.test(text), {
    error: 'must start with a letter and hold only letters, digits and hyphens (CloudFormation stack names)',
  }),
  ROSTER: required(ROSTER_FORMAT).transform((text, context) => {
    const { roster, problems } = parseRoster(text);
    for (const problem of problems) context.addIssue({ code: 'custom', message: problem });
    return roster;
  }),
  ALLOWED_USERS: idList('member ids'),
  ALLOWED_CHANNELS: optional('*').pipe(idList('channel ids')),
  MAX_SEATS: wholeNumber(10, 1, MOST_SEATS),
  DEFAULT_SIZE: optional('medium').refine(isSize, { error: `must be one of ${Object.keys(SIZES).join(', ')}` }),
  DEFAULT_HOURS: wholeNumber(8, 1, 168),
  MAX_HOURS: wholeNumber(24, 1, 168),
  WARNING_MINUTES: wholeNumber(15, 1, 120),
  EXTEND_HOURS: wholeNumber(2, 1, 24),
  SLACK_SIGNING_SECRET_PARAMETER: required('the name of the SSM SecureString holding the Slack signing secret'),
  SLACK_BOT_TOKEN_PARAMETER: required('the name of the SSM SecureString holding the Slack bot token (xoxb-…)'),
  SLACK_TEAM_ID: required('the Slack workspace id (T…), the team_id that auth.test returns').refine((text) => /^T[A-Z0-9]{2,}$/.test(text), {
    error: 'must be a Slack workspace id like T0123ABCD (auth.test returns it as team_id)',
  }),
  SLACK_BOT_ID: required('the Slack app\'s bot id (B…), from auth.test or the app settings'),
  SLACK_BOT_USER_ID: required('the Slack app\'s bot user id (U…), from auth.test'),
  SLACK_API_URL: optional('https://slack.com/api').refine((text) => /^https?:\/\/[^\s]+[^/]$/.test(text), {
    error: 'must be an http(s) URL without a trailing slash, e.g. https://slack.com/api',
  }),
  LAUNCHER_FUNCTION_NAME: required('the name of the launcher Lambda function'),
  NOTIFIER_FUNCTION_NAME: required('the name of the notifier Lambda function'),
  CERTIFICATE_FUNCTION_NAME: required('the name of the certificate Lambda function'),
  FAILED_JOBS_QUEUE_URL: required('the URL of the failed-jobs SQS queue (serverless.yml sets it)').refine((text) => /^https?:\/\/[^\s/]+\/\d{12}\/[\w-]{1,80}$/.test(text), {
    error: 'must be an SQS queue URL like https://sqs.eu-west-1.amazonaws.com/123456789012/team-ide-dev-failed-jobs',
  }),
  NOTIFY_GRACE_MINUTES: wholeNumber(5, 1, 60),
  // 0 turns it off; otherwise Codespaces' range.
  IDLE_MINUTES: optional('30').refine((text) => /^\d+$/.test(text) && (Number(text) === 0 || (Number(text) >= 5 && Number(text) <= 240)), {
    error: 'must be 0 (no idle stop) or a whole number of minutes from 5 to 240',
  }).transform(Number),
  SANDBOX_IDLE_MINUTE_SECONDS: z.string().trim().optional().refine((text) => text === undefined || (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 60), {
    error: 'must be a whole number of seconds from 1 to 60',
  }),
  SES_FROM_ADDRESS: required('a sender address verified in SES, e.g. ide@example.com').refine(
    (text) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text) || /<[^\s@]+@[^\s@]+\.[^\s@]+>$/.test(text),
    { error: 'must be an email address, e.g. ide@example.com or "Team IDE <ide@example.com>"' },
  ),
  DOMAIN_NAME: required('the domain the IDEs live under, e.g. code.example.com')
    .refine((text) => /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/i.test(text), {
      error: 'must be a domain name like code.example.com, without https:// or a trailing dot',
    })
    // The IAM conditions on record names compare them as Route 53 normalizes them, in lower case.
    .refine((text) => text === text.toLowerCase(), { error: 'must be written in lower case, as DNS names are compared: e.g. code.example.com' })
    .refine((text) => text.length <= DOMAIN_NAME_MAX_LENGTH, {
      error: `must be at most ${DOMAIN_NAME_MAX_LENGTH} characters: the deployment's IAM policies name every seat's records under it, and IAM caps their size`,
    }),
  HOSTED_ZONE_ID: required('the Route 53 hosted zone id of the domain (Z…)').refine((text) => /^Z[A-Z0-9]{1,32}$/.test(text), {
    error: 'must be a Route 53 hosted zone id like Z0123456789ABCDEFGHIJ',
  }),
  VPC_ID: required('the VPC of the host (vpc-…)').refine((text) => /^vpc-[0-9a-f]{8,17}$/.test(text), {
    error: 'must be a VPC id like vpc-0123456789abcdef0',
  }),
  SUBNET_ID: required('a public subnet of that VPC (subnet-…)').refine((text) => /^subnet-[0-9a-f]{8,17}$/.test(text), {
    error: 'must be a subnet id like subnet-0123456789abcdef0',
  }),
  SOURCE_CIDR: optional('0.0.0.0/0').refine(isCidr, { error: 'must be an IPv4 CIDR like 203.0.113.0/24' }),
  ADMIN_CIDR: optional('')
    .refine((text) => text === '' || isCidr(text), { error: 'must be an IPv4 CIDR like 203.0.113.7/32, or empty to keep the Traefik dashboard off' })
    .refine((text) => !cidrsOverlap(text, CONTAINER_ADDRESSES), {
      error: `must not include ${CONTAINER_ADDRESSES}, the addresses of the host's containers: the developers' containers would pass the dashboard's allow-list. Give the admins' own range, e.g. 203.0.113.7/32`,
    }),
  EXPOSED_PORT: wholeNumber(443, 1, 65535),
  DASHBOARD_PORT: wholeNumber(8090, 1, 65535),
  CERTIFICATE_PARAMETER: required('the name of the SSM SecureString holding the TLS certificate chain and its private key (PEM)'),
  TLS_CERTIFICATE: optional('acme').refine((text) => text === 'acme' || text === 'own', {
    error: 'must be acme (the deployment obtains and renews the certificate) or own (you put yours in CERTIFICATE_PARAMETER)',
  }),
  ACME_DIRECTORY_URL: optional(LETS_ENCRYPT_DIRECTORY_URL).refine((text) => /^https:\/\/[^\s]+$/.test(text) || (isLoopback(text) && !/\s/.test(text)), {
    error: `must be the https URL of an ACME directory, e.g. ${LETS_ENCRYPT_DIRECTORY_URL}`,
  }),
  ACME_ACCOUNT_KEY_PARAMETER: required('the name of the SSM SecureString the ACME account key is kept in'),
  CERTIFICATE_RENEW_DAYS: wholeNumber(30, 1, 60),
  CERTIFICATE_KEY_TYPE: optional('ecdsa').refine((text) => text === 'ecdsa' || text === 'rsa', {
    error: 'must be ecdsa (P-256, the default) or rsa (2048 bits, for old clients)',
  }),
  CERTIFICATE_CHANNEL: optional('').refine((text) => text === '' || SLACK_CHANNEL_ID.test(text), {
    error: 'must be a Slack channel id like C0123ABCD',
  }),
  DASHBOARD_USERS_PARAMETER: required('the name of the SSM SecureString holding the Traefik dashboard htpasswd line'),
  ROOT_VOLUME_GB: wholeNumber(30, 8, 1024),
  KEEP_WORK: optional('true').refine((text) => text === 'true' || text === 'false', {
    error: 'must be true (developers\' homes are kept between runs, the default) or false (they go with the host)',
  }),
  SNAPSHOTS_KEPT: wholeNumber(3, 1, 20),
  DATA_VOLUME_GB: wholeNumber(20, 1, 1024),
  KEY_PAIR_NAME: optional(''),
  INSTANCE_PROFILE_NAME: optional(''),
  IDE_BACKEND: optional('aws').refine((text) => text === 'aws' || text === 'sandbox', {
    error: 'must be aws (the default) or sandbox (the local stand-ins `npm start` runs)',
  }),
  TEAM_STACK_ROLE_ARN: optional('').refine((text) => text === '' || /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(text), {
    error: 'must be an IAM role ARN (arn:aws:iam::123456789012:role/…) or empty',
  }),
});

/** Every setting the functions read, by its variable's name (serverless.yml gives each one; Lambda sets AWS_REGION). */
export const SETTING_NAMES: readonly string[] = Object.keys(schema.shape);

/**
 * What loadConfig would say of one setting's value, by the schema's own rule for it, so that
 * setup refuses at its prompt what a function would refuse at cold start; none when it passes.
 */
export function settingProblem(name: keyof typeof schema.shape, value: string): string | undefined {
  const parsed = schema.shape[name].safeParse(value.trim() === '' ? undefined : value);
  return parsed.success ? undefined : `${name} ${[...new Set(parsed.error.issues.map((issue) => issue.message))].join('; ')}`;
}

/**
 * Validates the environment and returns the typed settings. Throws one `ConfigError`
 * that names every missing or wrong setting and says what to set it to.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // serverless.yml passes an unset optional setting as an empty string: treat it as unset.
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = schema.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')} ${issue.message}`);
    throw new ConfigError([...new Set(problems)]);
  }
  const settings = parsed.data;
  const problems: string[] = [];
  if (settings.DEFAULT_HOURS > settings.MAX_HOURS) {
    problems.push(`DEFAULT_HOURS (${settings.DEFAULT_HOURS}) is more than MAX_HOURS (${settings.MAX_HOURS}): lower it or raise MAX_HOURS`);
  }
  if (settings.EXPOSED_PORT === settings.DASHBOARD_PORT || [settings.EXPOSED_PORT, settings.DASHBOARD_PORT].includes(80)) {
    problems.push('EXPOSED_PORT and DASHBOARD_PORT must differ from each other and from 80 (the HTTP redirect)');
  }
  problems.push(...backendProblems(settings.IDE_BACKEND as Backend, given, { slackApiUrl: settings.SLACK_API_URL, acmeDirectoryUrl: settings.ACME_DIRECTORY_URL, queueUrl: settings.FAILED_JOBS_QUEUE_URL }));
  if (settings.SANDBOX_IDLE_MINUTE_SECONDS !== undefined && settings.IDE_BACKEND !== 'sandbox') {
    problems.push('SANDBOX_IDLE_MINUTE_SECONDS is set, which makes the idle stop count fast minutes: unset it, or set IDE_BACKEND=sandbox for the local sandbox');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    region: settings.AWS_REGION,
    stackNamePrefix: settings.STACK_NAME_PREFIX,
    roster: settings.ROSTER,
    allowedUsers: settings.ALLOWED_USERS,
    allowedChannels: settings.ALLOWED_CHANNELS,
    maxSeats: settings.MAX_SEATS,
    defaultSize: settings.DEFAULT_SIZE as Size,
    defaultHours: settings.DEFAULT_HOURS,
    maxHours: settings.MAX_HOURS,
    warningMinutes: settings.WARNING_MINUTES,
    extendHours: settings.EXTEND_HOURS,
    slackSigningSecretParameter: settings.SLACK_SIGNING_SECRET_PARAMETER,
    slackBotTokenParameter: settings.SLACK_BOT_TOKEN_PARAMETER,
    slackTeamId: settings.SLACK_TEAM_ID,
    slackBotId: settings.SLACK_BOT_ID,
    slackBotUserId: settings.SLACK_BOT_USER_ID,
    slackApiUrl: settings.SLACK_API_URL,
    backend: settings.IDE_BACKEND as Backend,
    launcherFunctionName: settings.LAUNCHER_FUNCTION_NAME,
    notifierFunctionName: settings.NOTIFIER_FUNCTION_NAME,
    certificateFunctionName: settings.CERTIFICATE_FUNCTION_NAME,
    failedJobsQueueUrl: settings.FAILED_JOBS_QUEUE_URL,
    notifyGraceMinutes: settings.NOTIFY_GRACE_MINUTES,
    sesFromAddress: settings.SES_FROM_ADDRESS,
    team: {
      domainName: settings.DOMAIN_NAME,
      hostedZoneId: settings.HOSTED_ZONE_ID,
      vpcId: settings.VPC_ID,
      subnetId: settings.SUBNET_ID,
      sourceCidr: settings.SOURCE_CIDR,
      adminCidr: settings.ADMIN_CIDR,
      exposedPort: settings.EXPOSED_PORT,
      dashboardPort: settings.DASHBOARD_PORT,
      certificateParameter: settings.CERTIFICATE_PARAMETER,
      dashboardUsersParameter: settings.DASHBOARD_USERS_PARAMETER,
      rootVolumeGb: settings.ROOT_VOLUME_GB,
      keyPairName: settings.KEY_PAIR_NAME,
      instanceProfileName: settings.INSTANCE_PROFILE_NAME,
      serviceRoleArn: settings.TEAM_STACK_ROLE_ARN,
    },
    certificate: {
      mode: settings.TLS_CERTIFICATE as CertificateMode,
      acmeDirectoryUrl: settings.ACME_DIRECTORY_URL,
      accountKeyParameter: settings.ACME_ACCOUNT_KEY_PARAMETER,
      statusParameter: certificateStatusParameter(settings.CERTIFICATE_PARAMETER),
      renewDays: settings.CERTIFICATE_RENEW_DAYS,
      keyType: settings.CERTIFICATE_KEY_TYPE as CertificateKeyType,
      channel: settings.CERTIFICATE_CHANNEL || (settings.ALLOWED_CHANNELS === '*' ? '' : (settings.ALLOWED_CHANNELS[0] ?? '')),
    },
    work: {
      keep: settings.KEEP_WORK === 'true',
      snapshotsKept: settings.SNAPSHOTS_KEPT,
      volumeGb: settings.DATA_VOLUME_GB,
    },
    idle: idleSettings(settings.IDLE_MINUTES, settings.WARNING_MINUTES, settings.SANDBOX_IDLE_MINUTE_SECONDS),
  };
}

/** The idle clock; in the sandbox a minute of it may last only a few seconds. */
function idleSettings(idleMinutes: number, warningMinutes: number, sandboxMinuteSeconds: string | undefined): IdleSettings {
  const minuteMs = sandboxMinuteSeconds === undefined ? 60_000 : Number(sandboxMinuteSeconds) * 1000;
  return { afterMs: idleMinutes * minuteMs, warningMs: warningMinutes * minuteMs, silentMs: HOST_SILENT_MINUTES * minuteMs };
}

/** Slack's own API hosts (slack-gov.com is GovSlack's). */
const isSlackHost = (url: string) => /^https:\/\/([a-z0-9-]+\.)*(slack|slack-gov)\.com\//.test(`${url}/`);

/**
 * An SQS queue of AWS itself: the SDK sends its calls to the queue URL's host. SQS writes a
 * queue's URL with the host of the endpoint it was created through: the service endpoints
 * (`sqs.<region>.amazonaws.com`, FIPS, dual-stack `api.aws`) or the legacy ones
 * (`<region>.queue.amazonaws.com`, `queue.amazonaws.com` in us-east-1), and which one
 * CloudFormation's `Ref` gives is not ours to choose: every function reads this at cold start.
 */
const isSqsHost = (url: string) =>
  /^https:\/\/((sqs(-fips)?\.[a-z0-9-]+\.(amazonaws\.com(\.cn)?|api\.aws))|(([a-z0-9-]+\.)?queue\.amazonaws\.com(\.cn)?))\//.test(url);

/**
 * The backend is never chosen silently: an AWS or Slack endpoint pointed elsewhere needs
 * IDE_BACKEND=sandbox, and the sandbox needs every endpoint pointed at its stand-ins, so
 * a half-configured sandbox cannot reach a real AWS account or Slack workspace.
 */
function backendProblems(backend: Backend, given: Record<string, string | undefined>, urls: { slackApiUrl: string; acmeDirectoryUrl: string; queueUrl: string }): string[] {
  const { slackApiUrl, acmeDirectoryUrl, queueUrl } = urls;
  const redirected = Object.keys(given).filter((name) => name.startsWith('AWS_ENDPOINT_URL')).sort();
  if (backend === 'aws') {
    return [
      ...redirected.map((name) => `${name} is set (${given[name]}), which sends AWS calls there instead of to AWS: unset it, or set IDE_BACKEND=sandbox for the local sandbox`),
      ...(isSlackHost(slackApiUrl) ? [] : [`SLACK_API_URL (${slackApiUrl}) is not Slack's API: unset it, or set IDE_BACKEND=sandbox for the local sandbox`]),
      ...(isLoopback(acmeDirectoryUrl) ? [`ACME_DIRECTORY_URL (${acmeDirectoryUrl}) is on this machine, which no CA is: unset it for Let's Encrypt, or set IDE_BACKEND=sandbox for the local sandbox`] : []),
      ...(isSqsHost(queueUrl) ? [] : [`FAILED_JOBS_QUEUE_URL (${queueUrl}) is not an SQS queue of AWS: deploy with serverless.yml, which sets it, or set IDE_BACKEND=sandbox for the local sandbox`]),
    ];
  }
  const global = given.AWS_ENDPOINT_URL !== undefined;
  return [
    ...SANDBOX_ENDPOINT_VARIABLES.filter((name) => !global && given[name] === undefined).map(
      (name) => `${name} is not set, so IDE_BACKEND=sandbox would call AWS itself: start the sandbox with \`npm start\`, which sets it`,
    ),
    ...(isSlackHost(slackApiUrl) ? [`SLACK_API_URL is Slack's own, so IDE_BACKEND=sandbox would post to Slack: start the sandbox with \`npm start\`, which points it at its stand-in`] : []),
    ...(isLoopback(acmeDirectoryUrl) ? [] : [`ACME_DIRECTORY_URL (${acmeDirectoryUrl}) is a real CA, so IDE_BACKEND=sandbox would ask it for certificates: start the sandbox with \`npm start\`, which points it at a local one`]),
    ...(isSqsHost(queueUrl) ? [`FAILED_JOBS_QUEUE_URL is a queue of AWS, so IDE_BACKEND=sandbox would read it there: start the sandbox with \`npm start\`, which points it at its stand-in`] : []),
  ];
}

/** A CA on this machine (the sandbox's Pebble, or its stand-in saying there is none): never a real one. */
function isLoopback(url: string): boolean {
  return /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(`${url}/`);
}
