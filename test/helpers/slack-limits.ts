import { expect } from 'vitest';
import { blockKitProblems } from '../../sandbox/backend/slack-limits';

/**
 * Every message a test sees the product send (the recording posters and responders, the
 * bolt answers) goes through `checkSlackMessage`; test/setup-env.ts fails the test after it
 * when one broke Slack's limits. The problems are kept rather than thrown, because the
 * product catches and logs a failed post, which would hide a throw.
 */
const seen: string[] = [];

export function checkSlackMessage(message: unknown, where = 'a Slack message'): void {
  for (const problem of blockKitProblems(message)) seen.push(`${where}: ${problem}`);
}

/** The problems found since the last call, which clears them. */
export function takeSlackLimitProblems(): string[] {
  return seen.splice(0);
}

/** For the tests of message builders: the message as Slack would take it, or a failed expectation naming each problem. */
export function expectWithinSlackLimits(message: unknown): void {
  expect(blockKitProblems(message)).toEqual([]);
}
