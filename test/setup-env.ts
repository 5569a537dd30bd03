import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, expect } from 'vitest';
import { validEnv } from './fixtures';
import { takeSlackLimitProblems } from './helpers/slack-limits';

// The function modules build their dependencies from process.env when imported, as
// they do at a Lambda cold start; tests start from a complete, fake environment.
Object.assign(process.env, validEnv(), {
  AWS_ACCESS_KEY_ID: 'AKIDFAKEFORTESTS',
  AWS_SECRET_ACCESS_KEY: 'fake-secret-for-tests',
  POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
  // On Node 20 the SDK warns once per process that it will want Node 22 from 2027 (Lambda runs 24).
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

// Any message the product sent during the test that Slack would have refused fails the test.
afterEach(() => {
  expect(takeSlackLimitProblems(), 'messages Slack would refuse (invalid_blocks)').toEqual([]);
});
