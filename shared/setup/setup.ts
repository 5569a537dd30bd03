import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { WebClient } from '@slack/web-api';
import { parseRoster, type Roster, ROSTER_FORMAT } from '../core/roster';
import { RosterError } from '../core/errors';
import type { SetupClients } from './aws-clients';
import { writeCertificateBundle } from '../certificate/certificate-store';
import { readOwnCertificate } from './certificate';
import { generateDashboardPassword, htpasswdLine, DASHBOARD_USER } from './dashboard-credential';
import { checkRecipients, checkSender, checkSendingAccount, readSendingAccount, requestVerification, senderAddress, verifiedAddresses } from './email-sender';
import { isCidr } from '../core/cidr';
import { type CertificateMode, settingProblem } from '../core/config';
import { describeAwsError, type Finding, pass, renderFinding, SetupError } from './findings';
import { checkFunctionEnvironment, LAMBDA_ENVIRONMENT_LIMIT, leadsOnly, measureEnvironment, type StageSettings } from './function-environment';
import { findPublicZones } from '../dns/hosted-zone';
import { checkHostedZone, noZoneFinding } from './hosted-zone';
import { checkSubnet, findPublicSubnets } from './network';
import { readParameters, storeSecureString } from './parameters';
import { leftOutFinding, leftOutOfStoredRoster } from './roster-left-out';
import type { Prompter } from './prompter';
import { checkBotIdentity, createSlackApp, type Manifest, manifestWithEndpoints, readBotIdentity, type SlackEndpoints, updateSlackApp } from './slack-app';
import { deploymentStackName, parameterNames, readDeployment, SERVICE } from './stage';
import { changeRoster, readRoster, rosterParameterName } from '../team/roster-store';

/** Every answer setup can be given as a flag; what is not given is found, remembered, or asked. */
export interface SetupAnswers {
  domain?: string;
  hostedZoneId?: string;
  vpcId?: string;
  subnetId?: string;
  sesFrom?: string;
  allowedUsers?: string;
  allowedChannels?: string;
  roster?: string;
  slackBotToken?: string;
  slackSigningSecret?: string;
  /** An app configuration token (`xoxe.xoxp-…`): used for this run only, never stored. */
  slackConfigToken?: string;
  slackAppId?: string;
  certificateFile?: string;
  privateKeyFile?: string;
  /** IPv4 range the Traefik dashboard opens to (ADMIN_CIDR); without it the dashboard stays off. */
  adminCidr?: string;
  dashboardPassword?: string;
  /** Ask SES to send the sender address a verification link when it is not verified (asked when not given). */
  verifySender?: boolean;
  /** In the SES sandbox, send the roster's unverified addresses a verification email (asked when not given). */
  verifyRecipients?: boolean;
  /** False: write the settings and secrets, but do not deploy. */
  deploy: boolean;
}

export interface SetupDeps {
  clients: SetupClients;
  prompter: Prompter;
  /** infra/slack-app-manifest.yaml, parsed. */
  manifest: Manifest;
  readFile: (path: string) => string;
  /** Writes the settings to `.env.<stage>`; called before deploying, so a failed deploy keeps the answers. */
  remember: (updates: Record<string, string>) => void;
  /** `skipped` where there is nothing to deploy to (the sandbox runs the functions itself). */
  deploy: () => Promise<'deployed' | 'skipped'>;
  now: () => Date;
}

export interface SetupStage {
  stage: string;
  region: string;
  /** `.env.<stage>` with the shell over it: the remembered answers. */
  settings: Record<string, string | undefined>;
}

/** A flag's value the config module would refuse stops setup, in the config module's words. */
const checkFlag = (flag: string, name: Parameters<typeof settingProblem>[0], value: string) => {
  const problem = settingProblem(name, value);
  if (problem) throw new SetupError(`--${flag} ${value}: ${problem}.`);
};

const checkOrStop = (finding: Finding) => {
  if (!finding.ok) throw SetupError.from(finding);
  return finding;
};

/**
 * From an AWS account and a Slack workspace to a deployed stage: finds what it can, asks the
 * rest once, remembers the answers in `.env.<stage>` and the secrets in SSM SecureStrings,
 * deploys, and points the Slack app at the deployment. Run again, it asks nothing it knows.
 */
