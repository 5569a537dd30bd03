import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../shared/slack/command-parser';
import { UsageError } from '../../../shared/core/errors';

describe('parseCommand', () => {
  it.each(['', '   ', 'help', 'HELP'])('reads %j as help', (text) => {
    expect(parseCommand(text)).toEqual({ action: 'help' });
  });

  it('reads a bare start as the whole roster', () => {
    expect(parseCommand('start')).toEqual({ action: 'start', seats: { kind: 'all' } });
  });

  it('reads a number of seats and both options, in either option form', () => {
    expect(parseCommand('start 5 --size=large --hours 3')).toEqual({ action: 'start', seats: { kind: 'count', count: 5 }, size: 'large', hours: 3 });
  });

  it('reads escaped mentions, with and without a name, and plain @names', () => {
    expect(parseCommand('start <@U0123ABCD|alice> <@W0456EFGH> @Bob.Smith')).toEqual({
      action: 'start',
      seats: {
        kind: 'people',
        people: [
          { userId: 'U0123ABCD', label: '@alice' },
          { userId: 'W0456EFGH', label: '<@W0456EFGH>' },
          { name: 'bob.smith', label: '@Bob.Smith' },
        ],
      },
    });
  });

  it.each([['0', 0], ['-1', -1], ['+2', 2]])('leaves the range of --hours %s to the plan', (value, hours) => {
    expect(parseCommand(`start --hours ${value}`)).toMatchObject({ hours });
  });

  it.each(['stop', 'status', ' Stop '])('reads %j', (text) => {
    expect(parseCommand(text).action).toBe(text.trim().toLowerCase());
  });

  it.each([
    ['stop', { action: 'stop', discard: false }],
    ['stop --discard', { action: 'stop', discard: true }],
    ['STOP --Discard', { action: 'stop', discard: true }],
  ])('reads %j with or without --discard', (text, command) => {
    expect(parseCommand(text)).toEqual(command);
  });

  it('reads --fresh as a flag that takes no value, beside a number of seats', () => {
    expect(parseCommand('start --fresh 2')).toEqual({ action: 'start', seats: { kind: 'count', count: 2 }, fresh: true });
    expect(parseCommand('start 2')).not.toHaveProperty('fresh');
  });

  it.each([
    ['start 0', 'start at least 1 IDE'],
    ['start -3', 'start at least 1 IDE'],
    ['start 1000', 'more than team-ide can run (254)'],
    ['start abc', 'I could not read `abc`'],
    ['start 2 3', 'Give one number of seats'],
    ['start 2 @alice', 'either a number of seats or @people'],
    ['start --hours', '`--hours` needs a value'],
    ['start --hours abc', 'give a whole number of hours'],
    ['start --hours 1.5', 'give a whole number of hours'],
    ['start --hours 2 --hours 3', '`--hours` is given twice'],
    ['start --colour red', 'I don\'t know the option `--colour`'],
    ['stop now', '`/ide stop` takes only `--discard` after it'],
    ['stop --discard now', '`/ide stop` takes only `--discard` after it'],
    ['status --discard', '`/ide status` takes nothing after it'],
    ['start --fresh=yes', '`--fresh` takes no value'],
    ['start --fresh 2 --fresh', '`--fresh` is given twice'],
    ['deploy', 'I don\'t know `deploy`'],
  ])('refuses %j, saying why and showing the usage', (text, problem) => {
    const read = () => parseCommand(text);

    expect(read).toThrow(UsageError);
    expect(read).toThrow(problem);
    expect(read).toThrow('/ide start @alice @bob');
  });
});
