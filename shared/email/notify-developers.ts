import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Config } from '../core/config';
import { renderDeveloperEmail } from './email';
import { type Logger, newErrorId } from '../core/logger';
import type { NotifierJob } from './notifier-job';
import type { Roster, RosterMember } from '../core/roster';
import { PREVIEWS_PARAMETER } from '../previews/previews';
import { notifyFailedMessage, readyMessage, type SeatReport } from '../runs/run-messages';
import { claimRunMarker, type RunKey } from '../runs/run-markers';
import { postRunNews } from '../runs/run-news';
import type { SlackPoster } from '../slack/slack-api';
import { escapeMrkdwn } from '../slack/slack-format';
import { describeRunStack, type TeamStack } from '../stack/stack-gateway';
import { parseStackId } from '../stack/stack-status-event';
import { OUTPUT, type RunTags, teamStackName } from '../stack/team-stack';

/** What the notifier needs; tests hand in mocked clients (or a local SES) and a recording poster. */
export interface NotifierDeps {
  config: Pick<Config, 'roster' | 'stackNamePrefix' | 'sesFromAddress' | 'slackBotUserId'>;
  logger: Logger;
  cloudFormation: CloudFormationClient;
  secretsManager: SecretsManagerClient;
  ses: SESClient;
  ssm: SSMClient;
  slack: SlackPoster;
  now: () => Date;
  /** The team's roster (SSM, cached briefly): where each seat's link goes; default: the ROSTER setting. */
  loadRoster: () => Promise<Roster>;
}

/**
 * The job says the run's stack is created, but DescribeStacks does not show it so yet
 * (CloudFormation's reads are eventually consistent): thrown so that Lambda runs the job
 * again, rather than the developers never hearing of their IDEs.
 */
export class StackNotReadyError extends Error {
  constructor(readonly stackId: string, readonly status: string) {
    super(`The run's stack is ${status}, not yet CREATE_COMPLETE: the notifier will be run again`);
    this.name = 'StackNotReadyError';
  }
}

/** A seat whose link and password were both found: the only kind that gets an email. */
interface ReadySeat {
  member: RosterMember;
  url: string;
  password: string;
}

/**
 * Emails every developer of a created run their link and password, then tells the channel
 * which emails went out. Runs at most once per stack: a repeated job finds the run's
 * `notified` marker and does nothing. A seat whose link, password or address is missing
 * gets no email (never one with a blank field); the channel hears why.
 */
export async function notifyDevelopers(deps: NotifierDeps, job: NotifierJob): Promise<void> {
  const { logger } = deps;
  const ids = parseStackId(job.stackId);
  if (!ids || ids.stackName !== teamStackName(deps.config.stackNamePrefix)) {
    logger.warn('Notifier job for another stack ignored', { stackId: job.stackId });
    return;
  }
  // Read before claiming: a failed read throws with nothing claimed, so a retry starts afresh.
  const stack = await describeRunStack(deps.cloudFormation, job.stackId);
  if (!stack || stack.status === 'CREATE_IN_PROGRESS') throw new StackNotReadyError(job.stackId, stack?.status ?? 'not found');
  if (!stack.run) {
    logger.warn('Stack without run tags: nobody to notify', { stackId: job.stackId });
    return;
  }
  if (stack.status !== 'CREATE_COMPLETE') {
    logger.info('Run no longer up: no emails sent', { stackId: job.stackId, status: stack.status });
    return;
  }
  const runKey: RunKey = { prefix: deps.config.stackNamePrefix, stackUuid: ids.stackUuid };
  if (!(await claimRunMarker(deps.ssm, runKey, 'notified', deps.now()))) {
    logger.info('Developers already notified', { stackId: job.stackId });
    return;
  }
  const { run } = stack;
  try {
    const seats = await emailSeats(deps, stack, run);
    await postRunNews(deps, run, readyMessage(run, seats));
    logger.info('Developers notified', { stackId: job.stackId, runId: run.runId, seats: seats.length, emailed: seats.filter((seat) => seat.emailed).length });
  } catch (error) {
    const errorId = newErrorId();
    logger.error('Notifying the developers failed', { stackId: job.stackId, runId: run.runId, errorId, error: error as Error });
    // Some emails may have gone out: the marker stays, and the channel hears it went wrong.
    await postRunNews(deps, run, notifyFailedMessage(run, errorId)).catch((slackError: unknown) => {
      logger.error('Could not tell the channel about a failure', { runId: run.runId, errorId, error: slackError as Error });
    });
  }
}

async function emailSeats(deps: NotifierDeps, stack: TeamStack, run: RunTags): Promise<SeatReport[]> {
  const roster = await deps.loadRoster();
  const checked = await Promise.all(run.slots.map((slot) => checkSeat(deps, roster, stack, slot)));
  // The launcher decided it when it started the run; the host serves the previews exactly when it is on.
  const previews = stack.parameters[PREVIEWS_PARAMETER] === 'on';
  const reports: SeatReport[] = [];
  // One at a time: SES caps the sending rate per account (one email a second in the sandbox).
  for (const seat of checked) {
    if ('problem' in seat) {
      reports.push(seat);
      continue;
    }
    const problem = await sendEmail(deps, run, seat, previews);
    reports.push({ slot: seat.member.slot, userId: seat.member.userId, url: seat.url, emailed: !problem, ...(problem ? { problem } : {}) });
  }
  return reports;
}

