import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { certificateStatusLine } from '../certificate/certificate-messages';
import { type CertificateStatusReading, readCertificateStatusOrUnreadable, STATUS_UNREADABLE } from '../certificate/certificate-store';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Config } from '../core/config';
import { StackStateError } from '../core/errors';
import { estimateCost } from '../team/instance-prices';
import type { SlackRequester } from './launcher-job';
import type { Logger } from '../core/logger';
import type { SlackMessage, SlackResponder } from '../slack/slack-api';
import { context, section } from '../slack/slack-format';
import {
  alreadyRunningMessage,
  alreadyStoppingMessage,
  nothingRunningMessage,
  startAnnouncement,
  statusMessage,
  type StatusLifetime,
  stopAnnouncement,
  stopWorkOf,
} from '../slack/slack-messages';
import { idleStatus } from '../idle/idle-sweep';
import { readRunEnd, runKeyOf, SWEPT_STATUSES } from './run-lifetime';
import { stopRunOnce } from './run-stop';
import { previewStatusLine, STARTED_WITHOUT_PREVIEWS } from '../previews/preview-messages';
import { decidePreviews, PREVIEWS_PARAMETER, type PreviewDecision } from '../previews/previews';
import { createTeamStack, describeTeamStack, type TeamStack } from '../stack/stack-gateway';
import type { Roster } from '../core/roster';
import type { StartPlan } from '../team/start-plan';
import { NO_DATA_VOLUME, runTagsToStackTags, teamStackName, teamStackParameters } from '../stack/team-stack';
import { savedWorkCost } from '../snapshots/saved-work';
import { pollDelayMs, type PreparedVolume, prepareDataVolume, pruneWork, readSavedWork } from '../snapshots/work-keeper';
import { discardConfirmationMessage, savedWorkStatusLine, waitingForWorkMessage } from '../snapshots/work-messages';
import { recordRun } from '../snapshots/work-records';

export interface TeamRunDeps {
  config: Config;
  logger: Logger;
  cloudFormation: CloudFormationClient;
  /** The run markers: the `stopping` claim shared with the sweeper and the buttons, the extended end. */
  ssm: SSMClient;
  /** The saved work: the subnet's zone, the snapshots to restore, retention. */
  ec2: EC2Client;
  slack: SlackResponder;
  templateBody: string;
  now: () => Date;
  /** Waits between two looks at a stop or a snapshot still under way; tests hand in one that moves their clock. */
  sleep: (ms: number) => Promise<void>;
  /** How long a start waits for the previous run to stop and its homes to be saved (within the launcher's timeout). */
  workWaitMs: number;
  newRunId: () => string;
  /** The team's roster (SSM, cached briefly), for who holds which seat; default: the ROSTER setting. */
  loadRoster: () => Promise<Roster>;
}

/**
 * Creates the team stack for a checked plan, unless one exists. With KEEP_WORK, the homes
 * come from the newest kept snapshot: a start while the previous run is still stopping, or
 * its snapshot still pending, waits for it (and says so in the channel). The channel hears
 * of it through the response_url (in_channel), which works even where the bot was never invited.
 */
