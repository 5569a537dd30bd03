import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { loadConfig } from '../core/config';
import { ConfigError } from '../core/errors';
import type { Roster } from '../core/roster';
import { readRoster, rosterParameterName } from '../team/roster-store';
import type { SetupClients } from './aws-clients';
import { readCertificateStatus } from '../certificate/certificate-store';
import { checkPreviewCoverage, checkStoredCertificate } from './certificate';
import { checkRecipients, checkSender, checkSendingAccount, readSendingAccount } from './email-sender';
import { describeAwsError, fail, type Finding, isAccessDenied, pass } from './findings';
import { checkHostedZone } from './hosted-zone';
import { checkFunctionEnvironment, functionSettings } from './function-environment';
import { checkSubnet } from './network';
import { checkParameters, parameterAccessFinding, readParameters } from './parameters';
import { checkBotIdentity, readBotIdentity } from './slack-app';
import { checkSlackEndpoints } from './slack-endpoints';
import { deploymentStackName, parameterNames, readDeployment, SERVICE } from './stage';

export interface DoctorInput {
  stage: string;
  region: string;
  /** `.env.<stage>` with the shell's variables over it, as serverless reads them. */
  settings: Record<string, string | undefined>;
  /** The sandbox backend the stage talks to (IDE_BACKEND=sandbox), instead of AWS and Slack. */
  sandboxUrl?: string;
  now: () => Date;
}

/**
 * Checks a deployed stage end to end without starting a run, one finding per check, each
 * reported as soon as it is known. Stops early only when nothing further could be checked
 * (no credentials, settings the functions would refuse).
 */
export async function runDoctor(input: DoctorInput, clients: SetupClients, report: (finding: Finding) => void): Promise<Finding[]> {
  const findings: Finding[] = [];
  const note = (finding: Finding) => {
    findings.push(finding);
    report(finding);
    return finding;
  };

  let accountId: string | undefined;
  try {
    const caller = await clients.sts.send(new GetCallerIdentityCommand({}));
    accountId = caller.Account;
    note(pass('AWS credentials', `${caller.Arn} (account ${caller.Account}, region ${input.region}).`));
  } catch (error) {
    const fix = input.sandboxUrl
      ? `start the sandbox (\`npm start\`, with the same SANDBOX_BACKEND_PORT) and run the doctor again.`
      : 'configure credentials for the account (`aws configure`, AWS_PROFILE, or SSO) and run the doctor again.';
    note(fail('AWS credentials', `none usable (${describeAwsError(error)}).`, fix));
    return findings;
  }

  let roster: Roster;
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(functionSettings({ ...input, ...(accountId ? { accountId } : {}) }));
    roster = config.roster;
    note(pass('Settings', `.env.${input.stage} is what the functions accept.`));
    note(checkFunctionEnvironment({ ...input, ...(accountId ? { accountId } : {}) }));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    note(fail('Settings', `the functions would refuse to start: ${error.problems.join('; ')}.`, `fix .env.${input.stage} (\`npm run setup -- --stage ${input.stage}\` writes it) and deploy again.`));
    return findings;
  }

  const prefix = `${SERVICE}-${input.stage}`;
  try {
    const stored = await readRoster({ ssm: clients.ssm, stackNamePrefix: prefix, initialRoster: config.roster });
    roster = stored.roster;
    note(pass('Roster', stored.version === 0
      ? `${roster.length} people, from ROSTER (nothing stored yet: the first \`/ide roster add\` stores it in ${rosterParameterName(prefix)}).`
      : `${roster.length} people in ${rosterParameterName(prefix)} (version ${stored.version}).`));
  } catch (error) {
    if (isAccessDenied(error)) throw error;
    note(fail('Roster', (error as Error).message, `delete ${rosterParameterName(prefix)} to start again from ROSTER, or restore an earlier version of it (Parameter Store keeps its history).`));
  }

  const deployment = await readDeployment(clients.cloudFormation, input.stage);
  if (!deployment) note(fail('Deployment', `${deploymentStackName(input.stage)} does not exist in ${input.region}.`, `deploy it: \`npm run setup -- --stage ${input.stage}\`.`));
  else if (/(_FAILED|ROLLBACK_COMPLETE)$/.test(deployment.status)) note(fail('Deployment', `${deploymentStackName(input.stage)} is ${deployment.status}.`, 'see its events in the CloudFormation console, fix the cause and deploy again.'));
  else note(pass('Deployment', `${deploymentStackName(input.stage)} is ${deployment.status}.`));

  const names = parameterNames(input.stage, input.settings);
  let stored: Awaited<ReturnType<typeof readParameters>> = new Map();
  try {
    stored = await readParameters(clients.ssm, Object.values(names));
    checkParameters(names, stored, { certificateMode: config.certificate.mode, dashboard: config.team.adminCidr !== '' }).forEach(note);
    const status = await readCertificateStatus(clients.ssm, config.certificate.statusParameter);
    note(checkStoredCertificate(stored.get(names.certificate)?.value, status, config.certificate, config.team.domainName, input.now()));
    note(checkPreviewCoverage(status, config.certificate.mode, config.team.domainName, roster.map((member) => member.slot), `${SERVICE}-${input.stage}-certificate`));
  } catch (error) {
    const finding = parameterAccessFinding(error);
    if (!finding) throw error;
    note(finding);
  }

  note(await checkSender(clients.ses, config.sesFromAddress, input.region));
  try {
    const account = await readSendingAccount(clients.sesv2);
    note(checkSendingAccount(account, roster.length));
    note(await checkRecipients(clients.ses, account, roster.map((member) => member.email).filter(Boolean)));
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    note(fail('SES account', `cannot read it (${describeAwsError(error)}).`, 'use credentials allowed ses:GetAccount.'));
  }

  note(await checkHostedZone(clients.route53, config.team.hostedZoneId, config.team.domainName, config.certificate.mode));
  note(await checkSubnet(clients.ec2, config.team.vpcId, config.team.subnetId));

  const setupAgain = `run \`npm run setup -- --stage ${input.stage}\``;
  const botToken = stored.get(names.botToken)?.value;
  if (!botToken?.startsWith('xoxb-')) {
    note(fail('Slack token', 'not checked: there is no bot token to check.', `${setupAgain} to store it.`));
  } else {
    try {
      note(checkBotIdentity(await readBotIdentity(clients.slack(botToken)), { botId: config.slackBotId, botUserId: config.slackBotUserId }));
    } catch (error) {
      note(fail('Slack token', (error as Error).message, `${setupAgain} with a valid bot token.`));
    }
  }

  const signingSecret = stored.get(names.signingSecret)?.value;
  if (!deployment || !signingSecret) {
    note(fail('Slack endpoints', `not checked: ${deployment ? 'there is no signing secret to sign with' : 'nothing is deployed'}.`, `${setupAgain}.`));
  } else {
    for (const finding of await checkSlackEndpoints({ fetch: clients.fetch, signingSecret, teamId: config.slackTeamId, now: input.now }, deployment)) note(finding);
  }
  return findings;
}
