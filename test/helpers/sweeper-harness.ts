import { CloudFormationClient, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient, type SSMClient as SSMClientType } from '@aws-sdk/client-ssm';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import { makeHandler, type SweeperDeps } from '../../functions/sweeper';
import { loadConfig } from '../../shared/core/config';
import type { NotifierJob } from '../../shared/email/notifier-job';
import { validEnv } from '../fixtures';
import { recordingResponder } from './recording-slack';
import { fakeParameterStore, recordingLogger, recordingPoster, STACK_UUID } from './run-fixtures';

/** Where the test run's markers live (STACK_NAME_PREFIX team-ide-test). */
export const MARKERS = `/team-ide-test/runs/${STACK_UUID}`;

/** The mocked clients between tests: nothing remembered, DeleteStack accepted, the failed-jobs queue empty. */
export function resetSweeperMocks(cloudFormation: AwsClientStub<CloudFormationClient>, ssm: AwsClientStub<SSMClientType>, sqs: AwsClientStub<SQSClient>): void {
  cloudFormation.reset();
  ssm.reset();
  sqs.reset();
  cloudFormation.on(DeleteStackCommand).resolves({});
  sqs.on(ReceiveMessageCommand).resolves({ Messages: [] });
}

/** A time on the day of the test runs (the run was created at 09:00 and ends at 17:00). */
export const at = (time: string) => new Date(`2026-11-28T${time}Z`);

export interface SweeperHarnessOptions {
  markers?: Record<string, string>;
  slackFailure?: Error;
  /** Channels the bot was not invited to: posting there fails as in Slack. */
  privateChannels?: string[];
  env?: Record<string, string>;
}

/**
 * A sweeper on mocked AWS clients (the caller's `mockClient` stubs answer), a recording
 * poster and responder, and a clock that reads `clock.now`: tests move it instead of waiting.
 * `notifierJobs` keeps what the sweeper asked the notifier to do.
 */
export function sweeperHarness(ssm: AwsClientStub<SSMClientType>, options: SweeperHarnessOptions = {}) {
  const clock = { now: at('12:00:00') };
  const slack = recordingPoster({ ...(options.slackFailure ? { failWith: options.slackFailure } : {}), ...(options.privateChannels ? { privateChannels: options.privateChannels } : {}) });
  const responder = recordingResponder();
  const logger = recordingLogger();
  const store = fakeParameterStore(ssm, options.markers);
  const notifierJobs: NotifierJob[] = [];
  const deps: SweeperDeps = {
    config: loadConfig(validEnv(options.env)),
    logger,
    cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
    ssm: new SSMClient({ region: 'eu-west-1' }),
    ec2: new EC2Client({ region: 'eu-west-1' }),
    sqs: new SQSClient({ region: 'eu-west-1' }),
    slack,
    responder,
    dispatchNotifier: vi.fn(async (job: NotifierJob) => {
      notifierJobs.push(job);
    }),
    now: () => clock.now,
    sleep: async () => undefined,
    workWaitMs: 0,
  };
  return { clock, slack, responder, logger, store, deps, notifierJobs, tick: makeHandler(deps) };
}
