import { DeleteMessageCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { checkUnfinishedMessage } from '../certificate/certificate-messages';
import { CertificateCheckReported } from '../certificate/certificate-errors';
import { isCertificateInvocation } from '../certificate/certificate-invocation';
import type { Config } from '../core/config';
import { newErrorId } from '../core/logger';
import { readNotifierJob, type NotifierJob } from '../email/notifier-job';
import { type LauncherJob, readLauncherJob, type SlackRequester } from './launcher-job';
import { handleStackStatusChange } from './run-events';
import { claimRunMarker, readRunMarker } from './run-markers';
import { notifyFailedMessage } from './run-messages';
import { postRunNews } from './run-news';
import { type RepairDeps, runNotifierAgain } from './run-repair';
import { isSlackResponseUrl, type SlackResponder } from '../slack/slack-api';
import { cut } from '../slack/slack-format';
import { launcherFailedMessage } from '../slack/slack-messages';
import { describeRunStack } from '../stack/stack-gateway';
import { parseStackId, readTeamStackStatusChange, type TeamStackStatusChange } from '../stack/stack-status-event';
import { teamStackName } from '../stack/team-stack';

/**
 * The failed-jobs queue: the on-failure destination of the launcher, stack-events, the
 * notifier and the certificate function. Lambda writes a record there when a job failed all
 * its attempts (or grew too old to run); the sweeper reads the queue every minute and makes
 * sure someone hears of it: the person who typed the command, the run's channel, or the
 * certificate's. A notifier job is run again once first, a stack-events job replayed (its
 * steps are claimed by the run markers, so nothing happens twice). A record is deleted once answered; one whose answer failed stays for the
 * next tick, up to `ATTEMPTS_BEFORE_GIVING_UP` reads.
 */

export interface FailedJobsDeps extends RepairDeps {
  config: RepairDeps['config'] &
    Pick<Config, 'failedJobsQueueUrl' | 'launcherFunctionName' | 'notifierFunctionName' | 'certificateFunctionName' | 'certificate' | 'backend' | 'slackApiUrl'>;
  sqs: SQSClient;
  /** Answers the person who typed a command whose launcher job failed. */
  responder: SlackResponder;
}

/** What Lambda says about the failure, from the record's context and response. */
export interface FailureFacts {
  functionName: string;
  /** The invocation's id: the failed function's own log lines carry it. */
  requestId: string;
  /** `RetriesExhausted`, `EventAgeExceeded`, … */
  condition: string;
  attempts: number;
  errorType: string;
  errorMessage: string;
}

/** One record of the queue, read and checked against this deployment. */
export type FailedJob = FailureFacts &
  (
    | { kind: 'launcher'; action: LauncherJob['action']; requester: SlackRequester }
    | { kind: 'notifier'; job: NotifierJob }
    | { kind: 'stack-events'; change: TeamStackStatusChange }
    /** `reported`: the function told the channel itself before it failed. */
    | { kind: 'certificate'; reported: boolean }
    | { kind: 'unknown'; why: string }
  );

/** A record read this many times and still not answered is dropped (its log line stays). */
const ATTEMPTS_BEFORE_GIVING_UP = 5;
/** Ten records a read, at most this many reads a tick: a flood cannot hold up the cost guard. */
const READS_PER_TICK = 5;
/** Long enough for the tick to answer the record before another tick may read it again. */
const VISIBILITY_SECONDS = 120;

/** arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>], as Lambda names the function in a record. */
const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]{1,64})(?::[A-Za-z0-9_$-]{1,128})?$/;

/** The record as Lambda writes it to an on-failure destination (docs: "Capturing records of asynchronous invocations"). */
interface InvocationRecord {
  requestContext?: { requestId?: unknown; functionArn?: unknown; condition?: unknown; approximateInvokeCount?: unknown };
  requestPayload?: unknown;
  responsePayload?: { errorType?: unknown; errorMessage?: unknown } | null;
}

