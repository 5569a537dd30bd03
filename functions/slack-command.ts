import { LambdaClient } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { SlashCommand } from '@slack/bolt';
// Bolt's index loads every receiver and its HTTP stack; these two are all a Lambda needs.
import App from '@slack/bolt/dist/App';
import AwsLambdaReceiver, { type AwsEvent, type AwsHandler, type AwsResponse } from '@slack/bolt/dist/receivers/AwsLambdaReceiver';
import { boltLoggerFor } from '../shared/bolt-logger';
import { parseCommand } from '../shared/command-parser';
import { type Config, loadConfig } from '../shared/config';
import { answerForError } from '../shared/error-answer';
import { dispatchLauncherJob, type LauncherJob, type SlackRequester } from '../shared/launcher-job';
import { createLogger, type Logger } from '../shared/logger';
import { acknowledgement, helpMessage } from '../shared/slack-messages';
import type { SlackMessage } from '../shared/slack-api';
import { loadSlackSecrets } from '../shared/slack-secrets';
import { authorize, planStart } from '../shared/start-plan';

export interface SlackCommandDeps {
  config: Config;
  logger: Logger;
  loadSigningSecret: () => Promise<string>;
  dispatch: (job: LauncherJob) => Promise<void>;
}

/**
 * POST /slack/commands. Bolt checks the signature and answers 401 to anything unsigned,
 * tampered or older than 5 minutes. The listener reads and checks the command, hands
 * the slow part to the launcher, and acknowledges: bolt returns the HTTP response
 * only after the listener finishes, so nothing slow may run here.
 */
export function makeHandler(deps: SlackCommandDeps): AwsHandler {
  let boltHandler: Promise<AwsHandler> | undefined;
  return async (event: AwsEvent, context: unknown): Promise<AwsResponse> => {
    boltHandler ??= buildBoltHandler(deps).catch((error: unknown) => {
      boltHandler = undefined;
      throw error;
    });
    return (await boltHandler)(event, context);
  };
}

async function buildBoltHandler(deps: SlackCommandDeps): Promise<AwsHandler> {
  const { config, logger } = deps;
  const receiver = new AwsLambdaReceiver({ signingSecret: await deps.loadSigningSecret(), logger: boltLoggerFor(logger) });
  const app = new App({
    receiver,
    logger: boltLoggerFor(logger),
    // Answering slash commands needs no token; ids given here spare the auth.test call at cold start.
    authorize: async () => ({ botId: config.slackBotId, botUserId: config.slackBotUserId }),
  });
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
    const parsed = parseCommand(command.text);
    if (parsed.action === 'help') return helpMessage();
    authorize(config, command.user_id, command.channel_id);
    const requester: SlackRequester = {
      userId: command.user_id,
      userName: command.user_name,
      channelId: command.channel_id,
      responseUrl: command.response_url,
    };
    if (parsed.action === 'start') {
      const plan = planStart(parsed, config);
      await deps.dispatch({ action: 'start', requester, plan });
      logger.info('Start dispatched', { ...logContext, seats: plan.seats.length, instanceType: plan.instanceType, hours: plan.hours });
      return acknowledgement('start', plan);
    }
    await deps.dispatch({ action: parsed.action, requester });
    logger.info('Command dispatched', { ...logContext, action: parsed.action });
    return acknowledgement(parsed.action);
  } catch (error) {
    return answerForError(error, logger, logContext);
  }
}

function defaultDeps(): SlackCommandDeps {
  const config = loadConfig(process.env);
  const lambda = new LambdaClient({ region: config.region });
  const ssm = new SSMClient({ region: config.region });
  return {
    config,
    logger: createLogger('slack-command'),
    loadSigningSecret: async () =>
      (await loadSlackSecrets(ssm, { signingSecretParameter: config.slackSigningSecretParameter, botTokenParameter: config.slackBotTokenParameter })).signingSecret,
    dispatch: (job) => dispatchLauncherJob(lambda, config.launcherFunctionName, job),
  };
}

export const handler = makeHandler(defaultDeps());
