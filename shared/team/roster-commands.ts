import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Config } from '../core/config';
import { RosterError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { SlackRequester } from '../runs/launcher-job';
import type { PersonRef } from '../slack/command-parser';
import { rosterAddedMessage, rosterRemovedMessage } from '../slack/roster-messages';
import type { SlackProfile, SlackResponder } from '../slack/slack-api';
import { describeTeamStack } from '../stack/stack-gateway';
import { teamStackName } from '../stack/team-stack';
import { addMembers, type NewMember, removeMembers } from './roster-changes';
import { changeRoster } from './roster-store';

/** What the launcher needs to change the roster. */
export interface RosterCommandDeps {
  config: Pick<Config, 'stackNamePrefix' | 'roster'>;
  logger: Logger;
  ssm: SSMClient;
  cloudFormation: CloudFormationClient;
  slack: SlackResponder;
  /** users.info with the bot token; undefined for someone not in the workspace. */
  lookUpUser: (userId: string) => Promise<SlackProfile | undefined>;
  now: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/i;

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
  return { userId: profile.userId, name: NAME.test(profile.name) ? profile.name : profile.userId.toLowerCase(), email: profile.email };
}

/** `/ide roster add @bob`: each gets the lowest free seat for good; the channel hears who got which. The caller has authorized the requester. */
export async function addToRoster(deps: RosterCommandDeps, requester: SlackRequester, people: readonly { userId: string; label: string }[]): Promise<void> {
  const members: NewMember[] = [];
  for (const person of people) members.push(await newMember(deps, person));
  const result = await changeRoster({ ...storeDeps(deps) }, (roster) => addMembers(roster, members));
  deps.logger.info('Roster changed', { userId: requester.userId, added: result.added.map((member) => member.slot), already: result.already.map((member) => member.slot) });
  await deps.slack.respond(requester.responseUrl, { visibility: result.added.length > 0 ? 'in_channel' : 'ephemeral', ...rosterAddedMessage(requester.userId, result) });
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
