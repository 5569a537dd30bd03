/**
 * The deployment's CloudFormation as `serverless package --stage ci` writes it (offline, with
 * .env.ci's fake settings): what the IAM, lint and resource tests read. Packaging takes a
 * while, so one run of vitest packages once: the first worker that asks takes a lock in the
 * run's scratch folder (test/global-setup.ts) and packages; the others wait for its result.
 * The template names no region (only ${AWS::Region}), so one packaging serves every region.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The stage `serverless package` runs with, and the names it gives the team stack. */
export const CI_STAGE = 'ci';
export const CI_TEAM_STACK_NAME = 'team-ide-ci-ides';

const WAIT_LIMIT_MS = 240_000;

export interface CfnResource {
  Type: string;
  Properties: Record<string, any>;
  Metadata?: Record<string, any>;
  DependsOn?: string | string[];
}

export interface PackagedTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
}

export interface PackagedDeployment {
  /** .../cloudformation-template-update-stack.json, to hand to cfn-lint. */
  templateFile: string;
  template: PackagedTemplate;
}

async function packageInto(outDir: string): Promise<void> {
  await promisify(execFile)('npx', ['serverless', 'package', '--stage', CI_STAGE, '--package', outDir], {
    cwd: REPO_ROOT,
    // Only .env.ci's settings: the test environment's own (test/setup-env.ts) must not leak in.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_ACCESS_KEY_ID: 'AKIDFAKEFORTESTS', AWS_SECRET_ACCESS_KEY: 'fake', AWS_REGION: 'eu-west-1' },
    maxBuffer: 16 * 1024 * 1024,
  });
}

async function exists(file: string): Promise<boolean> {
  return readFile(file).then(() => true, () => false);
}

async function packageOnce(scratch: string): Promise<string> {
  const ready = path.join(scratch, 'package');
  const failed = path.join(scratch, 'package-failed.txt');
  try {
    await mkdir(path.join(scratch, 'package.lock'));
  } catch {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    while (Date.now() < deadline) {
      if (await exists(failed)) throw new Error(`serverless package failed: ${await readFile(failed, 'utf8')}`);
      if (await exists(path.join(ready, 'cloudformation-template-update-stack.json'))) return ready;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`waited ${WAIT_LIMIT_MS / 1000} s for another test file to package the deployment`);
  }
  const building = path.join(scratch, 'package.building');
  try {
    await packageInto(building);
  } catch (error) {
    const { stderr, stdout, message } = error as { stderr?: string; stdout?: string; message: string };
    await writeFile(failed, `${message}\n${stdout ?? ''}\n${stderr ?? ''}`);
    throw error;
  }
  // Appears whole or not at all to the waiting workers.
  await rename(building, ready);
  return ready;
}

let packaged: Promise<PackagedDeployment> | undefined;

/** Packages the deployment (once per vitest run) and returns its template. */
export function packagedDeployment(): Promise<PackagedDeployment> {
  packaged ??= packageOnce(inject('runScratchDir')).then(async (dir) => {
    const templateFile = path.join(dir, 'cloudformation-template-update-stack.json');
    return { templateFile, template: JSON.parse(await readFile(templateFile, 'utf8')) as PackagedTemplate };
  });
  return packaged;
}