export async function runSetup(stage: SetupStage, answers: SetupAnswers, deps: SetupDeps): Promise<void> {
  const { clients, prompter } = deps;
  const remembered = (name: string) => stage.settings[name]?.trim() || undefined;
  const settings: Record<string, string> = { AWS_REGION: stage.region };
  const show = (finding: Finding) => prompter.say(renderFinding(finding));

  let accountId: string | undefined;
  try {
    const caller = await clients.sts.send(new GetCallerIdentityCommand({}));
    accountId = caller.Account;
    prompter.say(`Setting up stage ${stage.stage} in ${stage.region}, account ${caller.Account} as ${caller.Arn}.`);
  } catch (error) {
    throw new SetupError(`AWS credentials: none usable (${describeAwsError(error)}). Configure them (\`aws configure\`, AWS_PROFILE or SSO) and run setup again.`);
  }

  // ---- The domain and its hosted zone
  const domain = (answers.domain ?? remembered('DOMAIN_NAME') ?? (await prompter.ask({
    flag: 'domain',
    text: 'Domain the IDEs live under (each developer gets dev-N.<domain>), e.g. code.example.com',
    validate: (answer) => settingProblem('DOMAIN_NAME', answer.toLowerCase()),
  }))).toLowerCase();
  checkFlag('domain', 'DOMAIN_NAME', domain);
  settings.DOMAIN_NAME = domain;

  let hostedZoneId = answers.hostedZoneId ?? remembered('HOSTED_ZONE_ID');
  if (hostedZoneId === undefined) {
    const zones = await findPublicZones(clients.route53, domain);
    if (zones.length === 0) throw SetupError.from(noZoneFinding(domain));
    hostedZoneId = zones.length === 1
      ? (zones[0]?.id as string)
      : await prompter.choose('hosted-zone-id', `Several public zones are named ${zones[0]?.name}: which one does the registrar point at?`, zones.map((zone) => ({ label: zone.id, value: zone.id })));
  }
  checkFlag('hosted-zone-id', 'HOSTED_ZONE_ID', hostedZoneId);
  show(checkOrStop(await checkHostedZone(clients.route53, hostedZoneId, domain, certificateModeOf(answers, remembered('TLS_CERTIFICATE')))));
  settings.HOSTED_ZONE_ID = hostedZoneId;

  // ---- The network
  let vpcId = answers.vpcId ?? remembered('VPC_ID');
  let subnetId = answers.subnetId ?? remembered('SUBNET_ID');
  if (subnetId === undefined || vpcId === undefined) {
    const found = await findPublicSubnets(clients.ec2, vpcId);
    if ('ok' in found) throw SetupError.from(found);
    vpcId = found.vpcId;
    subnetId = found.subnets[0]?.subnetId as string;
  }
  show(checkOrStop(await checkSubnet(clients.ec2, vpcId, subnetId)));
  settings.VPC_ID = vpcId;
  settings.SUBNET_ID = subnetId;

  // ---- Slack: the app, its secrets, the bot's ids
  const names = parameterNames(stage.stage, stage.settings);
  const stored = await readParameters(clients.ssm, Object.values(names));
  const slackApi = clients.slack();
  const deployment = await readDeployment(clients.cloudFormation, stage.stage);
  let appId = answers.slackAppId ?? remembered('SLACK_APP_ID');
  let signingSecret = answers.slackSigningSecret;
  const configToken = answers.slackConfigToken;
  if (configToken && !appId) {
    const manifest = deployment ? manifestWithEndpoints(deps.manifest, deployment) : deps.manifest;
    const created = await createSlackApp(slackApi, configToken, manifest);
    appId = created.appId;
    signingSecret = created.signingSecret;
    prompter.say(`Created the Slack app ${appId}. Install it to the workspace (${created.authorizeUrl}), then copy its Bot User OAuth Token (xoxb-…) from OAuth & Permissions.`);
  } else if (!stored.has(names.botToken) && !answers.slackBotToken) {
    prompter.say(
      appId
        ? `Install the Slack app ${appId} to the workspace (api.slack.com/apps/${appId} → Install App) and copy its Bot User OAuth Token.`
        : 'Create the Slack app: api.slack.com/apps → Create New App → From an app manifest → paste infra/slack-app-manifest.yaml (setup points its URLs at the deployment at the end) → Install to Workspace. Or run setup with --slack-config-token to have it created.',
    );
  }
  if (appId) settings.SLACK_APP_ID = appId;

  signingSecret ??= stored.has(names.signingSecret)
    ? undefined
    : await prompter.ask({ flag: 'slack-signing-secret', text: 'The app\'s Signing Secret (Basic Information → App Credentials)', secret: true, validate: (answer) => (answer.trim() && !/\s/.test(answer) ? undefined : 'paste the Signing Secret, without spaces') });
  if (signingSecret !== undefined) {
    await storeSecureString(clients.ssm, names.signingSecret, signingSecret.trim(), 'the Slack signing secret');
    prompter.say(`Stored the signing secret in ${names.signingSecret} (SecureString).`);
  }

  const newBotToken = answers.slackBotToken ?? (stored.has(names.botToken)
    ? undefined
    : await prompter.ask({ flag: 'slack-bot-token', text: 'The app\'s Bot User OAuth Token (xoxb-…)', secret: true, validate: (answer) => (answer.trim().startsWith('xoxb-') ? undefined : 'a bot token starts with xoxb-') }));
  const botToken = (newBotToken ?? stored.get(names.botToken)?.value ?? '').trim();
  if (!botToken.startsWith('xoxb-')) throw new SetupError(`--slack-bot-token: that is not a bot token; give the app's Bot User OAuth Token (xoxb-…).`);
  const bot = clients.slack(botToken);
  const identity = await readBotIdentity(bot);
  show(checkOrStop(checkBotIdentity(identity)));
  if (newBotToken !== undefined) {
    await storeSecureString(clients.ssm, names.botToken, botToken, 'the Slack bot token');
    prompter.say(`Stored the bot token in ${names.botToken} (SecureString).`);
  }
  Object.assign(settings, { SLACK_BOT_ID: identity.botId, SLACK_BOT_USER_ID: identity.botUserId, SLACK_TEAM_ID: identity.teamId });

  // ---- Who leads, and who is on the team
  const allowedUsers = answers.allowedUsers ?? remembered('ALLOWED_USERS') ?? (await prompter.ask({
    flag: 'allowed-users',
    text: 'Slack member ids of who may start and stop runs and change the roster, comma-separated (profile → ⋮ → Copy member ID), or * for anyone',
    validate: (answer) => settingProblem('ALLOWED_USERS', answer),
  }));
  checkFlag('allowed-users', 'ALLOWED_USERS', allowedUsers);
  settings.ALLOWED_USERS = allowedUsers.replace(/\s/g, '');
  const allowedChannels = answers.allowedChannels ?? remembered('ALLOWED_CHANNELS') ?? '*';
  checkFlag('allowed-channels', 'ALLOWED_CHANNELS', allowedChannels);
  settings.ALLOWED_CHANNELS = allowedChannels.replace(/\s/g, '');
  const roster = answers.roster ?? remembered('ROSTER') ?? (await initialRoster(bot, settings.ALLOWED_USERS, prompter));
  const parsedRoster = parseRoster(roster);
  if (parsedRoster.problems.length > 0) throw new SetupError(`--roster: ${parsedRoster.problems[0]}.`);
  settings.ROSTER = roster;
  prompter.say(`The roster starts with ${parsedRoster.roster.map((member) => `@${member.name} (dev-${member.slot})`).join(', ')}; \`/ide roster add @someone\` adds more.`);

  // ---- Email
  const sesFrom = answers.sesFrom ?? remembered('SES_FROM_ADDRESS') ?? (await prompter.ask({
    flag: 'ses-from',
    text: 'Address the developers\' emails come from (verified in SES, or its domain)',
    defaultValue: `team-ide@${domain.split('.').slice(1).join('.')}`,
    validate: (answer) => settingProblem('SES_FROM_ADDRESS', answer),
  }));
  checkFlag('ses-from', 'SES_FROM_ADDRESS', sesFrom);
  settings.SES_FROM_ADDRESS = sesFrom;
  const sender = await checkSender(clients.ses, sesFrom, stage.region);
  show(sender);
  if (!sender.ok && (answers.verifySender ?? (await prompter.confirm('verify-sender', `Ask SES to email ${senderAddress(sesFrom)} a verification link now?`, true)))) {
    await requestVerification(clients.ses, [senderAddress(sesFrom)]);
    prompter.say(`SES sent a verification link to ${senderAddress(sesFrom)}: follow it before the first run.`);
  }
  const account = await readSendingAccount(clients.sesv2);
  // Once `/ide roster add` has stored the team's roster, it is the one to check, not ROSTER.
  const { roster: teamRoster } = await readRoster({ ssm: clients.ssm, stackNamePrefix: `${SERVICE}-${stage.stage}`, initialRoster: parsedRoster.roster });
  show(checkSendingAccount(account, teamRoster.length));
  const addresses = teamRoster.map((member) => member.email).filter(Boolean);
  const recipients = await checkRecipients(clients.ses, account, addresses);
  show(recipients);
  if (!recipients.ok) {
    const verified = await verifiedAddresses(clients.ses, addresses);
    const unverified = addresses.filter((address) => !verified.has(address));
    const send = answers.verifyRecipients ?? (await prompter.confirm('verify-recipients', `Send the ${unverified.length} unverified roster addresses a verification email from SES?`, true));
    if (send) {
      await requestVerification(clients.ses, unverified);
      prompter.say(`SES emailed a verification link to ${unverified.join(', ')}: each must follow theirs to receive IDE links while the account is in the SES sandbox.`);
    }
  }

  // ---- The host's secrets: certificate and dashboard credential
  const certificateMode = await storeCertificate(answers, deps, names, stored.has(names.certificate), remembered('TLS_CERTIFICATE'), domain);
  if (certificateMode) settings.TLS_CERTIFICATE = certificateMode;
  const adminCidr = answers.adminCidr ?? remembered('ADMIN_CIDR');
  if (adminCidr !== undefined) {
    if (!isCidr(adminCidr)) throw new SetupError(`--admin-cidr ${adminCidr}: give an IPv4 range like 203.0.113.7/32 (the admins' own addresses).`);
    settings.ADMIN_CIDR = adminCidr;
  }
  if (adminCidr === undefined) {
    prompter.say('The Traefik dashboard stays off; `--admin-cidr 203.0.113.7/32` turns it on for that range.');
  } else if (answers.dashboardPassword !== undefined || !stored.has(names.dashboardUsers)) {
    const password = answers.dashboardPassword ?? generateDashboardPassword();
    await storeSecureString(clients.ssm, names.dashboardUsers, htpasswdLine(password), 'the Traefik dashboard\'s htpasswd line');
    prompter.say(
      answers.dashboardPassword !== undefined
        ? `Stored the dashboard credential (user ${DASHBOARD_USER}, bcrypt) in ${names.dashboardUsers}.`
        : `The dashboard (https://monitor.${domain}:${remembered('DASHBOARD_PORT') ?? '8090'}/dashboard/) opens with user ${DASHBOARD_USER}, password ${password}. It is shown once: only its bcrypt hash is stored, in ${names.dashboardUsers}.`,
    );
  }

  // ---- The functions' variables: Lambda takes 4 KB of them
  settings.ROSTER = await fitRosterIntoEnvironment({ ...stage, settings: { ...stage.settings, ...settings }, ...(accountId ? { accountId } : {}) }, parsedRoster.roster, deps, show);

  // ---- Remember, deploy, point the app at the deployment
  deps.remember(settings);
  prompter.say(`Remembered the answers in .env.${stage.stage}.`);
  if (!answers.deploy) {
    prompter.say(`Not deployed (--no-deploy). Deploy with \`npm run deploy -- --stage ${stage.stage}\`, then run setup again to point the Slack app at it.`);
    return;
  }
  if ((await deps.deploy()) === 'skipped') return;
  const deployed = await readDeployment(clients.cloudFormation, stage.stage);
  if (!deployed) throw new SetupError(`Deployment: ${deploymentStackName(stage.stage)} is not in ${stage.region} after the deploy. See the deploy's output above.`);
  await pointAppAtDeployment(deps, manifestWithEndpoints(deps.manifest, deployed), deployed, { appId, configToken });
  prompter.say(`Done. Check everything with \`npm run doctor -- --stage ${stage.stage}\`, then try \`/ide help\` in Slack.`);
}

