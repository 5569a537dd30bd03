import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import type { AwsHandler } from '@slack/bolt/dist/receivers/AwsLambdaReceiver';
import { boltHandlerBuiltOnce, createBoltApp } from '../shared/slack/bolt-app';
import { coldStart } from '../shared/core/cold-start';
import type { Config } from '../shared/core/config';
import { answerForError } from '../shared/slack/error-answer';
import { ACTION } from '../shared/runs/lifetime-messages';
import { type ButtonReply, pressDiscard, pressExtend, pressStop } from '../shared/runs/run-buttons';
import { DISCARD_ACTION } from '../shared/snapshots/work-messages';
import { type IdleButtonDeps, pressKeepRunning } from '../shared/idle/idle-buttons';
import { loadSlackSigningSecret } from '../shared/slack/slack-secrets';

export interface SlackInteractionsDeps extends IdleButtonDeps {
  config: Config;
  loadSigningSecret: () => Promise<string>;
  /** What bolt's `respond()` posts to the response_url with; tests hand in a recording one. */
  fetch?: typeof fetch;
}

/**
 * POST /slack/interactions: the "Extend" and "Stop now" buttons of the warning the sweeper
 * posts before a run's end, "Keep running" and "Stop now" of its warning when nobody uses the run, and the
 * confirmation of `/ide stop --discard`. Bolt checks the signature as for slash commands (401 otherwise).
 * The listener acknowledges, acts (a few quick AWS calls: bolt answers Slack only once it
 * returns, within Slack's 3 seconds), and answers through the payload's response_url:
 * replacing the warning when the run's state changed, to the presser alone when not.
 */
export function makeHandler(deps: SlackInteractionsDeps): AwsHandler {
  return boltHandlerBuiltOnce(async () => {
    const { config, logger } = deps;
    const { app, receiver } = createBoltApp({
      signingSecret: await deps.loadSigningSecret(),
      logger,
      botId: config.slackBotId,
      botUserId: config.slackBotUserId,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    app.action<BlockAction<ButtonAction>>(ACTION.extend, async ({ ack, body, action, respond }) => {
      await ack();
      await answer(deps, respond, 'extend', body, () => pressExtend(deps, { teamId: teamOf(body), userId: body.user.id, value: action.value }));
    });
    app.action<BlockAction<ButtonAction>>(ACTION.stop, async ({ ack, body, action, respond }) => {
      await ack();
      await answer(deps, respond, 'stop', body, () => pressStop(deps, { teamId: teamOf(body), userId: body.user.id, value: action.value }));
    });
    app.action<BlockAction<ButtonAction>>(ACTION.keep, async ({ ack, body, action, respond }) => {
      await ack();
      await answer(deps, respond, 'keep', body, () => pressKeepRunning(deps, { teamId: teamOf(body), userId: body.user.id, value: action.value }));
    });
    app.action<BlockAction<ButtonAction>>(DISCARD_ACTION, async ({ ack, body, action, respond }) => {
      await ack();
      await answer(deps, respond, 'discard', body, () => pressDiscard(deps, { teamId: teamOf(body), userId: body.user.id, value: action.value }));
    });
    return receiver.start();
  }, deps.logger);
}

/** The presser's workspace: the payload's team, or the user's when Slack leaves the team out (an org-wide app in Enterprise Grid). */
function teamOf(body: BlockAction): string | undefined {
  return body.team?.id ?? body.user.team_id;
}

async function answer(deps: SlackInteractionsDeps, respond: RespondFn, button: 'extend' | 'stop' | 'keep' | 'discard', body: BlockAction, press: () => Promise<ButtonReply>): Promise<void> {
  // Ids only: the payload also holds the whole message and the response_url.
  const logContext = { button, userId: body.user.id, channelId: body.channel?.id };
  let reply: ButtonReply;
  try {
    reply = await press();
  } catch (error) {
    reply = { mode: 'ephemeral', message: answerForError(error, deps.logger, logContext) };
  }
  try {
    if (reply.mode === 'announce') {
      // An ephemeral message cannot become a channel message: the confirmation goes, the news is posted.
      await respond({ delete_original: true });
      await respond({ response_type: 'in_channel', replace_original: false, ...reply.message });
    } else {
      await respond(
        reply.mode === 'replace'
          ? { replace_original: true, ...reply.message }
          : { response_type: 'ephemeral', replace_original: false, ...reply.message },
      );
    }
  } catch (error) {
    deps.logger.error('Could not answer the button', { ...logContext, error: error as Error });
  }
}

function defaultDeps(): SlackInteractionsDeps {
  const { config, logger } = coldStart('slack-interactions');
  const ssm = new SSMClient({ region: config.region });
  return {
    config,
    logger,
    cloudFormation: new CloudFormationClient({ region: config.region }),
    ssm,
    now: () => new Date(),
    loadSigningSecret: () => loadSlackSigningSecret(ssm, config.slackSigningSecretParameter),
  };
}

export const handler = makeHandler(defaultDeps());
