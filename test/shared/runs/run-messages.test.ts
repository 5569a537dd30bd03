import { describe, expect, it } from 'vitest';
import { deleteFailedMessage, readyMessage, startFailedMessage, stoppedMessage } from '../../../shared/runs/run-messages';
import type { RunTags } from '../../../shared/stack/team-stack';

const run: RunTags = { runId: 'run-1', requestedBy: 'U0000LEAD', requestedByName: 'lead', channel: 'C0000TEAM', slots: [1, 2], hours: 8, endsAt: '2026-11-28T17:00:00.000Z' };
const sectionTexts = (message: { blocks?: unknown[] }) => (message.blocks ?? []).map((block) => JSON.stringify(block));

describe('run messages', () => {
  it('keeps every section of a ready message under Slack\'s 3,000 characters, however many seats', () => {
    const seats = Array.from({ length: 50 }, (_, index) => ({
      slot: index + 1,
      userId: `U00000${String(index).padStart(3, '0')}`,
      url: `https://dev-${index + 1}.a-rather-long-domain-name-for-the-team.example.com`,
      emailed: false,
      problem: 'SES is in sandbox mode and this address is not verified: verify it in SES (Verified identities) or request production access.',
    }));

    const message = readyMessage(run, seats);

    const texts = (message.blocks ?? []).map((block) => (block.type === 'section' ? (block.text?.text ?? '') : ''));
    expect(Math.max(...texts.map((text) => text.length))).toBeLessThanOrEqual(3000);
    expect(texts.join('\n')).toContain('dev-50 <@U00000049>');
    expect(message.text).toBe('The team IDEs <@U0000LEAD> started are ready: 50 seats, 0 emails sent, 50 not.');
  });

  it('shows when the run ends in each reader\'s time zone, with UTC as the fallback', () => {
    const message = readyMessage(run, [{ slot: 1, userId: 'U0000AAA1', url: 'https://dev-1.code.example.com', emailed: true }]);

    expect(sectionTexts(message).join()).toContain('<!date^1795885200^{date_short_pretty} {time}|2026-11-28T17:00:00Z>');
    expect(sectionTexts(message).join()).toContain('then stops by itself (a warning with a button to extend comes first)');
  });

  it('escapes what CloudFormation says, so Slack does not read it as links or mentions', () => {
    const failure = { logicalId: 'Instance', physicalId: 'i-0123456789abcdef0', resourceType: 'AWS::EC2::Instance', status: 'CREATE_FAILED', reason: 'Value <@U0000EVIL> & <!channel> is invalid' };

    const texts = [startFailedMessage(run, failure, ''), deleteFailedMessage(run, 'team-ide-test-ides', failure, '')].flatMap(sectionTexts).join();

    expect(texts).not.toContain('<@U0000EVIL>');
    expect(texts).not.toContain('<!channel>');
    expect(texts).toContain('Value &lt;@U0000EVIL&gt; &amp; &lt;!channel&gt; is invalid');
  });

  it('tells a stop from the clean-up of a failed start', () => {
    expect(stoppedMessage(run, false).text).toBe('The team IDEs <@U0000LEAD> started are stopped and deleted.');
    expect(stoppedMessage(run, true).text).toBe('The failed run <@U0000LEAD> started is cleaned up: `/ide start` works again.');
  });
});
