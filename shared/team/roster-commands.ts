import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { readCertificateStatusOrUnreadable } from '../certificate/certificate-store';
import type { Config } from '../core/config';
import { RosterError } from '../core/errors';
import { invokeAsync } from '../core/invoke-async';
import type { Logger } from '../core/logger';
import { ROSTER_NAME } from '../core/roster';
import { newSeatPreviewLines } from '../previews/preview-messages';
import { previewsForNewSeats } from '../previews/previews';
import type { SlackRequester } from '../runs/launcher-job';
import type { PersonRef } from '../slack/command-parser';
import { rosterAddedMessage, rosterRemovedMessage } from '../slack/roster-messages';
import type { SlackMessage, SlackProfile, SlackResponder } from '../slack/slack-api';
import { context } from '../slack/slack-format';
import { describeTeamStack } from '../stack/stack-gateway';
import { teamStackName } from '../stack/team-stack';
import { addMembers, type NewMember, removeMembers } from './roster-changes';
import { changeRoster } from './roster-store';

/** What the launcher needs to change the roster. */
export interface RosterCommandDeps {
  config: Pick<Config, 'stackNamePrefix' | 'roster' | 'certificateFunctionName' | 'certificate' | 'team'>;
  logger: Logger;
  ssm: SSMClient;
  cloudFormation: CloudFormationClient;
  /** Starts the certificate function when new seats need the certificate obtained again. */
  lambda: LambdaClient;
  slack: SlackResponder;
  /** users.info with the bot token; undefined for someone not in the workspace. */
  lookUpUser: (userId: string) => Promise<SlackProfile | undefined>;
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/** Who to add, from Slack: their handle and email, refusing anyone who cannot receive a link. */
async function newMember(deps: RosterCommandDeps, person: { userId: string; label: string }): Promise<NewMember> {
  const profile = await deps.lookUpUser(person.userId);
  if (!profile) throw new RosterError(`${person.label} is not a member of this Slack workspace.`);
  if (profile.isBot) throw new RosterError(`${person.label} is a bot, not someone to give an IDE.`);
  if (profile.deleted) throw new RosterError(`${person.label}'s Slack account is deactivated.`);
  if (!profile.email) {
    throw new RosterError(profile.canReadEmails
      ? `Slack has no email address for ${person.label}, so their link could not reach them.`
      : `Slack did not give ${person.label}'s email: the app lacks the users:read.email scope. Whoever deployed team-ide: update the app from infra/slack-app-manifest.yaml (\`npm run setup\`) and reinstall it.`);
  }
  return { userId: profile.userId, name: ROSTER_NAME.test(profile.name) ? profile.name : profile.userId.toLowerCase(), email: profile.email };
}

/** `/ide roster add @bob`: each gets the lowest free seat for good; the channel hears who got which. The caller has authorized the requester. */
export async function addToRoster(deps: RosterCommandDeps, requester: SlackRequester, people: readonly { userId: string; label: string }[]): Promise<void> {
  const members: NewMember[] = [];
  for (const person of people) members.push(await newMember(deps, person));
  let rosterSlots: number[] = [];
  const result = await changeRoster({ ...storeDeps(deps) }, (roster) => {
    const change = addMembers(roster, members);
    rosterSlots = change.roster.map((member) => member.slot);
    return change;
  });
  deps.logger.info('Roster changed', { userId: requester.userId, added: result.added.map((member) => member.slot), already: result.already.map((member) => member.slot) });
  const message = rosterAddedMessage(requester.userId, result);
  const previews = result.added.length > 0 ? await previewsOfNewSeats(deps, result.added.map((member) => member.slot), rosterSlots) : [];
  await deps.slack.respond(requester.responseUrl, { visibility: result.added.length > 0 ? 'in_channel' : 'ephemeral', ...withContext(message, previews) });
}

/**
 * Seats the certificate does not name yet get it obtained again now, not at the daily check:
 * the certificate function is started without waiting (it decides again itself, and a start
 * while another run renews ends `busy` with that run catching up, so a second start is
 * harmless). The roster is already changed: a start that fails is logged and told, and the
 * daily check still adds the seats. A status that cannot be read starts nothing: the answer
 * points to the daily check.
 */
async function previewsOfNewSeats(deps: RosterCommandDeps, added: number[], rosterSlots: number[]): Promise<string[]> {
  const { certificate, team, certificateFunctionName } = deps.config;
  const status = certificate.mode === 'acme' ? await readCertificateStatusOrUnreadable(deps.ssm, certificate.statusParameter, deps.logger) : undefined;
  const previews = previewsForNewSeats(certificate.mode, status, team.domainName, added, rosterSlots);
  let started = false;
  if (previews.awaitingCertificate.length > 0 && !previews.lastRenewalFailed && !previews.statusUnreadable) {
    try {
      await invokeAsync(deps.lambda, certificateFunctionName, {});
      started = true;
      deps.logger.info('Certificate function started for new seats', { functionName: certificateFunctionName, seats: previews.awaitingCertificate });
    } catch (error) {
      deps.logger.error('Could not start the certificate function for new seats; the daily check adds them', { functionName: certificateFunctionName, seats: previews.awaitingCertificate, error: error as Error });
    }
  }
  return newSeatPreviewLines(previews, started, team);
}

function withContext(message: SlackMessage, lines: readonly string[]): SlackMessage {
  return lines.length > 0 ? { ...message, blocks: [...(message.blocks ?? []), ...lines.map(context)] } : message;
}

/** `/ide roster remove @bob`: frees the seat, unless bob sits in the running run. */
export async function removeFromRoster(deps: RosterCommandDeps, requester: SlackRequester, people: readonly PersonRef[]): Promise<void> {
  const running = await describeTeamStack(deps.cloudFormation, teamStackName(deps.config.stackNamePrefix));
  const seated = running?.run?.slots ?? [];
  const removed = await changeRoster({ ...storeDeps(deps) }, (roster) => removeMembers(roster, people, seated));
  deps.logger.info('Roster changed', { userId: requester.userId, removed: removed.map((member) => member.slot) });
  await deps.slack.respond(requester.responseUrl, { visibility: 'in_channel', ...rosterRemovedMessage(requester.userId, removed) });
}

function storeDeps(deps: RosterCommandDeps) {
  return { ssm: deps.ssm, stackNamePrefix: deps.config.stackNamePrefix, initialRoster: deps.config.roster, now: deps.now, ...(deps.sleep ? { sleep: deps.sleep } : {}) };
}
