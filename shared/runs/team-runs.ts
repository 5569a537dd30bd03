import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { certificateStatusLine } from '../certificate/certificate-messages';
import { readCertificateStatus } from '../certificate/certificate-store';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Config } from '../core/config';
import { estimateCost } from '../team/instance-types';
import type { SlackRequester } from './launcher-job';
import type { Logger } from '../core/logger';
import type { SlackMessage, SlackResponder } from '../slack/slack-api';
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
  const stackId = await createTeamStack(deps.cloudFormation, {
    stackName,
    templateBody: deps.templateBody,
    parameters: teamStackParameters(deps.config.team, { runId, slots, instanceType: plan.instanceType, share: plan.share }),
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
  deps.logger.info('Team stack creation started', { stackId, runId, seats: slots.length, instanceType: plan.instanceType });
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
  const roster = await (deps.loadRoster ?? (async () => deps.config.roster))();
  const message = existing ? statusMessage(existing, roster, await lifetimeFacts(deps, existing)) : nothingRunningMessage();
  await deps.slack.respond(requester.responseUrl, { visibility: 'ephemeral', ...(await withCertificateStatus(deps, message)) });
}

/** Adds the certificate's expiry (and a failed renewal) as the last line; a status that cannot be read leaves the answer as it was. */
async function withCertificateStatus(deps: TeamRunDeps, message: SlackMessage): Promise<SlackMessage> {
  const status = await readCertificateStatus(deps.ssm, deps.config.certificate.statusParameter).catch((error: unknown) => {
    deps.logger.warn('Could not read the certificate status', { statusParameter: deps.config.certificate.statusParameter, error: error as Error });
    return undefined;
  });
  return status ? { ...message, blocks: [...(message.blocks ?? []), context(certificateStatusLine(status, deps.now()))] } : message;
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
