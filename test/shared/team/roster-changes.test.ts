import { describe, expect, it } from 'vitest';
import { RosterError } from '../../../shared/core/errors';
import { parseCommand } from '../../../shared/slack/command-parser';
import { MAX_SLOT } from '../../../shared/core/host-network';
import { parseRoster } from '../../../shared/core/roster';
import { addMembers, removeMembers } from '../../../shared/team/roster-changes';

const roster = parseRoster('1:U0000AAA1:alice:alice@example.com,3:U0000CCC3:carol:carol@example.com').roster;

describe('addMembers', () => {
  it('fills the lowest free seat first', () => {
    const { roster: changed, result } = addMembers(roster, [{ userId: 'U0000BBB2', name: 'bob', email: 'bob@example.com' }, { userId: 'U0000DDD4', name: 'dave', email: 'dave@example.com' }]);

    expect(result.added.map((member) => member.slot)).toEqual([2, 4]);
    expect(changed.map((member) => member.slot)).toEqual([1, 2, 3, 4]);
  });

  it('keeps an existing member\'s seat, refreshing the email Slack now has', () => {
    const { roster: changed, result } = addMembers(roster, [{ userId: 'U0000CCC3', name: 'carol', email: 'carol@new.example.com' }]);

    expect(result).toEqual({ added: [], already: [{ slot: 3, userId: 'U0000CCC3', name: 'carol', email: 'carol@new.example.com' }] });
    expect(changed).not.toBe(roster);
    expect(addMembers(roster, [{ userId: 'U0000CCC3', name: 'carol', email: 'carol@example.com' }]).roster).toBe(roster);
  });

  it('says so when every seat is taken', () => {
    const full = Array.from({ length: MAX_SLOT }, (_unused, index) => ({ slot: index + 1, userId: `U${String(index).padStart(8, '0')}`, name: `dev${index}`, email: '' }));

    expect(() => addMembers(full, [{ userId: 'U0000NEW1', name: 'new', email: 'new@example.com' }])).toThrow(new RosterError(`Every seat from dev-1 to dev-${MAX_SLOT} is taken. Remove someone first (\`/ide roster remove @someone\`).`));
  });
});

describe('removeMembers', () => {
  it('frees the seats of people named by mention or by name', () => {
    expect(removeMembers(roster, [{ name: 'carol', label: '@carol' }, { userId: 'U0000AAA1', label: '@alice' }], []).roster).toEqual([]);
  });

  it('refuses someone not on the roster, so a typo does not pass for a removal', () => {
    expect(() => removeMembers(roster, [{ name: 'carl', label: '@carl' }], [])).toThrow('@carl is not on the roster. `/ide roster` lists who is.');
  });
});

describe('parseCommand: roster', () => {
  it.each([
    ['roster', { action: 'roster' }],
    ['ROSTER add <@U0000BBB2|bob> <@U0000DDD4>', { action: 'roster-add', people: [{ userId: 'U0000BBB2', label: '@bob' }, { userId: 'U0000DDD4', label: '<@U0000DDD4>' }] }],
    ['roster remove @bob', { action: 'roster-remove', people: [{ name: 'bob', label: '@bob' }] }],
  ])('reads `%s`', (text, command) => {
    expect(parseCommand(text)).toEqual(command);
  });

  it.each([
    ['roster clear', '`/ide roster clear`: use `/ide roster`, `/ide roster add @someone` or `/ide roster remove @someone`.'],
    ['roster add', '`/ide roster add` needs the @people to add.'],
    ['roster remove bob', 'I could not read `bob` as a person: mention them with @.'],
  ])('refuses `%s` with the usage', (text, problem) => {
    expect(() => parseCommand(text)).toThrow(problem);
  });
});