/** Reads one record; anything not from this deployment's functions, or not in their job's shape, is `unknown`. */
export function readFailedJob(body: string, config: FailedJobsDeps['config']): FailedJob {
  let record: InvocationRecord;
  try {
    record = JSON.parse(body) as InvocationRecord;
  } catch {
    return { kind: 'unknown', why: 'not JSON', functionName: '', requestId: '', condition: '', attempts: 0, errorType: '', errorMessage: '' };
  }
  const context = typeof record.requestContext === 'object' && record.requestContext !== null ? record.requestContext : {};
  const response = typeof record.responsePayload === 'object' && record.responsePayload !== null ? record.responsePayload : {};
  const facts: FailureFacts = {
    functionName: typeof context.functionArn === 'string' ? (FUNCTION_ARN.exec(context.functionArn)?.[1] ?? '') : '',
    requestId: typeof context.requestId === 'string' ? cut(context.requestId, 64) : '',
    condition: typeof context.condition === 'string' ? context.condition : 'unknown',
    attempts: typeof context.approximateInvokeCount === 'number' ? context.approximateInvokeCount : 0,
    errorType: typeof response.errorType === 'string' ? response.errorType : 'unknown',
    errorMessage: typeof response.errorMessage === 'string' ? cut(response.errorMessage, 500) : '',
  };
  const payload = record.requestPayload;
  if (facts.functionName === config.launcherFunctionName) {
    // A response_url that is not Slack's is never posted to: the record may not be Lambda's.
    const read = readLauncherJob(payload);
    return 'job' in read && isSlackResponseUrl(read.job.requester.responseUrl, config)
      ? { kind: 'launcher', action: read.job.action, requester: read.job.requester, ...facts }
      : { kind: 'unknown', why: 'not a launcher job', ...facts };
  }
  if (facts.functionName === config.notifierFunctionName) {
    const job = readNotifierJob(payload);
    return job ? { kind: 'notifier', job, ...facts } : { kind: 'unknown', why: 'not a notifier job', ...facts };
  }
  if (facts.functionName === config.certificateFunctionName) {
    return isCertificateInvocation(payload)
      ? { kind: 'certificate', reported: facts.errorType === CertificateCheckReported.errorType, ...facts }
      : { kind: 'unknown', why: 'not a certificate check', ...facts };
  }
  const change = facts.functionName.startsWith(`${config.stackNamePrefix}-`) ? readTeamStackStatusChange(payload, teamStackName(config.stackNamePrefix)) : undefined;
  return change ? { kind: 'stack-events', change, ...facts } : { kind: 'unknown', why: 'not a job of this deployment', ...facts };
}

/** Reads the queue and answers each record; returns how many were answered (or dropped). */
export async function handleFailedJobs(deps: FailedJobsDeps): Promise<number> {
  let done = 0;
  for (let read = 0; read < READS_PER_TICK; read++) {
    const answer = await deps.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deps.config.failedJobsQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: VISIBILITY_SECONDS,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    const messages = answer?.Messages ?? [];
    if (messages.length === 0) break;
    for (const message of messages) if (await handleRecord(deps, message)) done++;
  }
  return done;
}

/** True when the record is answered (or given up) and deleted; false when it is kept for the next tick. */
async function handleRecord(deps: FailedJobsDeps, message: Message): Promise<boolean> {
  const job = readFailedJob(message.Body ?? '', deps.config);
  const errorId = newErrorId();
  const logFields = { errorId, messageId: message.MessageId, ...summary(job) };
  deps.logger.error('Failed job', logFields);
  try {
    await answerFailedJob(deps, job, errorId);
  } catch (error) {
    const reads = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    if (reads < ATTEMPTS_BEFORE_GIVING_UP) {
      deps.logger.warn('Failed job kept for the next tick', { ...logFields, reads, error: error as Error });
      return false;
    }
    deps.logger.error('Failed job given up', { ...logFields, reads, error: error as Error });
  }
  await deps.sqs.send(new DeleteMessageCommand({ QueueUrl: deps.config.failedJobsQueueUrl, ReceiptHandle: message.ReceiptHandle }));
  return true;
}

/** What the log says about a record: ids and the error, never the response_url (it lets anyone post to the channel). */
function summary(job: FailedJob): Record<string, unknown> {
  const facts = { kind: job.kind, functionName: job.functionName, requestId: job.requestId, condition: job.condition, attempts: job.attempts, errorType: job.errorType, errorMessage: job.errorMessage };
  switch (job.kind) {
    case 'launcher':
      return { ...facts, action: job.action, userId: job.requester.userId, channelId: job.requester.channelId };
    case 'notifier':
      return { ...facts, job: job.job };
    case 'stack-events':
      return { ...facts, stackId: job.change.stackId, status: job.change.status, eventId: job.change.eventId };
    case 'certificate':
      return { ...facts, reported: job.reported };
    case 'unknown':
      return { ...facts, why: job.why };
  }
}

