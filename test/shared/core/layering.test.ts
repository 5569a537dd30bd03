import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const CORE = path.resolve(__dirname, '../../../shared/core');

/** Every module a file imports or re-exports, type-only ones included: a type import is a dependency too. */
function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm), ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((match) => match[1] as string);
}

describe('shared/core, the bottom layer', () => {
  const files = readdirSync(CORE).filter((name) => name.endsWith('.ts'));

  it('imports nothing of ours but its own modules: every other part of shared/ builds on it, never the other way round', () => {
    const reachingOut = files.flatMap((name) =>
      importsOf(path.join(CORE, name))
        .filter((specifier) => specifier.startsWith('.') && !specifier.startsWith('./'))
        .map((specifier) => `${name} imports ${specifier}`),
    );

    expect(files).toContain('config.ts');
    expect(reachingOut).toEqual([]);
  });

  it('finds the imports it checks, type-only ones included', () => {
    const sample = path.join(CORE, 'config.ts');

    expect(importsOf(sample)).toEqual(expect.arrayContaining(['zod', './roster', './host-network']));
    expect(importsOf(path.join(CORE, '../team/roster-store.ts'))).toEqual(expect.arrayContaining(['../core/roster']));
  });
});
