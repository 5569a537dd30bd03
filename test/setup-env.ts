import 'aws-sdk-client-mock-vitest/extend';
import { validEnv } from './fixtures';

// The function modules build their dependencies from process.env when imported, as
// they do at a Lambda cold start; tests start from a complete, fake environment.
Object.assign(process.env, validEnv(), {
  AWS_ACCESS_KEY_ID: 'AKIDFAKEFORTESTS',
  AWS_SECRET_ACCESS_KEY: 'fake-secret-for-tests',
  POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
});