async function answerFailedJob(deps: FailedJobsDeps, job: FailedJob, errorId: string): Promise<void> {
  switch (job.kind) {
    case 'launcher':
      return answerRequester(deps, job.requester, job.action, errorId);
    case 'notifier':
      return repairNotifierJob(deps, job.job, errorId);
    case 'stack-events':
      // Replayed here, as stack-events would have handled it: its steps are claimed, so what was done is not done again.
      return handleStackStatusChange(deps, job.change);
    case 'certificate':
      return tellCertificateChannel(deps, job, errorId);
    case 'unknown':
      // Nothing to act on: the log line above is all there is to say.
      return undefined;
  }
}

/** Through the command's response_url while it lasts (30 minutes, 5 uses); after that, directly to the person. */
async function answerRequester(deps: FailedJobsDeps, requester: SlackRequester, action: LauncherJob['action'], errorId: string): Promise<void> {
  const message = launcherFailedMessage(action, errorId);
  try {
    await deps.responder.respond(requester.responseUrl, { visibility: 'ephemeral', ...message });
  } catch (error) {
    deps.logger.warn('The response_url is spent: telling the requester directly', { userId: requester.userId, error: error as Error });
    await deps.slack.postMessage(requester.userId, message);
  }
}

/**
 * A certificate check that ended without a word to the channel: a timeout, a crash, or a
 * failure it could not post about. Told once to the channel the certificate function posts
 * to; a check that already told it (its error says so) is left at the log line.
 */
async function tellCertificateChannel(deps: FailedJobsDeps, job: Extract<FailedJob, { kind: 'certificate' }>, errorId: string): Promise<void> {
  if (job.reported) {
    deps.logger.info('The certificate function told its channel itself', { errorId });
    return;
  }
  const { channel } = deps.config.certificate;
  if (!channel) {
    deps.logger.warn('No channel to report to: set CERTIFICATE_CHANNEL', { errorId });
    return;
  }
  await deps.slack.postMessage(channel, checkUnfinishedMessage(deps.config.team.domainName, lambdaSaid(job), deps.config.certificateFunctionName, errorId));
}

/** Lambda's words for a failure, without the time and request id it puts before a timeout's or a crash's. */
function lambdaSaid(facts: FailureFacts): string {
  const message = facts.errorMessage.replace(/^\d{4}-\d\d-\d\dT\S+Z [0-9a-f-]{36} /, '').replace(/^RequestId: [0-9a-f-]{36} /, '');
  if (message) return facts.errorType === 'unknown' ? message : `${facts.errorType}: ${message}`;
  return facts.condition === 'EventAgeExceeded' ? 'Lambda gave up on the run before it started (EventAgeExceeded).' : `${facts.errorType} (${facts.condition})`;
}

/**
 * The first failed notifier job of a run gets it run again (the repair the sweeper would
 * make after the grace period, made at once); a failed repair is told to the channel, once.
 */
async function repairNotifierJob(deps: FailedJobsDeps, job: NotifierJob, errorId: string): Promise<void> {
  const ids = parseStackId(job.stackId);
  if (!ids || ids.stackName !== teamStackName(deps.config.stackNamePrefix)) {
    deps.logger.warn('Failed notifier job for another stack ignored', { stackId: job.stackId });
    return;
  }
  const stack = await describeRunStack(deps.cloudFormation, job.stackId);
  if (!stack?.run || stack.status !== 'CREATE_COMPLETE') {
    deps.logger.info('Failed notifier job for a run that is not up: nothing to repair', { stackId: job.stackId, status: stack?.status });
    return;
  }
  const runKey = { prefix: deps.config.stackNamePrefix, stackUuid: ids.stackUuid };
  if (await readRunMarker(deps.ssm, runKey, 'notified')) return;
  if (!job.repair) {
    await runNotifierAgain(deps, job.stackId, runKey, { errorId });
    return;
  }
  if (!(await claimRunMarker(deps.ssm, runKey, 'notify-failure-reported', deps.now()))) return;
  await postRunNews(deps, stack.run, notifyFailedMessage(stack.run, errorId));
}
