import { describe, expect, it } from 'vitest';
import {
  deleteFailedMessage,
  failedRunNotRemovedMessage,
  notifyFailedMessage,
  readyMessage,
  startFailedMessage,
  stoppedMessage,
} from '../../../shared/runs/run-messages';
import type { RunTags } from '../../../shared/stack/team-stack';
import { STACK_ID } from '../../helpers/run-fixtures';
import { expectWithinSlackLimits } from '../../helpers/slack-limits';

const run: RunTags = { runId: 'run-1', requestedBy: 'U0000LEAD', requestedByName: 'lead', channel: 'C0000TEAM', slots: [1, 2], hours: 8, endsAt: '2026-11-28T17:00:00.000Z' };
const sectionTexts = (message: { blocks?: unknown[] }) => (message.blocks ?? []).map((block) => JSON.stringify(block));
const failure = { logicalId: 'Instance', resourceType: 'AWS::EC2::Instance', physicalId: 'i-0123456789abcdef0', status: 'DELETE_FAILED', reason: 'Value <@U0000EVIL> & <!channel> is invalid' };

describe('run messages', () => {
  it('stays within Slack\'s limits for 50 seats on a long domain, each refused by SES, listing what fits', () => {
    // Prepare: 50 seats (more than MAX_SEATS, at most 30, allows), a 250-character domain, and SES's longest advice (naming a long sender) for every seat.
    const domain = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(50)}.example.com`;
    const seats = Array.from({ length: 50 }, (_, index) => ({
      slot: index + 1,
      userId: `U${String(index).padStart(10, '0')}`,
      url: `https://dev-${index + 1}.${domain}:8443`,
      emailed: false,
      problem: `SES has not verified the sender Team IDE &lt;${'n'.repeat(64)}@${'m'.repeat(150)}.example.com&gt; (SES_FROM_ADDRESS): verify it in SES, and while SES is in sandbox mode verify every recipient too, or request production access.`,
    }));

    // Act
    const message = readyMessage(run, seats);

    // Assess: every link is listed; the problems list stops where Slack's 40,000 characters would be reached, and says so.
    expectWithinSlackLimits(message);
    const text = sectionTexts(message).join('\n');
    expect(text).toContain(`dev-50 <@U0000000049> — https://dev-50.${domain}:8443`);
    expect(text).toMatch(/…and \d+ more: the notifier's log has each one, by slot\./);
    expect(message.text).toBe('The team IDEs <@U0000LEAD> started are ready: 50 seats, 0 emails sent, 50 not.');
  });

  it('shows when the run ends in each reader\'s time zone, with UTC as the fallback', () => {
    const message = readyMessage(run, [{ slot: 1, userId: 'U0000AAA1', url: 'https://dev-1.code.example.com', emailed: true }]);

    expectWithinSlackLimits(message);
    expect(sectionTexts(message).join()).toContain('<!date^1795885200^{date_short_pretty} {time}|2026-11-28T17:00:00Z>');
    expect(sectionTexts(message).join()).toContain('then stops by itself (a warning with a button to extend comes first)');
  });

  it('escapes what CloudFormation says, so Slack does not read it as links or mentions, and cuts it', () => {
    const messages = [startFailedMessage(run, failure, ''), deleteFailedMessage(run, 'team-ide-test-ides', STACK_ID, failure, ''), startFailedMessage(run, undefined, 'x'.repeat(5000))];

    for (const message of messages) expectWithinSlackLimits(message);
    const texts = messages.flatMap(sectionTexts).join();
    expect(texts).not.toContain('<@U0000EVIL>');
    expect(texts).not.toContain('<!channel>');
    expect(texts).toContain('Value &lt;@U0000EVIL&gt; &amp; &lt;!channel&gt; is invalid');
    expect(texts).not.toContain('x'.repeat(1001));
  });

  it('says which resource is stuck, that deleting goes on, and links the stack in the console of its region', () => {
    const message = deleteFailedMessage(run, 'team-ide-test-ides', STACK_ID, failure, '');

    const text = sectionTexts(message).join();
    expect(text).toContain('*Instance* (AWS::EC2::Instance, `i-0123456789abcdef0`) failed');
    expect(text).toContain('I will try deleting it again in a minute, then less and less often (at most hourly)');
    expect(text).toContain(
      '<https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/resources?stackId=arn%3Aaws%3Acloudformation%3Aeu-west-1%3A123456789012%3Astack%2Fteam-ide-test-ides%2F0a1b2c3d-aaaa-4bbb-8ccc-123456789012|team-ide-test-ides in the CloudFormation console>',
    );
  });

  it('says what AWS refused when the run cannot be deleted at all, with the console link', () => {
    const message = failedRunNotRemovedMessage(run, 'team-ide-test-ides', STACK_ID, 'AWS would not delete the team stack: AccessDenied: not authorized');

    expectWithinSlackLimits(message);
    expect(message.text).toBe('I could not delete the run <@U0000LEAD> started, so `/ide start` will find it in the way.');
    expect(sectionTexts(message).join()).toContain('AccessDenied: not authorized I will keep trying, less and less often');
    expect(sectionTexts(message).join()).toContain('team-ide-test-ides in the CloudFormation console>');
  });

  it('tells a stop from the clean-up of a failed start, and a failed notifier by its id', () => {
    for (const message of [stoppedMessage(run, false), stoppedMessage(run, true), notifyFailedMessage(run, '0a1b2c3d')]) expectWithinSlackLimits(message);
    expect(stoppedMessage(run, false).text).toBe('The team IDEs <@U0000LEAD> started are stopped and deleted.');
    expect(stoppedMessage(run, true).text).toBe('The failed run <@U0000LEAD> started is cleaned up: `/ide start` works again.');
    expect(sectionTexts(notifyFailedMessage(run, '0a1b2c3d')).join()).toContain('`0a1b2c3d`');
  });
});