/**
 * ROSTER, kept short enough for Lambda's 4 KB of variables: a roster that would pass it is
 * stored in SSM, where `/ide roster` keeps the team's roster anyway, and ROSTER keeps only the
 * leads, what it is once a roster is stored: the roster to start again from. Returns the
 * ROSTER to remember.
 *
 * When SSM holds a roster already, it stays as it is, and people ROSTER names but it lacks are
 * on neither once ROSTER is shortened: setup names them and the `/ide roster add` that seats
 * them, and still writes. Stopping would not help: the long ROSTER cannot stay (the deploy
 * would fail), setup cannot tell someone forgotten from someone `/ide roster remove` took off
 * on purpose (the stored roster is the team's, changed in Slack since), and a stop would hold
 * every later setup run (a new token, a redeploy) until ROSTER is edited by hand.
 */
async function fitRosterIntoEnvironment(input: StageSettings, roster: Roster, deps: SetupDeps, show: (finding: Finding) => void): Promise<string> {
  const rosterText = input.settings.ROSTER ?? '';
  const { size, rosterBytes, withLeadsOnly } = measureEnvironment(input);
  if (size <= LAMBDA_ENVIRONMENT_LIMIT) return rosterText;
  if (withLeadsOnly > LAMBDA_ENVIRONMENT_LIMIT) throw SetupError.from(checkFunctionEnvironment(input));
  const prefix = `${SERVICE}-${input.stage}`;
  // The roster stored before, or undefined when this stores the first.
  const storedBefore = await changeRoster({ ssm: deps.clients.ssm, stackNamePrefix: prefix, initialRoster: roster, now: deps.now }, (current) =>
    // readRoster hands back the initial roster itself while nothing is stored: only then is there something to store.
    current === roster ? { roster: [...current], result: undefined } : { roster: current, result: current },
  ).catch((error: unknown) => {
    if (error instanceof RosterError) throw new SetupError(`Roster: ${error.message}`);
    throw error;
  });
  const where = `${rosterParameterName(prefix)} (SSM)`;
  show(pass('Function environment', `ROSTER (${rosterBytes} bytes) would take each function's variables to about ${size} bytes, past the ${LAMBDA_ENVIRONMENT_LIMIT} Lambda allows: ${storedBefore ? `the team's roster is in ${where} already` : `stored the roster in ${where}, where \`/ide roster\` keeps it`}, and kept only the leads in ROSTER.`));
  const leftOut = storedBefore ? leftOutOfStoredRoster(roster, storedBefore) : [];
  if (leftOut.length > 0) show(leftOutFinding(leftOut, roster.length, where));
  return leadsOnly(rosterText, input.settings.ALLOWED_USERS ?? '');
}

/** The roster setup starts with: the leads on ALLOWED_USERS, each with the name and email Slack has for them. */
async function initialRoster(bot: WebClient, allowedUsers: string, prompter: Prompter): Promise<string> {
  const ids = allowedUsers === '*'
    ? (await prompter.ask({ flag: 'roster', text: `Slack member ids of the first people on the roster, comma-separated (or a roster: ${ROSTER_FORMAT})`, validate: (answer) => (answer.trim() === '*' ? 'the roster names people: give their member ids like U0123ABCD, comma-separated' : settingProblem('ALLOWED_USERS', answer)) })).split(',')
    : allowedUsers.split(',');
  const entries: string[] = [];
  for (const [index, id] of ids.map((text) => text.trim()).entries()) {
    let user: { name?: string; deleted?: boolean; is_bot?: boolean; profile?: { email?: string } } | undefined;
    try {
      ({ user } = await bot.users.info({ user: id }));
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      if (code === 'user_not_found') throw new SetupError(`--allowed-users: ${id} is not a member of this workspace. Give member ids from the members' profiles (⋮ → Copy member ID).`);
      throw error;
    }
    if (!user || user.deleted || user.is_bot) throw new SetupError(`--allowed-users: ${id} is ${user?.is_bot ? 'a bot' : 'a deactivated account'}, not someone to seat.`);
    const email = user.profile?.email ?? '';
    if (!email) throw new SetupError(`Slack gives no email for ${id}: the bot token lacks users:read.email, or the member has none. Reinstall the app from infra/slack-app-manifest.yaml, or give --roster.`);
    entries.push(`${index + 1}:${id}:${user.name ?? id.toLowerCase()}:${email}`);
  }
  return entries.join(',');
}

/**
 * The certificate mode this run ends with (storeCertificate decides it): `own` with certificate
 * files given or remembered, `acme` otherwise, also for a remembered value config.ts would
 * refuse, so the hosted zone is checked for the DNS-01 answer rather than too little.
 */
function certificateModeOf(answers: SetupAnswers, remembered: string | undefined): CertificateMode {
  return answers.certificateFile !== undefined || answers.privateKeyFile !== undefined || remembered === 'own' ? 'own' : 'acme';
}

/**
 * The host's certificate. By default (`TLS_CERTIFICATE=acme`) the deploy obtains it from
 * Let's Encrypt and the certificate function renews it: nothing to do here. Given as files,
 * it is checked, stored as the one bundle the host reads, and `TLS_CERTIFICATE=own` is
 * remembered, so the certificate function only watches its expiry.
 */
async function storeCertificate(answers: SetupAnswers, deps: SetupDeps, names: ReturnType<typeof parameterNames>, stored: boolean, remembered: string | undefined, domain: string): Promise<string | undefined> {
  if (answers.certificateFile === undefined && answers.privateKeyFile === undefined) {
    if (remembered !== 'own') {
      deps.prompter.say(`✓ Certificate: the deploy gets *.${domain} from Let's Encrypt and renews it (TLS_CERTIFICATE=acme).`);
    } else if (!stored) {
      deps.prompter.say(`✗ Certificate: TLS_CERTIFICATE is own but ${names.certificate} holds none. Fix: run setup again with --certificate-file fullchain.pem --private-key-file privkey.pem, or set TLS_CERTIFICATE=acme in .env.<stage>; runs cannot start without one.`);
    }
    return remembered;
  }
  if (answers.certificateFile === undefined || answers.privateKeyFile === undefined) throw new SetupError('--certificate-file and --private-key-file go together: give both.');
  const own = readOwnCertificate(deps.readFile(answers.certificateFile), deps.readFile(answers.privateKeyFile), domain, deps.now());
  if ('ok' in own) throw SetupError.from(own);
  await writeCertificateBundle(deps.clients.ssm, names.certificate, own.bundle);
  deps.prompter.say(`✓ Certificate: stored the chain and its key in ${names.certificate} (one SecureString, as the host reads it); TLS_CERTIFICATE=own, so renewing it stays yours.`);
  return 'own';
}

/** With a configuration token, updates the app itself; without one, prints the manifest to paste. */
async function pointAppAtDeployment(deps: SetupDeps, manifest: Manifest, endpoints: SlackEndpoints, app: { appId: string | undefined; configToken: string | undefined }): Promise<void> {
  const { prompter } = deps;
  if (app.configToken && app.appId) {
    const { permissionsUpdated } = await updateSlackApp(deps.clients.slack(), app.configToken, app.appId, manifest);
    prompter.say(`Pointed the Slack app ${app.appId} at ${endpoints.commandsUrl} and ${endpoints.interactionsUrl}.`);
    if (permissionsUpdated) prompter.say(`Its scopes changed: reinstall it (api.slack.com/apps/${app.appId}/install-on-team) so the bot token gets them.`);
    return;
  }
  prompter.say(
    `Point the Slack app at the deployment: ${app.appId ? `api.slack.com/apps/${app.appId} → App Manifest` : 'the app\'s App Manifest page'}, replace it with this (also \`npm run slack:manifest\`), Save:`,
  );
  prompter.say(JSON.stringify(manifest, null, 2));
}
