/**
 * Once per `vitest run`: a scratch folder the test files share, so that the deployment is
 * packaged at most once a run however many files need it (test/infra/packaged-deployment.ts
 * packages it there on first request, from whichever worker asks first).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    runScratchDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), 'team-ide-run-'));
  project.provide('runScratchDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
