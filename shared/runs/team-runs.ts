import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { certificateStatusLine } from '../certificate/certificate-messages';
import { type CertificateStatus, readCertificateStatus } from '../certificate/certificate-store';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Config } from '../core/config';
import { estimateCost } from '../team/instance-types';
import type { SlackRequester } from './launcher-job';
import type { Logger } from '../core/logger';
import type { SlackResponder } from '../slack/slack-api';
import { context } from '../slack/slack-format';
import {
  alreadyRunningMessage,
  alreadyStoppingMessage,
  nothingRunningMessage,
  startAnnouncement,
  statusMessage,
  stopAnnouncement,
} from '../slack/slack-messages';
import { readRunEnd, runKeyOf, SWEPT_STATUSES } from './run-lifetime';
import { stopRunOnce } from './run-stop';
import { previewStatusLine, STARTED_WITHOUT_PREVIEWS } from '../previews/preview-messages';
import { decidePreviews, PREVIEWS_PARAMETER, type PreviewDecision } from '../previews/previews';
import { createTeamStack, describeTeamStack, type TeamStack } from '../stack/stack-gateway';
import type { Roster } from '../team/roster';
import type { StartPlan } from '../team/start-plan';
import { runTagsToStackTags, teamStackName, teamStackParameters } from '../stack/team-stack';

export interface TeamRunDeps {
  config: Config;
  logger: Logger;
  cloudFormation: CloudFormationClient;
  /** The run markers: the `stopping` claim shared with the sweeper and the buttons, the extended end. */
  ssm: SSMClient;
  slack: SlackResponder;
  templateBody: string;
  now: () => Date;
  newRunId: () => string;
  /** The team's roster (SSM, cached briefly), for who holds which seat; default: the ROSTER setting. */
  loadRoster?: () => Promise<Roster>;
}

/**
 * Creates the team stack for a checked plan, unless one exists. The channel hears of it
 * through the response_url (in_channel), which works even where the bot was never invited.
 */
export async function startTeamRun(deps: TeamRunDeps, requester: SlackRequester, plan: StartPlan): Promise<void> {
  const stackName = teamStackName(deps.config.stackNamePrefix);
  const existing = await describeTeamStack(deps.cloudFormation, stackName);
  if (existing) {
    await deps.slack.respond(requester.responseUrl, { visibility: 'ephemeral', ...alreadyRunningMessage(existing) });
    return;
  }
  const runId = deps.newRunId();
  const endsAt = new Date(deps.now().getTime() + plan.hours * 3_600_000);
  const slots = plan.seats.map((member) => member.slot);
  const rosterSeats = (await loadRoster(deps)).map((member) => member.slot);
  const previews = decidePreviews(await certificateStatus(deps), deps.config.team.domainName, slots, rosterSeats);
  const stackId = await createTeamStack(deps.cloudFormation, {
    stackName,
    templateBody: deps.templateBody,
    parameters: teamStackParameters(deps.config.team, { runId, slots, instanceType: plan.instanceType, share: plan.share, previews: previews.on }),
    tags: runTagsToStackTags({
      runId,
      requestedBy: requester.userId,
      requestedByName: requester.userName,
      channel: requester.channelId,
      slots,
      hours: plan.hours,
      endsAt: endsAt.toISOString(),
    }),
    clientRequestToken: runId,
    serviceRoleArn: deps.config.team.serviceRoleArn,
  });
  deps.logger.info('Team stack creation started', { stackId, runId, seats: slots.length, instanceType: plan.instanceType, previews: previews.on ? 'on' : previews.reason });
  await deps.slack.respond(requester.responseUrl, { visibility: 'in_channel', ...startAnnouncement(requester.userId, plan, endsAt) });
}

/** Deletes the team stack, also while it is still being created; once, if the sweeper or a button races it. */
export async function stopTeamRun(deps: TeamRunDeps, requester: SlackRequester): Promise<void> {
  const stackName = teamStackName(deps.config.stackNamePrefix);
  const existing = await describeTeamStack(deps.cloudFormation, stackName);
  if (!existing) {
    await deps.slack.respond(requester.responseUrl, { visibility: 'ephemeral', ...nothingRunningMessage() });
    return;
  }
  if ((await stopRunOnce(deps, existing)) === 'already-stopping') {
    await deps.slack.respond(requester.responseUrl, { visibility: 'ephemeral', ...alreadyStoppingMessage() });
    return;
  }
  await deps.slack.respond(requester.responseUrl, { visibility: 'in_channel', ...stopAnnouncement(requester.userId, existing) });
}

export async function reportTeamStatus(deps: TeamRunDeps, requester: SlackRequester): Promise<void> {
  const existing = await describeTeamStack(deps.cloudFormation, teamStackName(deps.config.stackNamePrefix));
  const roster = await loadRoster(deps);
  const message = existing ? statusMessage(existing, roster, await lifetimeFacts(deps, existing)) : nothingRunningMessage();
  const status = await certificateStatus(deps);
  const lines = [previewStatusLine(previewsOf(deps, roster, existing, status), deps.config.team, existing?.run?.slots[0] ?? roster[0]?.slot ?? 1)];
  if (status) lines.push(certificateStatusLine(status, deps.config.team.domainName, deps.now()));
  await deps.slack.respond(requester.responseUrl, { visibility: 'ephemeral', ...message, blocks: [...(message.blocks ?? []), ...lines.map(context)] });
}

/** The team's roster: from SSM through the launcher's cached reader, else the ROSTER setting. */
const loadRoster = (deps: TeamRunDeps): Promise<Roster> => (deps.loadRoster ?? (async () => deps.config.roster))();

/** What the certificate function last reported; a status that cannot be read counts as none (previews off, no certificate line). */
async function certificateStatus(deps: TeamRunDeps): Promise<CertificateStatus | undefined> {
  return readCertificateStatus(deps.ssm, deps.config.certificate.statusParameter).catch((error: unknown) => {
    deps.logger.warn('Could not read the certificate status', { statusParameter: deps.config.certificate.statusParameter, error: error as Error });
    return undefined;
  });
}

/** Previews of the run as the launcher decided them when it started it; with no run, what the roster's seats would get now. */
function previewsOf(deps: TeamRunDeps, roster: Roster, stack: TeamStack | undefined, status: CertificateStatus | undefined): PreviewDecision {
  const { domainName } = deps.config.team;
  const seats = roster.map((member) => member.slot);
  if (!stack?.run) return decidePreviews(status, domainName, seats, seats);
  if (stack.parameters[PREVIEWS_PARAMETER] === 'on') return { on: true };
  const now = decidePreviews(status, domainName, stack.run.slots, seats);
  return now.on ? { on: false, reason: STARTED_WITHOUT_PREVIEWS } : now;
}

/** The current end (an extension included) and the cost so far, for a run that is starting or running. */
async function lifetimeFacts(deps: TeamRunDeps, stack: TeamStack) {
  const runKey = runKeyOf(deps.config.stackNamePrefix, stack.stackId);
  if (!stack.run || !runKey || !SWEPT_STATUSES.includes(stack.status)) return undefined;
  const now = deps.now();
  const endsAt = await readRunEnd(deps.ssm, runKey, stack, deps.config.maxHours);
  const cost = estimateCost({ instanceType: stack.parameters.InstanceType ?? '', region: deps.config.region, since: stack.createdAt, now });
  return { endsAt, now, ...(cost ? { cost } : {}) };
}
