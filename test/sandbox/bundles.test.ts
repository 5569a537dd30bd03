import { build, type Metafile } from 'esbuild';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCloudFormationYaml } from '../../sandbox/backend/cloudformation/cfn-yaml';

const root = path.resolve(__dirname, '../..');

/** The handlers serverless.yml deploys, as entry points (functions/x.handler → functions/x.ts). */
function handlerEntries(): string[] {
  const service = parseCloudFormationYaml(readFileSync(path.join(root, 'serverless.yml'), 'utf8')) as { functions: Record<string, { handler: string }> };
  return Object.values(service.functions).map(({ handler }) => `${handler.replace(/\.[^.]+$/, '')}.ts`);
}

/** The source files esbuild puts in the bundle of `entry`, bundled as serverless.yml's custom.esbuild does. */
async function bundledInputs(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [path.join(root, entry)],
    absWorkingDir: root,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@aws-sdk/*', '@smithy/*'],
    loader: { '.yaml': 'text', '.sh': 'text' },
    plugins: require(path.join(root, 'scripts/esbuild-plugins.cjs')),
    logLevel: 'silent',
  });
  return Object.keys((result.metafile as Metafile).inputs);
}

const sandboxCode = (inputs: string[]) => inputs.filter((input) => input.startsWith('sandbox/'));
/** Test-only code: the tests' helpers, and the AGPL-3.0 IAM simulator that must never ship. */
const testOnlyCode = (inputs: string[]) => inputs.filter((input) => input.startsWith('test/') || input.includes('node_modules/@cloud-copilot/'));

describe('the production bundles', () => {
  it('hold no sandbox code: the functions reach the sandbox only through their settings', async () => {
    const entries = handlerEntries();

    const inputs = await Promise.all(entries.map(async (entry) => [entry, await bundledInputs(entry)] as const));
    const bundles = inputs.map(([entry, files]) => [entry, sandboxCode(files)] as const);

    expect(inputs.every(([, files]) => files.includes('shared/core/config.ts'))).toBe(true);
    expect(entries).toEqual(expect.arrayContaining(['functions/slack-command.ts', 'functions/launcher.ts', 'functions/stack-events.ts', 'functions/notifier.ts']));
    expect(Object.fromEntries(bundles)).toEqual(Object.fromEntries(entries.map((entry) => [entry, []])));
    expect(inputs.flatMap(([, files]) => testOnlyCode(files))).toEqual([]);
  }, 30_000);

  it('would notice test-only code: a bundle of the IAM simulation helper lists the simulator', async () => {
    expect(testOnlyCode(await bundledInputs('test/infra/iam/simulate.ts'))).toEqual(expect.arrayContaining([expect.stringContaining('node_modules/@cloud-copilot/iam-simulate/')]));
  }, 30_000);

  it('would notice sandbox code: a bundle of the sandbox CLI lists it', async () => {
    expect(sandboxCode(await bundledInputs('sandbox/slack-cli.ts'))).toContain('sandbox/slack-request.ts');
  });
});
