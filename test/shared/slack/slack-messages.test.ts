import { describe, expect, it } from 'vitest';
import type { AppError } from '../../../shared/core/errors';
import { parseCommand } from '../../../shared/slack/command-parser';
import {
  acknowledgement,
  alreadyRunningMessage,
  alreadyStoppingMessage,
  apologyMessage,
  helpMessage,
  nothingRunningMessage,
  startAnnouncement,
  statusMessage,
  stopAnnouncement,
  userErrorMessage,
} from '../../../shared/slack/slack-messages';
import { discardConfirmationMessage } from '../../../shared/snapshots/work-messages';
import type { TeamStack } from '../../../shared/stack/stack-gateway';
import type { RosterMember } from '../../../shared/core/roster';
import { planStart } from '../../../shared/team/start-plan';
import { loadConfig } from '../../../shared/core/config';
import { validEnv } from '../../fixtures';
import { expectWithinSlackLimits } from '../../helpers/slack-limits';

/** 50 seats (more than MAX_SEATS, at most 30, allows) on a domain of 200 characters: longer lists than a message can ever hold. */
const LONG_DOMAIN = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.example.com`;
const roster: RosterMember[] = Array.from({ length: 50 }, (_, index) => ({ slot: index + 1, userId: `U${String(index).padStart(10, '0')}`, name: `dev${index}`, email: `dev${index}@example.com` }));
const bigStack: TeamStack = {
  stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/team-ide-test-ides/0a1b2c3d-aaaa-4bbb-8ccc-123456789012',
  status: 'ROLLBACK_IN_PROGRESS',
  statusReason: `The following resource(s) failed to create: [${'Instance'.repeat(500)}].`,
  createdAt: new Date('2026-11-28T09:00:00Z'),
  run: { runId: 'run-1', requestedBy: 'U0000LEAD', requestedByName: 'lead', channel: 'C0000TEAM', slots: roster.map((member) => member.slot), hours: 8, endsAt: '2026-11-28T17:00:00.000Z' },
  outputs: Object.fromEntries(roster.map((member) => [`DevUrl${member.slot}`, `https://dev-${member.slot}.${LONG_DOMAIN}:8443`])),
  parameters: {},
};

/** What the user is shown for the text after `/ide`, when it cannot be read. */
function answerTo(text: string) {
  try {
    parseCommand(text);
  } catch (error) {
    return userErrorMessage(error as AppError);
  }
  throw new Error(`"${text.slice(0, 20)}…" was read without an error`);
}

describe('command answers', () => {
  it('stay within Slack\'s limits for every answer, at their largest', () => {
    // The most seats a run may hold (the largest host holds 30), each with a long address.
    const longAddresses = roster.slice(0, 30).map((member) => ({ ...member, email: `${'n'.repeat(64)}@${'m'.repeat(150)}.example.com` }));
    const plan = planStart({ seats: { kind: 'all' } }, { ...loadConfig(validEnv()), roster: longAddresses, maxSeats: 30, defaultSize: 'xlarge' });
    const messages = [
      helpMessage(),
      apologyMessage('0a1b2c3d'),
      acknowledgement('start', plan),
      acknowledgement('stop'),
      startAnnouncement('U0000LEAD', plan, new Date('2026-11-28T17:00:00Z'), { kind: 'restored', snapshotId: 'snap-0123456789abcdef0', savedAt: '2026-11-27T18:00:00.000Z' }),
      stopAnnouncement('U0000LEAD', bigStack, 'saved'),
      discardConfirmationMessage({ runId: '6f1c2d3e-0000-4000-8000-000000000001', requestedBy: 'U0000LEAD' }),
      alreadyRunningMessage(bigStack),
      nothingRunningMessage(),
      alreadyStoppingMessage(),
      statusMessage(bigStack, roster),
    ];

    for (const message of messages) expectWithinSlackLimits(message);
  });

  it('echoes a 10,000-character word back cut to a readable length, so Slack still shows the answer', () => {
    const word = 'x'.repeat(10_000);

    const answers = [answerTo(`start ${word}`), answerTo(word), answerTo(`stop ${word}`), answerTo(`start --${word} 2`), answerTo(`start --hours ${word}`), answerTo(`roster ${word}`)];

    for (const answer of answers) {
      expectWithinSlackLimits(answer);
      expect(answer.text).toContain(`${'x'.repeat(39)}…`);
      expect(answer.text).not.toContain('x'.repeat(41));
    }
    expect(answers[0]?.text).toMatch(/^I could not read `x{39}…`: give a number of seats/);
  });

  it('escapes what it echoes, so a typed <!channel> notifies nobody', () => {
    expect(answerTo('<!channel>').text).toContain('I don\'t know `&lt;!channel&gt;`.');
  });

  it('lists every seat of a large run across sections, and cuts CloudFormation\'s reason', () => {
    const message = statusMessage(bigStack, roster);

    const text = JSON.stringify(message.blocks);
    expect(text).toContain(`dev-50 <@U0000000049> — https://dev-50.${LONG_DOMAIN}:8443`);
    expect(text).not.toContain('Instance'.repeat(200));
    expectWithinSlackLimits(message);
  });
});