export async function startTeamRun(deps: TeamRunDeps, requester: SlackRequester, plan: StartPlan): Promise<void> {
  const stackName = teamStackName(deps.config.stackNamePrefix);
  const existing = await describeTeamStack(deps.cloudFormation, stackName);
  const keep = deps.config.work.keep;
  if (existing && !(keep && existing.status === 'DELETE_IN_PROGRESS')) {
    await deps.slack.respond(requester.responseUrl, { visibility: 'ephemeral', ...alreadyRunningMessage(existing) });
    return;
  }
  let told = false;
  const tellChannelOnce = async (message: SlackMessage) => {
    if (told) return;
    told = true;
    await deps.slack.respond(requester.responseUrl, { visibility: 'in_channel', ...message });
  };
  const deadline = deps.now().getTime() + deps.workWaitMs;
  if (existing) await waitForStop(deps, existing, deadline, () => tellChannelOnce(waitingForWorkMessage(requester.userId, { kind: 'stopping' })));
  const volume: PreparedVolume | undefined = keep
    ? await prepareDataVolume(deps, { fresh: plan.fresh, deadline, announce: (pending) => tellChannelOnce(waitingForWorkMessage(requester.userId, pending)) })
    : undefined;
  const runId = deps.newRunId();
  const endsAt = new Date(deps.now().getTime() + plan.hours * 3_600_000);
  const slots = plan.seats.map((member) => member.slot);
  const work = volume?.origin ?? { kind: 'off' as const };
  const rosterSeats = (await deps.loadRoster()).map((member) => member.slot);
  const previews = decidePreviews(await certificateStatus(deps), deps.config.team.domainName, slots, rosterSeats);
  const stackId = await createTeamStack(deps.cloudFormation, {
    stackName,
    templateBody: deps.templateBody,
    parameters: teamStackParameters(deps.config.team, { runId, seats: plan.seats, instanceType: plan.instanceType, share: plan.share, dataVolume: volume?.plan ?? NO_DATA_VOLUME, previews: previews.on }),
    tags: runTagsToStackTags({
      runId,
      requestedBy: requester.userId,
      requestedByName: requester.userName,
      channel: requester.channelId,
      slots,
      hours: plan.hours,
      endsAt: endsAt.toISOString(),
      work,
    }),
    clientRequestToken: runId,
    serviceRoleArn: deps.config.team.serviceRoleArn,
  });
  deps.logger.info('Team stack creation started', { stackId, runId, seats: slots.length, instanceType: plan.instanceType, work: work.kind, previews: previews.on ? 'on' : previews.reason });
  if (volume) {
    // stack-events records the run too, at its first status change: a failure here loses nothing.
    await recordRun(deps.ssm, deps.config.stackNamePrefix, { stackId, runId, startedAt: deps.now() }).catch((error: unknown) => {
      deps.logger.warn('Could not record the run\'s saved work', { stackId, error: error as Error });
    });
  }
  await deps.slack.respond(requester.responseUrl, { visibility: 'in_channel', ...startAnnouncement(requester.userId, plan, endsAt, work) });
  if (volume?.saved) await pruneWork(deps, volume.saved);
}

/**
 * Waits until the previous run's stack is gone (its volume is snapshotted on the way). The
 * stack is recorded first, so its snapshot is found even if its own events were lost.
 */
async function waitForStop(deps: TeamRunDeps, stopping: TeamStack, deadline: number, announce: () => Promise<void>): Promise<void> {
  if (stopping.run) await recordRun(deps.ssm, deps.config.stackNamePrefix, { stackId: stopping.stackId, runId: stopping.run.runId, startedAt: stopping.createdAt });
  await announce();
  for (let attempt = 0; ; attempt++) {
    await deps.sleep(pollDelayMs(attempt));
    const stack = await describeTeamStack(deps.cloudFormation, teamStackName(deps.config.stackNamePrefix));
    if (!stack) return;
    if (stack.status !== 'DELETE_IN_PROGRESS') throw new StackStateError(alreadyRunningMessage(stack).text);
    if (deps.now().getTime() >= deadline) {
      throw new StackStateError('The previous team IDEs are still stopping (their homes are being saved), so nothing was started. Try `/ide start` again in a few minutes.');
    }
  }
}

/**
 * Deletes the team stack, also while it is still being created; once, if the sweeper or a
 * button races it. `--discard` only asks: the button it answers with does the rest
 * (shared/runs/run-buttons.ts).
 */
export async function stopTeamRun(deps: TeamRunDeps, requester: SlackRequester, options: { discard?: boolean } = {}): Promise<void> {
  const stackName = teamStackName(deps.config.stackNamePrefix);
  const existing = await describeTeamStack(deps.cloudFormation, stackName);
  if (!existing) {
    await deps.slack.respond(requester.responseUrl, { visibility: 'ephemeral', ...nothingRunningMessage() });
    return;
  }
  if (options.discard) {
    await deps.slack.respond(requester.responseUrl, { visibility: 'ephemeral', ...discardAnswer(deps, existing) });
    return;
  }
  if ((await stopRunOnce(deps, existing)) === 'already-stopping') {
    await deps.slack.respond(requester.responseUrl, { visibility: 'ephemeral', ...alreadyStoppingMessage() });
    return;
  }
  await deps.slack.respond(requester.responseUrl, { visibility: 'in_channel', ...stopAnnouncement(requester.userId, existing, stopWorkOf(existing)) });
}

