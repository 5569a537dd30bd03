/**
 * Writes the assembled team stack template to dist/team-stack.yaml (or the
 * path given as first argument), for `aws cloudformation deploy`.
 *
 * It bundles infra/team-template.ts with esbuild's text loader, as the
 * launcher's bundle does, so the file deployed alone is byte for byte the
 * TemplateBody the launcher sends.
 */
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..');

/** Bundles infra/team-template.ts and returns its teamTemplateBody. */
export async function buildTeamTemplateBody(): Promise<string> {
  const result = await build({
    entryPoints: [path.join(repoRoot, 'infra', 'team-template.ts')],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    loader: { '.yaml': 'text', '.sh': 'text' },
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text;
  if (code === undefined) {
    throw new Error('esbuild produced no output for infra/team-template.ts');
  }
  const bundled = { exports: {} as Record<string, unknown> };
  // The bundle imports only Node's built-ins (zlib), which this process's require resolves.
  new Function('module', 'exports', 'require', code)(bundled, bundled.exports, createRequire(__filename));
  const body = bundled.exports.teamTemplateBody;
  if (typeof body !== 'string') {
    throw new Error('infra/team-template.ts does not export teamTemplateBody as a string');
  }
  return body;
}

/** Writes the template and returns its size in bytes. */
export async function writeTeamTemplate(outputFile: string): Promise<number> {
  const body = await buildTeamTemplateBody();
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > 51_200) {
    throw new Error(`The template is ${bytes} bytes; CreateStack takes at most 51,200 in TemplateBody.`);
  }
  await mkdir(path.dirname(outputFile), { recursive: true });
  await writeFile(outputFile, body, 'utf8');
  return bytes;
}

async function main(): Promise<void> {
  const outputFile = path.resolve(process.argv[2] ?? path.join(repoRoot, 'dist', 'team-stack.yaml'));
  const bytes = await writeTeamTemplate(outputFile);
  console.log(`wrote ${path.relative(process.cwd(), outputFile) || outputFile} (${bytes} bytes of 51,200)`);
}

if (process.argv[1] !== undefined && /build-template\.[cm]?[jt]s$/.test(process.argv[1])) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
