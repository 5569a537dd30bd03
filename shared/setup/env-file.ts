import { parse } from 'dotenv';

/**
 * `.env.<stage>`: the stage's settings, which `npm run deploy` (serverless's dotenv) reads
 * and setup remembers its answers in. Never a secret: those go to SSM.
 */

/** The settings as serverless reads them (dotenv). */
export function readEnvText(text: string): Record<string, string> {
  return parse(text);
}

/**
 * Writes `updates` into the file's text: a line that sets a key gets the new value in
 * place, comments and other lines stay as they are, new keys go at the end.
 */
export function updateEnvText(text: string, updates: Record<string, string>): string {
  for (const [key, value] of Object.entries(updates)) {
    // serverless expands $VARS in .env values (dotenv-expand), and dotenv ends a value at a newline.
    if (/[\n\r$"'`]/.test(value) || value !== value.trim()) throw new Error(`${key}: "${value}" cannot be written to a .env file as it stands`);
  }
  const pending = new Map(Object.entries(updates));
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const updated = lines.map((line) => {
    const key = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
    if (key === undefined || !pending.has(key)) return line;
    const value = pending.get(key) as string;
    pending.delete(key);
    return `${key}=${quoteIfNeeded(value)}`;
  });
  const added = [...pending].map(([key, value]) => `${key}=${quoteIfNeeded(value)}`);
  return `${[...updated, ...added].join('\n')}\n`;
}

/** dotenv ends an unquoted value at ` #`: such values go in double quotes. */
function quoteIfNeeded(value: string): string {
  return value.includes('#') ? `"${value}"` : value;
}
