import type { Roster, RosterMember } from '../core/roster';
import type { Added } from '../team/roster-changes';
import type { SlackMessage } from './slack-api';
import { listSections, mention, plural, section } from './slack-format';

const seat = (member: RosterMember) => `dev-${member.slot} ${mention(member.userId)}`;

/** `/ide roster`: every seat and who holds it, in seat order. Emails stay out of Slack. */
export function rosterMessage(roster: Roster): SlackMessage {
  if (roster.length === 0) return { text: 'The roster is empty.', blocks: [section('The roster is empty. `/ide roster add @someone` gives them a seat.')] };
  const heading = `*The roster: ${plural(roster.length, 'person', 'people')}.* Each keeps their seat run after run.`;
  const lines = roster.map((member) => `• ${seat(member)}${member.email ? '' : ' _(no email: cannot be seated)_'}`);
  // 254 seats of about 60 characters each fit; the cap only guards Slack's 40,000 per message.
  return { text: `The roster: ${plural(roster.length, 'person', 'people')}.`, blocks: listSections(heading, lines, { maxChars: 20_000, more: 'the roster is stored in SSM, where `aws ssm get-parameter` reads it whole.' }) };
}

/** The answer within 3 seconds; the launcher looks the people up and answers in the channel. */
export function rosterChangeAcknowledgement(change: 'add' | 'remove', labels: readonly string[]): SlackMessage {
  const text = `${change === 'add' ? 'Adding' : 'Removing'} ${labels.join(', ')} ${change === 'add' ? 'to' : 'from'} the roster…`;
  return { text, blocks: [section(text)] };
}

export function rosterAddedMessage(requesterId: string, { added, already }: Added): SlackMessage {
  const lines = [
    ...(added.length > 0 ? [`${mention(requesterId)} added ${added.map(seat).join(', ')} to the roster: ${added.length === 1 ? 'that seat is theirs' : 'those seats are theirs'} from now on.`] : []),
    ...(already.length > 0 ? [`Already on the roster: ${already.map(seat).join(', ')}.`] : []),
  ];
  return { text: lines[0] ?? '', blocks: lines.map(section) };
}

export function rosterRemovedMessage(requesterId: string, removed: readonly RosterMember[]): SlackMessage {
  const text = `${mention(requesterId)} removed ${removed.map(seat).join(', ')} from the roster; ${removed.length === 1 ? 'that seat is' : 'those seats are'} free again.`;
  return { text, blocks: [section(text)] };
}
