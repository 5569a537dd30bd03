import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SSMClient } from '@aws-sdk/client-ssm';
import { randomUUID } from 'node:crypto';
import { teamTemplateBody } from '../infra/team-template';
import { coldStart } from '../shared/core/cold-start';
import { answerForError } from '../shared/slack/error-answer';
import type { LauncherJob } from '../shared/runs/launcher-job';
import { createSlackResponder } from '../shared/slack/slack-api';
import { reportTeamStatus, startTeamRun, stopTeamRun, type TeamRunDeps } from '../shared/runs/team-runs';

/**
 * Invoked asynchronously by slack-command with a checked job. Whatever happens, the
 * person who typed the command hears about it through the response_url.
 */
export function makeHandler(deps: TeamRunDeps) {
  return async (job: LauncherJob): Promise<void> => {
    const logContext = { action: job.action, userId: job.requester.userId, channelId: job.requester.channelId };
    try {
      if (job.action === 'start') await startTeamRun(deps, job.requester, job.plan);
      else if (job.action === 'stop') await stopTeamRun(deps, job.requester);
      else await reportTeamStatus(deps, job.requester);
    } catch (error) {
      const answer = answerForError(error, deps.logger, logContext);
      await deps.slack.respond(job.requester.responseUrl, { visibility: 'ephemeral', ...answer }).catch((slackError: unknown) => {
        deps.logger.error('Could not tell the user about a failure', { ...logContext, error: slackError as Error });
      });
    }
  };
}

function defaultDeps(): TeamRunDeps {
  const { config, logger } = coldStart('launcher');
  return {
    config,
    logger,
    cloudFormation: new CloudFormationClient({ region: config.region }),
    ssm: new SSMClient({ region: config.region }),
    slack: createSlackResponder(),
    templateBody: teamTemplateBody,
    now: () => new Date(),
    newRunId: randomUUID,
  };
}

export const handler = makeHandler(defaultDeps());