/** The confirmation `--discard` asks for, or why there is nothing to discard. */
function discardAnswer(deps: TeamRunDeps, stack: TeamStack): SlackMessage {
  if (!deps.config.work.keep) return plainMessage('Nothing to discard: this deployment keeps no work between runs (KEEP_WORK=false), so `/ide stop` deletes everything anyway.');
  if (!stack.run || !['CREATE_IN_PROGRESS', 'CREATE_COMPLETE', 'DELETE_IN_PROGRESS'].includes(stack.status)) return alreadyRunningMessage(stack);
  return discardConfirmationMessage(stack.run);
}

export async function reportTeamStatus(deps: TeamRunDeps, requester: SlackRequester): Promise<void> {
  const existing = await describeTeamStack(deps.cloudFormation, teamStackName(deps.config.stackNamePrefix));
  const roster = await deps.loadRoster();
  const message = existing ? statusMessage(existing, roster, await lifetimeFacts(deps, existing)) : nothingRunningMessage();
  const saved = deps.config.work.keep ? savedWorkStatusLine(savedWorkCost(await readSavedWork(deps), deps.config.region), existing !== undefined) : undefined;
  const status = await certificateStatus(deps);
  const lines = [previewStatusLine(previewsOf(deps, roster, existing, status), deps.config.team, existing?.run?.slots[0] ?? roster[0]?.slot ?? 1)];
  if (status && status !== STATUS_UNREADABLE) lines.push(certificateStatusLine(status, deps.config.team.domainName, deps.now()));
  const withSaved = withLine(message, saved);
  await deps.slack.respond(requester.responseUrl, { visibility: 'ephemeral', ...withSaved, blocks: [...(withSaved.blocks ?? []), ...lines.map(context)] });
}


/** What the certificate function last reported; one that cannot be read turns previews off, saying why, with no certificate line. */
async function certificateStatus(deps: TeamRunDeps): Promise<CertificateStatusReading> {
  return readCertificateStatusOrUnreadable(deps.ssm, deps.config.certificate.statusParameter, deps.logger);
}

/** Previews of the run as the launcher decided them when it started it; with no run, what the roster's seats would get now. */
function previewsOf(deps: TeamRunDeps, roster: Roster, stack: TeamStack | undefined, status: CertificateStatusReading): PreviewDecision {
  const { domainName } = deps.config.team;
  const seats = roster.map((member) => member.slot);
  if (!stack?.run) return decidePreviews(status, domainName, seats, seats);
  if (stack.parameters[PREVIEWS_PARAMETER] === 'on') return { on: true };
  const now = decidePreviews(status, domainName, stack.run.slots, seats);
  return now.on ? { on: false, reason: STARTED_WITHOUT_PREVIEWS } : now;
}

function withLine(message: SlackMessage, line: string | undefined): SlackMessage {
  return line ? { ...message, blocks: [...(message.blocks ?? []), section(line)] } : message;
}

const plainMessage = (text: string): SlackMessage => ({ text, blocks: [section(text)] });

/** The current end (an extension included), the cost so far and, once it is up, who uses it, for a run that is starting or running. */
async function lifetimeFacts(deps: TeamRunDeps, stack: TeamStack): Promise<StatusLifetime | undefined> {
  const runKey = runKeyOf(deps.config.stackNamePrefix, stack.stackId);
  if (!stack.run || !runKey || !SWEPT_STATUSES.includes(stack.status)) return undefined;
  const now = deps.now();
  const endsAt = await readRunEnd(deps.ssm, runKey, stack, deps.config.maxHours);
  const cost = estimateCost({ instanceType: stack.parameters.InstanceType ?? '', region: deps.config.region, since: stack.createdAt, now });
  const idle = stack.status === 'CREATE_COMPLETE' ? await idleStatus(deps, { stack, run: stack.run, runKey, now }).catch((error: unknown) => {
    deps.logger.warn('Could not read who uses the run', { stackId: stack.stackId, error: error as Error });
    return undefined;
  }) : undefined;
  return { endsAt, now, ...(cost ? { cost } : {}), ...(idle ? { idle } : {}) };
}
