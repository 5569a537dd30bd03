/**
 * What setup and the doctor find: one line per check, ✓ or ✗, and for a ✗ what to do.
 * Setup stops at a ✗ it cannot get past; the doctor prints every finding.
 */
export interface Finding {
  ok: boolean;
  /** What was checked, e.g. "Hosted zone". */
  check: string;
  /** What was found. */
  detail: string;
  /** For a ✗: what to do about it. */
  fix?: string;
}

export const pass = (check: string, detail: string): Finding => ({ ok: true, check, detail });

export const fail = (check: string, detail: string, fix: string): Finding => ({ ok: false, check, detail, fix });

/** `✓ Hosted zone: …` or `✗ Hosted zone: … Fix: …`, on one line. */
export function renderFinding(finding: Finding): string {
  return finding.ok ? `✓ ${finding.check}: ${finding.detail}` : `✗ ${finding.check}: ${finding.detail} Fix: ${finding.fix}`;
}

/**
 * A problem that stops setup before it changes anything more: the message says what was
 * found and what to do, in one line, and names the flag that answers it where there is one.
 */
export class SetupError extends Error {
  override readonly name = 'SetupError';

  static from(finding: Finding): SetupError {
    return new SetupError(`${finding.check}: ${finding.detail} ${finding.fix ?? ''}`.trim());
  }
}

/** The AWS error's name and message, for a finding; an access error says which permission is missing. */
export function describeAwsError(error: unknown): string {
  const { name, message } = error as { name?: string; message?: string };
  return `${name ?? 'Error'}: ${message ?? String(error)}`;
}

/** EC2 says UnauthorizedOperation, most other services AccessDenied or AccessDeniedException. */
export function isAccessDenied(error: unknown): boolean {
  const name = (error as { name?: string }).name ?? '';
  return ['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException'].includes(name);
}
