import { type BuildOptions, build, type Metafile } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCloudFormationYaml } from '../../sandbox/backend/cloudformation/cfn-yaml';

const root = path.resolve(__dirname, '../..');
const service = parseCloudFormationYaml(readFileSync(path.join(root, 'serverless.yml'), 'utf8')) as {
  functions: Record<string, { handler: string }>;
  custom: { esbuild: Record<string, unknown> & { exclude: string[]; plugins: string } };
};

/** The handlers serverless.yml deploys, as entry points (functions/x.handler → functions/x.ts). */
function handlerEntries(): string[] {
  return Object.values(service.functions).map(({ handler }) => `${handler.replace(/\.[^.]+$/, '')}.ts`);
}

/** serverless.yml's custom.esbuild as serverless-esbuild hands it to esbuild: its own options left out, `exclude` as `external`. */
function deployBuildOptions(): BuildOptions {
  const { bundle, minify, keepNames, sourcemap, sourcesContent, target, platform, format, loader, exclude, plugins } = service.custom.esbuild;
  return {
    bundle,
    minify,
    keepNames,
    sourcemap,
    sourcesContent,
    target,
    platform,
    format,
    loader,
    external: exclude,
    plugins: require(path.join(root, plugins)),
    absWorkingDir: root,
    logLevel: 'silent',
  } as BuildOptions;
}

/** The source files esbuild puts in the bundle of `entry`, bundled as serverless.yml's custom.esbuild does. */
async function bundledInputs(entry: string): Promise<string[]> {
  const result = await build({ ...deployBuildOptions(), entryPoints: [path.join(root, entry)], write: false, metafile: true, sourcemap: false });
  return Object.keys((result.metafile as Metafile).inputs);
}

const sandboxCode = (inputs: string[]) => inputs.filter((input) => input.startsWith('sandbox/'));
/** Test-only code: the tests' helpers, and the AGPL-3.0 IAM simulator that must never ship. */
const testOnlyCode = (inputs: string[]) => inputs.filter((input) => input.startsWith('test/') || input.includes('node_modules/@cloud-copilot/'));

const outDirs: string[] = [];
afterAll(() => {
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Bundles a few lines that make every error users can cause (and the notifier's retry error)
 * with the deploy's esbuild options, runs the bundle as Lambda does (NODE_OPTIONS
 * --enable-source-maps), and returns what it printed: the errors' names and one stack.
 */
async function errorsAsPackaged(overrides: BuildOptions = {}): Promise<{ names: string[]; stack: string }> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'team-ide-bundle-'));
  outDirs.push(outdir);
  await build({
    ...deployBuildOptions(),
    ...overrides,
    stdin: {
      contents: `
        import { NotAllowedError, RosterError, StackRequestError, StackStateError, UsageError } from './shared/core/errors';
        import { StackNotReadyError } from './shared/email/notify-developers';
        import { parseCommand } from './shared/slack/command-parser';
        const made = [new UsageError('u'), new NotAllowedError('n'), new RosterError('r'), new StackStateError('s'), new StackRequestError('q', 'AccessDenied', undefined), new StackNotReadyError('arn', 'CREATE_IN_PROGRESS')];
        let thrown: Error | undefined;
        try {
          parseCommand('frobnicate');
        } catch (error) {
          thrown = error as Error;
        }
        console.log(JSON.stringify({ names: made.map((error) => error.name), stack: thrown?.stack }));
      `,
      resolveDir: root,
      sourcefile: 'probe.ts',
      loader: 'ts',
    },
    outfile: path.join(outdir, 'probe.js'),
  });
  // The SDK is left out of the bundles (the Lambda runtime has it): the probe finds it where Lambda's is, on NODE_PATH.
  const printed = execFileSync(process.execPath, ['--enable-source-maps', path.join(outdir, 'probe.js')], { cwd: root, env: { PATH: process.env.PATH, NODE_PATH: path.join(root, 'node_modules') } });
  return JSON.parse(printed.toString()) as { names: string[]; stack: string };
}

describe('the production bundles', () => {
  it('hold no sandbox code: the functions reach the sandbox only through their settings', async () => {
    const entries = handlerEntries();

    const inputs = await Promise.all(entries.map(async (entry) => [entry, await bundledInputs(entry)] as const));
    const bundles = inputs.map(([entry, files]) => [entry, sandboxCode(files)] as const);

    expect(inputs.every(([, files]) => files.includes('shared/core/config.ts'))).toBe(true);
    expect(entries).toEqual(expect.arrayContaining(['functions/slack-command.ts', 'functions/launcher.ts', 'functions/stack-events.ts', 'functions/notifier.ts', 'functions/sweeper.ts']));
    expect(Object.fromEntries(bundles)).toEqual(Object.fromEntries(entries.map((entry) => [entry, []])));
    expect(inputs.flatMap(([, files]) => testOnlyCode(files))).toEqual([]);
  }, 30_000);

  it('would notice test-only code: a bundle of the IAM simulation helper lists the simulator', async () => {
    expect(testOnlyCode(await bundledInputs('test/infra/iam/simulate.ts'))).toEqual(expect.arrayContaining([expect.stringContaining('node_modules/@cloud-copilot/iam-simulate/')]));
  }, 30_000);

  it('would notice sandbox code: a bundle of the sandbox CLI lists it', async () => {
    expect(sandboxCode(await bundledInputs('sandbox/slack-cli.ts'))).toContain('sandbox/slack-request.ts');
  });

  it('keep the AppError family\'s class names, and map an error\'s stack to our own sources', async () => {
    const { names, stack } = await errorsAsPackaged();

    expect(names).toEqual(['UsageError', 'NotAllowedError', 'RosterError', 'StackStateError', 'StackRequestError', 'StackNotReadyError']);
    expect(stack).toMatch(/^UsageError: I don't know `frobnicate`/);
    expect(stack).toMatch(/\(\S*shared\/slack\/command-parser\.ts:\d+:\d+\)/);
    expect(stack).not.toMatch(/probe\.js:/);
  }, 30_000);

  it('would notice lost names and maps: minified without them, classes log as short names at places in the bundle', async () => {
    const { names, stack } = await errorsAsPackaged({ keepNames: false, sourcemap: false });

    // StackNotReadyError sets its name itself; the AppError family takes the class's.
    expect(names.slice(0, 5)).not.toContain('StackRequestError');
    expect(names[5]).toBe('StackNotReadyError');
    expect(stack).toMatch(/probe\.js:\d+:\d+/);
  }, 30_000);
});
