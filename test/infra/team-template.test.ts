import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import templateSource from '../../infra/team-stack.yaml';
import bootScript from '../../infra/host/boot.sh';
import traefikStatic from '../../infra/host/traefik.yaml';
import traefikDynamic from '../../infra/host/dynamic.yaml';
import images from '../../infra/host/images.sh';
import seatReport from '../../infra/host/seat-report.sh';
import {
  HOST_SCRIPT_PLACEHOLDER,
  TeamTemplateError,
  assembleTeamTemplate,
  renderHostScript,
  teamTemplateBody,
  toYamlDoubleQuoted,
  withoutCommentLines,
} from '../../infra/team-template';
import { parseCloudFormationYaml } from './cfn-yaml';
import { userDataParts } from './boot-dry-run';

const run = promisify(execFile);

/** The files the host script writes, decoded as the host's `base64 -d | gunzip` would. */
function hostFilesOf(script: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const match of script.matchAll(/^base64 -d <<'TEAM_IDE_EOF' \| gunzip >"\$\{HOST_ROOT:-\}([^"]+)"\n([A-Za-z0-9+/=\n]+?)\nTEAM_IDE_EOF$/gm)) {
    files[match[1]!] = gunzipSync(Buffer.from(match[2]!.replace(/\n/g, ''), 'base64')).toString('utf8');
  }
  return files;
}
const repoRoot = path.resolve(__dirname, '..', '..');
const parts = { template: templateSource, bootScript, traefikStatic, traefikDynamic, images, seatReport };

describe('assembleTeamTemplate', () => {
  it('puts the host script in place of the placeholder as one YAML string', () => {
    // Act
    const body = assembleTeamTemplate(parts);

    // Assess
    expect(body).not.toContain(HOST_SCRIPT_PLACEHOLDER);
    expect(userDataParts(body).hostScript).toBe(renderHostScript(parts));
    expect(body).toBe(teamTemplateBody);
  });

  it('writes every host file compressed, without its comment lines, and then runs boot.sh', () => {
    // Act
    const script = renderHostScript(parts);

    // Assess
    expect(hostFilesOf(script)).toEqual({
      '/opt/team-ide/traefik.yaml': withoutCommentLines(traefikStatic),
      '/opt/team-ide/dynamic.yaml': withoutCommentLines(traefikDynamic),
      '/opt/team-ide/images.sh': withoutCommentLines(images),
      '/opt/team-ide/seat-report.sh': withoutCommentLines(seatReport),
      '/opt/team-ide/boot.sh': withoutCommentLines(bootScript),
    });
    expect(script.trimEnd().split('\n').at(-1)).toBe('exec /bin/bash "${HOST_ROOT:-}/opt/team-ide/boot.sh"');
  });

  it('keeps the host files to about a third of their size in the user data', () => {
    // Prepare
    const plain = [bootScript, traefikStatic, traefikDynamic, images, seatReport].map((text) => Buffer.byteLength(withoutCommentLines(text))).reduce((sum, size) => sum + size);

    // Act
    const script = renderHostScript(parts);

    // Assess
    expect(Buffer.byteLength(script)).toBeLessThan(plain * 0.6);
  });

  it('drops whole comment lines only, keeping the shebang and code with a # in it', () => {
    // Prepare
    const text = '#!/bin/bash\n# why\n  # indented why\necho "a # b" # trailing\nurl="x#y"\n';

    // Act
    const stripped = withoutCommentLines(text);

    // Assess
    expect(stripped).toBe('#!/bin/bash\necho "a # b" # trailing\nurl="x#y"\n');
    expect(withoutCommentLines(bootScript).split('\n').filter((line) => /^\s*#/.test(line))).toEqual(['#!/bin/bash']);
  });

  it('throws when the template holds the placeholder other than once', () => {
    // Prepare
    const missing = { ...parts, template: 'Resources: {}\n' };
    const twice = { ...parts, template: `a: "${HOST_SCRIPT_PLACEHOLDER}"\nb: "${HOST_SCRIPT_PLACEHOLDER}"\n` };

    // Act and assess
    expect(() => assembleTeamTemplate(missing)).toThrow(TeamTemplateError);
    expect(() => assembleTeamTemplate(twice)).toThrow(/exactly once/);
  });

  it('carries a host file holding the heredoc delimiter line unchanged', () => {
    // Prepare
    const clashing = { ...parts, bootScript: '#!/bin/bash\necho one\nTEAM_IDE_EOF\necho two\n' };

    // Act
    const files = hostFilesOf(renderHostScript(clashing));

    // Assess
    expect(files['/opt/team-ide/boot.sh']).toBe(clashing.bootScript);
  });

  it('encodes quotes, backslashes, dollars, tabs and line separators so YAML reads them back', () => {
    // Prepare
    const text = 'a "quoted" \\ back\tslash ${X} $(y) \u2028 \u2029 é\n';

    // Act
    const parsed = parseCloudFormationYaml(`value: ${toYamlDoubleQuoted(text)}\n`);

    // Assess
    expect(parsed).toEqual({ value: text });
    expect(toYamlDoubleQuoted(text)).not.toMatch(/[\u2028\u2029]/);
  });

  it('keeps the host files ASCII, so no encoding can change them on the way', () => {
    // Assess
    for (const [name, text] of Object.entries({ bootScript, traefikStatic, traefikDynamic, images })) {
      expect(/^[\x09\x0a\x20-\x7e]*$/.test(text), name).toBe(true);
    }
  });

  it('bundles with esbuild’s text loader from infra files only, with no YAML library', async () => {
    // Act
    const result = await build({
      entryPoints: [path.join(repoRoot, 'infra', 'team-template.ts')],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'cjs',
      loader: { '.yaml': 'text', '.sh': 'text' },
      logLevel: 'silent',
    });

    // Assess
    expect(Object.keys(result.metafile.inputs).sort()).toEqual([
      'infra/host/boot.sh',
      'infra/host/dynamic.yaml',
      'infra/host/images.sh',
      'infra/host/seat-report.sh',
      'infra/host/traefik.yaml',
      'infra/team-stack.yaml',
      'infra/team-template.ts',
    ]);
  });
});

describe('npm run build:template', () => {
  it('writes the same body the launcher sends', async () => {
    // Prepare
    const outputDir = await mkdtemp(path.join(tmpdir(), 'team-ide-build-'));
    const outputFile = path.join(outputDir, 'team-stack.yaml');

    try {
      // Act
      const { stdout } = await run(
        process.execPath,
        [path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/build-template.ts', outputFile],
        { cwd: repoRoot },
      );

      // Assess
      expect(await readFile(outputFile, 'utf8')).toBe(teamTemplateBody);
      expect(stdout).toMatch(/\(\d+ bytes of 51,200\)/);
    } finally {
      await rm(outputDir, { recursive: true, force: true });
    }
  });
});
