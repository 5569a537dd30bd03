import { describe, expect, it } from 'vitest';
import { announceBackend } from '../../../shared/core/cold-start';
import { loadConfig, SANDBOX_ENDPOINT_VARIABLES } from '../../../shared/core/config';
import { configProblems, validEnv } from '../../fixtures';
import { recordingLogger } from '../../helpers/run-fixtures';

/** What `npm start` gives the functions: every AWS service and Slack pointed at local stand-ins. */
const sandboxEnv = (overrides: Record<string, string | undefined> = {}) =>
  validEnv({
    IDE_BACKEND: 'sandbox',
    ...Object.fromEntries(SANDBOX_ENDPOINT_VARIABLES.map((name) => [name, 'http://127.0.0.1:3004'])),
    SLACK_API_URL: 'http://127.0.0.1:3004/api',
    ACME_DIRECTORY_URL: 'https://127.0.0.1:14000/dir',
    FAILED_JOBS_QUEUE_URL: 'http://127.0.0.1:3004/000000000000/team-ide-sandbox-failed-jobs',
    ...overrides,
  });

describe('IDE_BACKEND: the backend is never chosen silently', () => {
  it('is aws unless set, with AWS and Slack\'s own endpoints', () => {
    expect(loadConfig(validEnv()).backend).toBe('aws');
    expect(loadConfig(validEnv({ SLACK_API_URL: 'https://slack-gov.com/api' })).backend).toBe('aws');
  });

  it('refuses an AWS endpoint or a Slack API elsewhere unless IDE_BACKEND is sandbox, naming each', () => {
    const problems = configProblems(validEnv({
      AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:3004',
      AWS_ENDPOINT_URL: 'http://localhost:4566',
      SLACK_API_URL: 'http://127.0.0.1:3004/api',
      FAILED_JOBS_QUEUE_URL: 'http://127.0.0.1:3004/000000000000/team-ide-sandbox-failed-jobs',
    }));

    expect(problems).toEqual([
      'AWS_ENDPOINT_URL is set (http://localhost:4566), which sends AWS calls there instead of to AWS: unset it, or set IDE_BACKEND=sandbox for the local sandbox',
      'AWS_ENDPOINT_URL_CLOUDFORMATION is set (http://127.0.0.1:3004), which sends AWS calls there instead of to AWS: unset it, or set IDE_BACKEND=sandbox for the local sandbox',
      'SLACK_API_URL (http://127.0.0.1:3004/api) is not Slack\'s API: unset it, or set IDE_BACKEND=sandbox for the local sandbox',
      'FAILED_JOBS_QUEUE_URL (http://127.0.0.1:3004/000000000000/team-ide-sandbox-failed-jobs) is not an SQS queue of AWS: deploy with serverless.yml, which sets it, or set IDE_BACKEND=sandbox for the local sandbox',
    ]);
  });

  it('runs the idle clock fast in the sandbox only, when SANDBOX_IDLE_MINUTE_SECONDS says so', () => {
    const sandbox = loadConfig(sandboxEnv({ IDLE_MINUTES: '5', WARNING_MINUTES: '2', SANDBOX_IDLE_MINUTE_SECONDS: '1' }));

    expect(sandbox.idle).toEqual({ afterMs: 5_000, warningMs: 2_000, silentMs: 5_000 });
    expect(configProblems(sandboxEnv({ SANDBOX_IDLE_MINUTE_SECONDS: '61' }))).toEqual(['SANDBOX_IDLE_MINUTE_SECONDS must be a whole number of seconds from 1 to 60']);
  });

  it.each([
    'https://sqs.eu-west-1.amazonaws.com/123456789012/team-ide-dev-failed-jobs',
    'https://sqs-fips.us-east-1.amazonaws.com/123456789012/team-ide-dev-failed-jobs',
    'https://sqs.eu-west-1.api.aws/123456789012/team-ide-dev-failed-jobs',
    'https://eu-west-1.queue.amazonaws.com/123456789012/team-ide-dev-failed-jobs',
    'https://queue.amazonaws.com/123456789012/team-ide-dev-failed-jobs',
    'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/team-ide-dev-failed-jobs',
  ])('takes the failed-jobs queue at any of SQS\'s own hosts, however CloudFormation wrote its URL: %s', (url) => {
    expect(loadConfig(validEnv({ FAILED_JOBS_QUEUE_URL: url })).failedJobsQueueUrl).toBe(url);
  });

  it('takes the sandbox with every endpoint pointed at it', () => {
    expect(loadConfig(sandboxEnv()).backend).toBe('sandbox');
  });

  it('refuses a sandbox that would still reach AWS or Slack', () => {
    const problems = configProblems(sandboxEnv({ AWS_ENDPOINT_URL_SES: undefined, SLACK_API_URL: undefined, FAILED_JOBS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/team-ide-dev-failed-jobs' }));

    expect(problems).toEqual([
      'AWS_ENDPOINT_URL_SES is not set, so IDE_BACKEND=sandbox would call AWS itself: start the sandbox with `npm start`, which sets it',
      'SLACK_API_URL is Slack\'s own, so IDE_BACKEND=sandbox would post to Slack: start the sandbox with `npm start`, which points it at its stand-in',
      'FAILED_JOBS_QUEUE_URL is a queue of AWS, so IDE_BACKEND=sandbox would read it there: start the sandbox with `npm start`, which points it at its stand-in',
    ]);
  });

  it('keeps each side to its own CA: no real CA from the sandbox, no local one from AWS', () => {
    expect(configProblems(sandboxEnv({ ACME_DIRECTORY_URL: undefined }))).toEqual([
      'ACME_DIRECTORY_URL (https://acme-v02.api.letsencrypt.org/directory) is a real CA, so IDE_BACKEND=sandbox would ask it for certificates: start the sandbox with `npm start`, which points it at a local one',
    ]);
    expect(configProblems(validEnv({ ACME_DIRECTORY_URL: 'https://localhost:14000/dir' }))).toEqual([
      'ACME_DIRECTORY_URL (https://localhost:14000/dir) is on this machine, which no CA is: unset it for Let\'s Encrypt, or set IDE_BACKEND=sandbox for the local sandbox',
    ]);
    expect(loadConfig(sandboxEnv({ ACME_DIRECTORY_URL: 'http://127.0.0.1:3004/acme/directory' })).certificate.acmeDirectoryUrl).toBe('http://127.0.0.1:3004/acme/directory');
  });

  it('refuses a backend it does not know', () => {
    expect(configProblems(validEnv({ IDE_BACKEND: 'localstack' }))).toEqual(['IDE_BACKEND must be aws (the default) or sandbox (the local stand-ins `npm start` runs)']);
  });
});

describe('announceBackend', () => {
  it('says at cold start that the function talks to the sandbox, and nothing on AWS', () => {
    const onSandbox = recordingLogger();
    const onAws = recordingLogger();

    announceBackend(loadConfig(sandboxEnv()), onSandbox);
    announceBackend(loadConfig(validEnv()), onAws);

    expect(onSandbox.entries).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringMatching(/^IDE_BACKEND=sandbox: AWS and Slack calls go to the local sandbox/) })]);
    expect(onAws.entries).toEqual([]);
  });
});
