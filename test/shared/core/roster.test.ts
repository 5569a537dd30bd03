import { describe, expect, it } from 'vitest';
import { parseRoster } from '../../../shared/core/roster';

describe('parseRoster', () => {
  it('reads entries separated by commas or new lines, sorted by slot, with an empty email allowed', () => {
    const { roster, problems } = parseRoster('2:U0000BBB2:bob:bob@example.com\n1:U0000AAA1:alice:alice@example.com, 7:W0000GGG7:gus:');

    expect(problems).toEqual([]);
    expect(roster).toEqual([
      { slot: 1, userId: 'U0000AAA1', name: 'alice', email: 'alice@example.com' },
      { slot: 2, userId: 'U0000BBB2', name: 'bob', email: 'bob@example.com' },
      { slot: 7, userId: 'W0000GGG7', name: 'gus', email: '' },
    ]);
  });

  it.each([
    ['', 'it has no entries'],
    ['1:U0000AAA1:alice', 'has 3 fields'],
    ['0:U0000AAA1:alice:a@example.com', 'slot "0" must be a whole number from 1 to 254'],
    ['x:U0000AAA1:alice:a@example.com', 'slot "x" must be a whole number'],
    ['1:U0000AAA1:alice:a@example.com,1:U0000BBB2:bob:b@example.com', 'slot 1 is given twice'],
    ['1:alice:alice:a@example.com', '"alice" is not a Slack user id'],
    ['1:U0000AAA1:alice:a@example.com,2:U0000AAA1:al:b@example.com', 'user U0000AAA1 is listed twice'],
    ['1:U0000AAA1:alice:a@example.com,2:U0000BBB2:Alice:b@example.com', 'name "Alice" is listed twice'],
    ['1:U0000AAA1:al ice:a@example.com', 'name "al ice" must be a Slack handle'],
    ['1:U0000AAA1:alice:alice-at-example', '"alice-at-example" is not an email address'],
  ])('reports %j as a problem: %s', (text, problem) => {
    const { roster, problems } = parseRoster(text);

    expect(roster).toEqual([]);
    expect(problems.join('\n')).toContain(problem);
  });
});
