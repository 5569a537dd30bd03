import type { SlackMessage } from '../slack/slack-api';
import { context, escapeMrkdwn, section, slackTime } from '../slack/slack-format';
import { type CertificateFacts, daysLeft } from './certificate-bundle';
import { baseNames, describeNames } from './certificate-names';
import type { OwnCertificateProblem } from './certificate-decision';
import { type CertificateRenewalError, STEP_NAMES } from './certificate-errors';
import type { CertificateStatus } from './certificate-store';

const days = (count: number) => `${count} ${Math.abs(count) === 1 ? 'day' : 'days'}`;

function validity(facts: Pick<CertificateFacts, 'notAfter'>, now: Date): string {
  const left = daysLeft(facts, now);
  return left < 0 ? `expired ${slackTime(facts.notAfter)}` : `valid until ${slackTime(facts.notAfter)} (${days(left)} left)`;
}

/** To the channel when a renewal failed: what failed, the CA's (or AWS's) words, what to do, and what is still in place. */
export function renewalFailedMessage(domainName: string, error: CertificateRenewalError, current: CertificateFacts | undefined, now: Date): SlackMessage {
  const names = baseNames(domainName).join(', ');
  const text = `Could not renew the HTTPS certificate for ${names} (${STEP_NAMES[error.step]}).`;
  const blocks = [section(`:warning: ${text}\n> ${escapeMrkdwn(error.userMessage)}`)];
  if (error.hint) blocks.push(section(`*What to do:* ${escapeMrkdwn(error.hint)}`));
  blocks.push(context(current
    ? `The current certificate stays in place, ${validity(current, now)}. The certificate function tries again every day.`
    : 'There is no certificate in place yet, so `/ide start` cannot serve HTTPS. The certificate function tries again every day.'));
  return { text, blocks };
}

/**
 * To the channel when the daily check itself failed (not a renewal the CA or AWS refused):
 * nothing was renewed, and should it keep failing the certificate would expire unrenewed.
 */
export function checkFailedMessage(domainName: string, errorId: string): SlackMessage {
  const text = `The daily check of the HTTPS certificate for ${baseNames(domainName).join(', ')} failed (error id ${errorId}).`;
  return {
    text,
    blocks: [
      section(`:warning: ${text}`),
      context(`Whatever certificate is in place stays, but nothing was renewed. The certificate function's log (\`errorId\` ${errorId}) says what went wrong; it tries again tomorrow, and \`/ide status\` shows how long the certificate lasts.`),
    ],
  };
}

/**
 * To the channel from the sweeper, when a run of the certificate function ended without telling
 * it (a timeout, a crash, or a failure it could not post about): what Lambda said, and how to run
 * the check again instead of waiting a day. `failure` is Lambda's words, already cut short.
 */
export function checkUnfinishedMessage(domainName: string, failure: string, functionName: string, errorId: string): SlackMessage {
  const text = `The daily check of the HTTPS certificate for ${baseNames(domainName).join(', ')} did not finish (error id ${errorId}).`;
  return {
    text,
    blocks: [
      section(`:warning: ${text}\n> ${escapeMrkdwn(failure)}`),
      section(
        `*What to do:* run it again, which prints what it did: \`aws lambda invoke --function-name ${functionName} /dev/stdout\`. Should it stop the same way, its log (\`/aws/lambda/${functionName}\`) says where.`,
      ),
      context(`Whatever certificate is in place stays, but nothing was renewed. The certificate function also tries again tomorrow, and \`/ide status\` shows how long the certificate lasts. The sweeper's log has this failed job under \`errorId\` ${errorId}.`),
    ],
  };
}

/** To the channel with `TLS_CERTIFICATE=own`: the certificate kept by hand is missing, unusable or about to expire. */
export function ownCertificateMessage(problem: OwnCertificateProblem, certificateParameter: string, domainName: string, now: Date): SlackMessage {
  const replace = `Put a certificate for \`*.${domainName}\` (and \`*.dev-N.${domainName}\` for each seat, for previews) with its chain and then its private key in the SSM SecureString \`${certificateParameter}\` (\`cat fullchain.pem privkey.pem\`), or set TLS_CERTIFICATE=acme and deploy again to have it renewed automatically.`;
  const text = problem.kind === 'missing'
    ? `There is no HTTPS certificate in ${certificateParameter}: runs cannot start until there is one.`
    : problem.kind === 'unusable'
      ? `The HTTPS certificate in ${certificateParameter} cannot be used: ${problem.problem}.`
      : problem.daysLeft < 0
        ? `The HTTPS certificate for ${describeNames(problem.facts.names, domainName)} has expired.`
        : `The HTTPS certificate for ${describeNames(problem.facts.names, domainName)} expires in ${days(problem.daysLeft)}.`;
  const when = problem.kind === 'expiring' ? `${validity(problem.facts, now)}; ` : '';
  return { text, blocks: [section(`:warning: ${escapeMrkdwn(text)}`), section(replace), context(`${when}TLS_CERTIFICATE=own: you keep this certificate yourself.`)] };
}

/** The line `/ide status` adds about the certificate the hosts serve. */
export function certificateStatusLine(status: CertificateStatus, domainName: string, now: Date): string {
  const kept = status.mode === 'acme' ? 'renewed automatically' : 'kept by hand (TLS_CERTIFICATE=own)';
  const certificate = status.notAfter
    ? `HTTPS certificate (${describeNames(status.names, domainName)}): ${validity({ notAfter: new Date(status.notAfter) }, now)}, ${kept}.`
    : `HTTPS certificate: none in place yet, ${kept}.`;
  const problem = status.problem ? `\n:warning: Since ${slackTime(new Date(status.problem.at))}: ${escapeMrkdwn(status.problem.message)}` : '';
  return `${certificate}${problem}`;
}