/** The seat's link and password, or what is missing (as a seat report for the channel). */
async function checkSeat(deps: NotifierDeps, roster: Roster, stack: TeamStack, slot: number): Promise<ReadySeat | (SeatReport & { problem: string })> {
  const member = roster.find((candidate) => candidate.slot === slot);
  if (!member) return { slot, emailed: false, problem: `dev-${slot} is no longer on the roster (\`/ide roster\`), so there is no address to send to.` };
  const url = stack.outputs[OUTPUT.devUrl(slot)] ?? '';
  const seat = { slot, userId: member.userId, emailed: false, ...(url ? { url } : {}) };
  if (!member.email) return { ...seat, problem: `${member.name} has no email address on the roster: \`/ide roster add\` them again once Slack has one.` };
  if (!/^https?:\/\/\S+$/.test(url)) {
    return { ...seat, problem: `the stack has no usable \`${OUTPUT.devUrl(slot)}\` output. This is a team-ide bug: the template and the notifier disagree.` };
  }
  const secretArn = stack.outputs[OUTPUT.devPasswordSecret(slot)];
  if (!secretArn) {
    return { ...seat, problem: `the stack has no \`${OUTPUT.devPasswordSecret(slot)}\` output, so I cannot read the password. This is a team-ide bug: the template and the notifier disagree.` };
  }
  try {
    const { SecretString } = await deps.secretsManager.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!SecretString) return { ...seat, problem: 'the password secret is empty. This is a team-ide bug; please report it.' };
    return { member, url, password: SecretString };
  } catch (error) {
    const name = (error as Error).name;
    deps.logger.error('Could not read a password', { slot, errorName: name });
    const advice = /AccessDenied/.test(name)
      ? 'the notifier may not read it: whoever deployed team-ide should check the notifier role.'
      : 'whoever deployed team-ide can look it up in the notifier\'s logs.';
    return { ...seat, problem: `I could not read the password (${escapeMrkdwn(name)}): ${advice}` };
  }
}

/** Sends one developer's email; returns what to tell the lead when SES refuses it. */
async function sendEmail(deps: NotifierDeps, run: RunTags, seat: ReadySeat, previews: boolean): Promise<string | undefined> {
  const endsAt = run.endsAt ? new Date(run.endsAt) : undefined;
  const email = renderDeveloperEmail({
    developerName: seat.member.name,
    slot: seat.member.slot,
    requestedByName: run.requestedByName,
    url: seat.url,
    password: seat.password,
    previews,
    ...(endsAt && !Number.isNaN(endsAt.getTime()) ? { endsAt } : {}),
    homeKept: run.work !== undefined && run.work.kind !== 'off',
  });
  try {
    const { MessageId } = await deps.ses.send(
      new SendEmailCommand({
        Source: deps.config.sesFromAddress,
        Destination: { ToAddresses: [seat.member.email] },
        Message: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: { Html: { Data: email.html, Charset: 'UTF-8' }, Text: { Data: email.text, Charset: 'UTF-8' } },
        },
      }),
    );
    deps.logger.info('Email sent', { slot: seat.member.slot, messageId: MessageId });
    return undefined;
  } catch (error) {
    const { name, message } = error as Error;
    deps.logger.warn('SES refused an email', { slot: seat.member.slot, errorName: name });
    // The channel reads this: the advice, not the address (the lead saw the addresses when starting).
    return sesAdvice(name, message ?? '', seat.member.email, deps.config.sesFromAddress);
  }
}

/** What the lead can do about an SES refusal, by error name (and message where one name has several causes). */
export function sesAdvice(errorName: string, message: string, recipient: string, sender: string): string {
  if (errorName === 'MessageRejected' && /not verified/i.test(message)) {
    return message.toLowerCase().includes(recipient.toLowerCase())
      ? 'SES is in sandbox mode and this address is not verified: verify it in SES (Verified identities) or request production access.'
      : `SES has not verified the sender ${escapeMrkdwn(sender)} (SES_FROM_ADDRESS): verify it in SES, and while SES is in sandbox mode verify every recipient too, or request production access.`;
  }
  if (errorName === 'InvalidParameterValue' && /address|domain/i.test(message)) {
    return 'SES says the address is malformed: fix it in Slack and `/ide roster add` them again.';
  }
  if (errorName === 'MailFromDomainNotVerifiedException') {
    return `the MAIL FROM domain of ${escapeMrkdwn(sender)} is not set up in SES: fix its DNS records or the custom MAIL FROM setting in SES.`;
  }
  if (errorName === 'AccountSendingPausedException') {
    return 'sending is paused for this SES account (bounces or complaints): see the reputation page of the SES console.';
  }
  if (errorName === 'Throttling' || errorName === 'ThrottlingException') {
    return /daily/i.test(message)
      ? 'the SES daily sending quota is used up: try tomorrow, or ask AWS for a higher quota.'
      : 'SES is sending too fast for this account\'s rate: request production access or a higher sending rate.';
  }
  if (/AccessDenied/.test(errorName)) {
    return `the notifier may not send from ${escapeMrkdwn(sender)}: whoever deployed team-ide should check the notifier role.`;
  }
  return `SES refused it (${escapeMrkdwn(errorName)}): whoever deployed team-ide can look in the SES console.`;
}
