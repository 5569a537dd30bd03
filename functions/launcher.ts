import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { teamTemplateBody } from '../infra/team-template';
import { coldStart } from '../shared/core/cold-start';
import { answerForError } from '../shared/slack/error-answer';
import { readLauncherJob } from '../shared/runs/launcher-job';
import { createSlackDirectory, createSlackResponder, isSlackResponseUrl, type SlackDirectory } from '../shared/slack/slack-api';
import { loadSlackBotToken } from '../shared/slack/slack-secrets';
import { reportTeamStatus, startTeamRun, stopTeamRun, type TeamRunDeps } from '../shared/runs/team-runs';
import { addToRoster, removeFromRoster, type RosterCommandDeps } from '../shared/team/roster-commands';
import { rosterReaderFor } from '../shared/team/roster-store';
import { authorize, planStart } from '../shared/team/start-plan';

export type LauncherDeps = TeamRunDeps & Pick<RosterCommandDeps, 'lookUpUser' | 'lambda'>;

/**
 * How long a start waits for the previous run's stop and snapshot: within the launcher's
 * 15-minute timeout (serverless.yml), with room to create the stack and answer.
 */
const START_WAIT_MS = 12 * 60_000;

/**
 * Invoked asynchronously by slack-command. It trusts nothing in the job: it checks who
 * asks against its own allowlists and plans a start again from its own settings, so a job
 * invoked by anything else cannot create a run slack-command would have refused. Whatever
 * happens, the person who typed the command hears about it through the response_url.
 */
export function makeHandler(deps: LauncherDeps) {
  return async (event: unknown): Promise<void> => {
    const read = readLauncherJob(event);
    if ('problem' in read) {
      // Nowhere trustworthy to answer: the event is not a job slack-command would send.
      deps.logger.warn('Launcher event refused', { problem: read.problem });
      return;
    }
    const { job } = read;
    const { requester } = job;
    const logContext = { action: job.action, teamId: requester.teamId, userId: requester.userId, channelId: requester.channelId };
    if (!isSlackResponseUrl(requester.responseUrl, deps.config)) {
      deps.logger.warn('Launcher job with a response_url that is not Slack\'s refused', logContext);
      return;
    }
    try {
      const changesRoster = job.action === 'roster-add' || job.action === 'roster-remove';
      authorize(deps.config, requester, changesRoster ? 'change the roster' : undefined);
      if (job.action === 'start') {
        const roster = await deps.loadRoster();
        await startTeamRun(deps, requester, planStart(job.request, { ...deps.config, roster }));
      } else if (job.action === 'stop') await stopTeamRun(deps, requester, { discard: job.discard === true });
      else if (job.action === 'roster-add') await addToRoster(deps, requester, job.people);
      else if (job.action === 'roster-remove') await removeFromRoster(deps, requester, job.people);
      else await reportTeamStatus(deps, requester);
    } catch (error) {
      const answer = answerForError(error, deps.logger, logContext);
      await deps.slack.respond(requester.responseUrl, { visibility: 'ephemeral', ...answer }).catch((slackError: unknown) => {
        deps.logger.error('Could not tell the user about a failure', { ...logContext, error: slackError as Error });
      });
    }
  };
}

function defaultDeps(): LauncherDeps {
  const { config, logger } = coldStart('launcher');
  const ssm = new SSMClient({ region: config.region });
  // The bot token only for `/ide roster add` (users.info): read at the first one, then kept.
  let directory: Promise<SlackDirectory> | undefined;
  return {
    config,
    logger,
    cloudFormation: new CloudFormationClient({ region: config.region }),
    ssm,
    ec2: new EC2Client({ region: config.region }),
    lambda: new LambdaClient({ region: config.region }),
    slack: createSlackResponder(),
    templateBody: teamTemplateBody,
    now: () => new Date(),
    sleep: (ms) => sleep(ms),
    workWaitMs: START_WAIT_MS,
    newRunId: randomUUID,
    loadRoster: rosterReaderFor(ssm, config),
    lookUpUser: async (userId) => {
      directory ??= loadSlackBotToken(ssm, config.slackBotTokenParameter).then((botToken) => createSlackDirectory({ botToken, apiUrl: config.slackApiUrl }));
      return (await directory).lookUp(userId);
    },
  };
}

export const handler = makeHandler(defaultDeps());
