import type { SlashCommand } from '@slack/bolt';
import type { AwsHandler } from '@slack/bolt/dist/receivers/AwsLambdaReceiver';
import { coldStart } from '../shared/core/cold-start';
import { answerClients, answeredInTime, type AnswerClients, HAND_OFF_NOT_CONFIRMED, ROSTER_NOT_READ_IN_TIME } from '../shared/slack/answer-budget';
import { boltHandlerBuiltOnce, createBoltApp } from '../shared/slack/bolt-app';
import { parseCommand } from '../shared/slack/command-parser';
import type { Config } from '../shared/core/config';
import { answerForError } from '../shared/slack/error-answer';
import { dispatchLauncherJob, type LauncherJob, type SlackRequester } from '../shared/runs/launcher-job';
import type { Logger } from '../shared/core/logger';
import { rosterChangeAcknowledgement, rosterMessage } from '../shared/slack/roster-messages';
import { acknowledgement, helpMessage } from '../shared/slack/slack-messages';
import type { SlackMessage } from '../shared/slack/slack-api';
import { loadSlackSigningSecret } from '../shared/slack/slack-secrets';
import type { Roster } from '../shared/core/roster';
import { rosterReaderFor } from '../shared/team/roster-store';
import { authorize, authorizeChannel, authorizeWorkspace, planStart } from '../shared/team/start-plan';

export interface SlackCommandDeps {
  config: Config;
  logger: Logger;
  loadSigningSecret: () => Promise<string>;
  dispatch: (job: LauncherJob) => Promise<void>;
  /** The team's roster (SSM, cached briefly); default: the ROSTER setting. */
  loadRoster: () => Promise<Roster>;
}

/**
 * POST /slack/commands. Bolt checks the signature and answers 401 to anything unsigned,
 * tampered or more than 5 minutes from now (shared/slack/bolt-app.ts). The listener
 * refuses other workspaces, reads and checks the command, hands
 * the slow part to the launcher, and acknowledges: bolt returns the HTTP response
 * only after the listener finishes, so nothing slow may run here.
 */
export function makeHandler(deps: SlackCommandDeps): AwsHandler {
  return boltHandlerBuiltOnce(() => buildBoltHandler(deps), deps.logger);
}

async function buildBoltHandler(deps: SlackCommandDeps): Promise<AwsHandler> {
  const { config, logger } = deps;
  const { app, receiver } = createBoltApp({ signingSecret: await deps.loadSigningSecret(), logger, botId: config.slackBotId, botUserId: config.slackBotUserId });
  // Any command name: renaming the command in the Slack app settings needs no redeploy.
  app.command(/^\/.+/, async ({ command, ack, context }) => {
    const answer = await answerCommand(deps, command, context.retryNum);
    await (answer ? ack({ response_type: 'ephemeral', ...answer }) : ack());
  });
  return receiver.start();
}

/** The ephemeral answer; undefined for a Slack retry, whose first delivery already got one. */
async function answerCommand(deps: SlackCommandDeps, command: SlashCommand, retryNum: number | undefined): Promise<SlackMessage | undefined> {
  const { config, logger } = deps;
  const logContext = { userId: command.user_id, channelId: command.channel_id, retryNum };
  if (retryNum !== undefined) {
    // Slack retries when our first answer was late; that delivery is already being handled.
    logger.info('Slack retry ignored', logContext);
    return undefined;
  }
  try {
    authorizeWorkspace(config, command.team_id);
    const parsed = parseCommand(command.text);
    if (parsed.action === 'help') return helpMessage();
    const { loadRoster } = deps;
    if (parsed.action === 'roster') {
      // Anyone in the team's channel may see the seats; only ALLOWED_USERS may change them.
      authorizeChannel(config, command.channel_id);
      return rosterMessage(await loadRoster());
    }
    const requester: SlackRequester = {
      teamId: command.team_id,
      userId: command.user_id,
      userName: command.user_name,
      channelId: command.channel_id,
      responseUrl: command.response_url,
    };
    if (parsed.action === 'roster-add' || parsed.action === 'roster-remove') {
      authorize(config, requester, 'change the roster');
      await deps.dispatch(parsed.action === 'roster-add' ? { action: 'roster-add', requester, people: parsed.people } : { action: 'roster-remove', requester, people: parsed.people });
      logger.info('Roster change dispatched', { ...logContext, action: parsed.action, people: parsed.people.length });
      return rosterChangeAcknowledgement(parsed.action === 'roster-add' ? 'add' : 'remove', parsed.people.map((person) => person.label));
    }
    authorize(config, requester);
    if (parsed.action === 'start') {
      const { action, ...request } = parsed;
      // Planned here too, so the answer within Slack's 3 seconds already says what is wrong.
      const plan = planStart(request, { ...config, roster: await loadRoster() });
      await deps.dispatch({ action, requester, request });
      logger.info('Start dispatched', { ...logContext, seats: plan.seats.length, instanceType: plan.instanceType, hours: plan.hours });
      return acknowledgement('start', plan);
    }
    await deps.dispatch(parsed.action === 'stop' ? { action: 'stop', requester, discard: parsed.discard } : { action: parsed.action, requester });
    logger.info('Command dispatched', { ...logContext, action: parsed.action });
    return acknowledgement(parsed.action);
  } catch (error) {
    return answerForError(error, logger, logContext);
  }
}

/**
 * The dependencies that reach AWS through `clients` (every call limited: shared/slack/answer-budget.ts).
 * A roster AWS does not hand over in time, or a hand-off it does not confirm, is answered with
 * a plain "try again"; the signing secret has no such answer, as without it no request can be
 * trusted, and a cold start that cannot read it fails the request.
 */
export function awsDeps(config: Config, logger: Logger, { ssm, lambda }: AnswerClients): SlackCommandDeps {
  const readRoster = rosterReaderFor(ssm, config);
  return {
    config,
    logger,
    loadSigningSecret: () => loadSlackSigningSecret(ssm, config.slackSigningSecretParameter),
    dispatch: (job) => answeredInTime(dispatchLauncherJob(lambda, config.launcherFunctionName, job), HAND_OFF_NOT_CONFIRMED, logger),
    loadRoster: () => answeredInTime(readRoster(), ROSTER_NOT_READ_IN_TIME, logger),
  };
}

function defaultDeps(): SlackCommandDeps {
  const { config, logger } = coldStart('slack-command');
  return awsDeps(config, logger, answerClients({ region: config.region }));
}

export const handler = makeHandler(defaultDeps());
