/**
 * `npm run slack:manifest -- --stage <stage>`: the Slack app manifest with the stage's
 * deployed Request URLs filled in, ready to paste into "Create New App → From an app
 * manifest" or an existing app's App Manifest page. Without a deployment it prints the
 * manifest with its placeholders, and says so.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { parseManifest, manifestWithEndpoints } from '../shared/setup/slack-app';
import { deploymentStackName, readDeployment } from '../shared/setup/stage';
import { runCli } from './cli/run-cli';
import { checkStage, createClients, readStageContext, REPO_ROOT } from './cli/stage-context';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { stage: { type: 'string' }, region: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const context = readStageContext({ stage: checkStage(values.stage), ...(values.region ? { region: values.region } : {}), shellEnv: process.env });
  const manifest = parseManifest(readFileSync(path.join(REPO_ROOT, 'infra', 'slack-app-manifest.yaml'), 'utf8'));
  const deployment = await readDeployment(createClients(context).cloudFormation, context.stage);
  if (!deployment) console.error(`# ${deploymentStackName(context.stage)} is not deployed in ${context.region}: the URLs below are placeholders.`);
  const filled = deployment ? manifestWithEndpoints(manifest, deployment) : manifest;
  process.stdout.write(values.json ? `${JSON.stringify(filled, null, 2)}\n` : stringify(filled));
  return 0;
}

runCli('slack:manifest', main);
