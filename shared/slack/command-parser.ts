import { UsageError } from '../core/errors';
import { MAX_SLOT } from '../core/host-network';
import { echo } from './slack-format';

/** A person named in `/ide start @alice <@U0123|bob>`. */
export type PersonRef = { userId: string; label: string } | { name: string; label: string };

export type SeatRequest =
  | { kind: 'all' }
  | { kind: 'count'; count: number }
  | { kind: 'people'; people: PersonRef[] };

export type IdeCommand =
  | StartCommand
  | { action: 'stop'; discard: boolean }
  | { action: 'status' }
  | { action: 'help' }
  | { action: 'roster' }
  /** Slack's mentions of the people to add: their ids, which users.info needs for their emails. */
  | { action: 'roster-add'; people: { userId: string; label: string }[] }
  | { action: 'roster-remove'; people: PersonRef[] };

export interface StartCommand {
  action: 'start';
  seats: SeatRequest;
  size?: string;
  hours?: number;
  /** Empty homes instead of the saved ones (which are kept). */
  fresh?: boolean;
}

export const USAGE = [
  '`/ide start` — an IDE for everyone on the roster',
  '`/ide start 5` — for the first 5 people on the roster',
  '`/ide start @alice @bob` — for those people',
  '   options: `--size small|medium|large|xlarge` (or an instance type such as `t3.xlarge`), `--hours N` (how long the run lives), `--fresh` (empty homes; the saved ones are kept)',
  '`/ide status` — what is running, who has which seat, the links, the saved work',
  '`/ide stop` — stop; each home is saved for the next start (unless the deployment sets KEEP_WORK=false)',
  '`/ide stop --discard` — stop and throw the work of this run away (asks first)',
  '`/ide roster` — who has which seat; `/ide roster add @bob` gives bob the lowest free seat for good, `/ide roster remove @bob` frees it',
  '`/ide help` — this text',
].join('\n');

function usageError(problem: string): UsageError {
  return new UsageError(`${problem}\n\n${USAGE}`);
}

/** Slack sends `<@U0123ABCD|alice>` (or `<@U0123ABCD>`) for a mention when the command escapes names. */
const ESCAPED_MENTION = /^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$/;
const PLAIN_MENTION = /^@([a-z0-9][a-z0-9._-]*)$/i;
const OPTION = /^--([a-z]+)(?:=(.*))?$/;

/**
 * Reads the text after `/ide`. Pure: checks only the shape of the input; whether the
 * numbers fit this team (roster size, limits) is decided by `planStart`.
 */
export function parseCommand(text: string): IdeCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [verb, ...rest] = words;
  switch (verb?.toLowerCase()) {
    case undefined:
    case 'help':
      return { action: 'help' };
    case 'stop':
      if (rest.length === 1 && rest[0]?.toLowerCase() === '--discard') return { action: 'stop', discard: true };
      if (rest.length > 0) throw usageError(`\`/ide stop\` takes only \`--discard\` after it (I got \`${echo(rest.join(' '))}\`).`);
      return { action: 'stop', discard: false };
    case 'status':
      if (rest.length > 0) throw usageError(`\`/ide status\` takes nothing after it (I got \`${echo(rest.join(' '))}\`).`);
      return { action: 'status' };
    case 'start':
      return parseStart(rest);
    case 'roster':
      return parseRoster(rest);
    default:
      throw usageError(`I don't know \`${echo(verb ?? '')}\`.`);
  }
}

function parseStart(words: string[]): IdeCommand {
  const command: StartCommand = { action: 'start', seats: { kind: 'all' } };
  const people: PersonRef[] = [];
  let count: number | undefined;
  for (let index = 0; index < words.length; index++) {
    const word = words[index] as string;
    const option = OPTION.exec(word);
    if (option) {
      const [, name, inlineValue] = option as unknown as [string, string, string | undefined];
      if (name === 'fresh') {
        if (inlineValue !== undefined) throw usageError('`--fresh` takes no value.');
        if (command.fresh) throw usageError('`--fresh` is given twice.');
        command.fresh = true;
        continue;
      }
      const value = inlineValue ?? words[++index];
      if (value === undefined || value === '' || value.startsWith('--')) throw usageError(`\`--${echo(name)}\` needs a value.`);
      if (name === 'size') {
        if (command.size !== undefined) throw usageError('`--size` is given twice.');
        command.size = value.toLowerCase();
      } else if (name === 'hours') {
        if (command.hours !== undefined) throw usageError('`--hours` is given twice.');
        command.hours = parseHours(value);
      } else {
        throw usageError(`I don't know the option \`--${echo(name)}\`.`);
      }
      continue;
    }
    const person = readPerson(word);
    if (person) {
      people.push(person);
      continue;
    }
    if (/^[+-]?\d+$/.test(word)) {
      if (count !== undefined) throw usageError('Give one number of seats.');
      count = Number(word);
      if (count < 1) throw usageError(`\`${echo(word)}\` seats: start at least 1 IDE.`);
      if (count > MAX_SLOT) throw usageError(`\`${echo(word)}\` seats is more than team-ide can run (${MAX_SLOT}).`);
      continue;
    }
    throw usageError(`I could not read \`${echo(word)}\`: give a number of seats, @people, \`--size\`, \`--hours\` or \`--fresh\`.`);
  }
  if (count !== undefined && people.length > 0) throw usageError('Give either a number of seats or @people, not both.');
  if (count !== undefined) command.seats = { kind: 'count', count };
  if (people.length > 0) command.seats = { kind: 'people', people };
  return command;
}

function parseRoster(words: string[]): IdeCommand {
  const [change, ...names] = words;
  if (change === undefined) return { action: 'roster' };
  const verb = change.toLowerCase();
  if (verb !== 'add' && verb !== 'remove') throw usageError(`\`/ide roster ${echo(change)}\`: use \`/ide roster\`, \`/ide roster add @someone\` or \`/ide roster remove @someone\`.`);
  if (names.length === 0) throw usageError(`\`/ide roster ${verb}\` needs the @people to ${verb}.`);
  const people = names.map((word) => readPerson(word) ?? throwUsage(`I could not read \`${word}\` as a person: mention them with @.`));
  if (verb === 'remove') return { action: 'roster-remove', people };
  const plain = people.filter((person) => !('userId' in person));
  if (plain.length > 0) {
    throw usageError(`${plain.map((person) => person.label).join(', ')}: I need Slack's mention to look up the email. Type @ and pick each person from the list (the /ide command must escape mentions: see the app manifest).`);
  }
  return { action: 'roster-add', people: people as { userId: string; label: string }[] };
}

/** `<@U0123|bob>` (Slack's escaped mention) or a plain `@bob`. */
function readPerson(word: string): PersonRef | undefined {
  const escaped = ESCAPED_MENTION.exec(word);
  if (escaped) {
    const [, userId, name] = escaped as unknown as [string, string, string | undefined];
    return { userId, label: name ? `@${name}` : `<@${userId}>` };
  }
  const plain = PLAIN_MENTION.exec(word);
  return plain ? { name: (plain[1] as string).toLowerCase(), label: word } : undefined;
}

function throwUsage(problem: string): never {
  throw usageError(problem);
}

/** Whole numbers only; whether they fit the allowed range is the plan's decision (it knows MAX_HOURS). */
function parseHours(value: string): number {
  if (!/^[+-]?\d+$/.test(value)) throw usageError(`\`--hours ${echo(value)}\`: give a whole number of hours.`);
  return Number(value);
}
