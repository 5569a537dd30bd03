/**
 * `npm run slack -- "/ide start 3"`: signs and posts a slash command to the sandbox as
 * Slack would, prints the ephemeral answer, then the messages the command leads to (on
 * its response_url and in its channel) until the sandbox has settled.
 *
 *   --press "Stop and discard the work"
 *                 instead of a command: press the newest button with this label the user sees
 *   --user U…     Slack user id to send as (default: the first roster member in ALLOWED_USERS)
 *   --name alice  their handle (default: the roster's, or the id)
 *   --channel C…  channel id (default: the first of ALLOWED_CHANNELS)
 *   --team T…     Slack workspace id (default: SLACK_TEAM_ID; another one is refused)
 *   --wait 60     give up following after this many seconds
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseRoster } from '../shared/core/roster';
import type { BackendActivity, SlackMessagesAnswer } from './backend/server';
import { renderMessage, type SandboxSlackMessage } from './backend/slack';
import { defaultSender, readPorts, readSandboxEnv, SANDBOX, SandboxSetupError, sandboxMembers, sandboxUrls } from './settings';
import { blockActionsBody, signedHeaders, slashCommandBody } from './slack-request';

export interface SlashCommandInput {
  commandsUrl: string;
  backendUrl: string;
  /** What the user typed: `/ide start 3` (a line without a leading slash is taken as /ide's text). */
  commandLine: string;
  user: { id: string; name: string };
  channelId: string;
  /** The workspace the command comes from. */
  teamId: string;
  signingSecret?: string;
  nameOf?: (userId: string) => string | undefined;
  /** The workspace's members: `@frank` is sent as `<@U…|frank>`, as Slack escapes a mention of a member. */
  members?: readonly { id: string; name: string }[];
}

/** What Slack does to `@name` when the command escapes mentions: a member's becomes `<@U…|name>`, anything else stays. */
export function escapeMentions(text: string, members: readonly { id: string; name: string }[]): string {
  return text.replace(/(^|\s)@([a-z0-9][a-z0-9._-]*)/gi, (typed, space: string, name: string) => {
    const member = members.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
    return member ? `${space}<@${member.id}|${member.name}>` : typed;
  });
}

export interface SlashCommandResult {
  /** The HTTP status of the command endpoint: 200 when Slack would show the answer. */
  status: number;
  /** The ephemeral answer as the user reads it. */
  answer: string;
  /** The id of this command's response_url: its later messages carry it. */
  responseUrlId: string;
  /** The last Slack message before the command: the ones after it are this command's news. */
  afterSeq: number;
}

/** Thrown when nothing answers: the sandbox is not running (on these ports). */
export class SandboxNotRunningError extends Error {
  override readonly name = 'SandboxNotRunningError';
}

/** Signs and posts one slash command, as Slack does, and returns the immediate answer. */
export async function sendSlashCommand(input: SlashCommandInput): Promise<SlashCommandResult> {
  const { command, text: typed } = splitCommandLine(input.commandLine);
  const text = escapeMentions(typed, input.members ?? []);
  const before = await getJson<SlackMessagesAnswer>(`${input.backendUrl}/slack/messages`);
  const afterSeq = before.messages.at(-1)?.seq ?? 0;
  const responseUrlId = randomUUID();
  const body = slashCommandBody({
    command,
    text,
    userId: input.user.id,
    userName: input.user.name,
    channelId: input.channelId,
    teamId: input.teamId,
    responseUrl: `${input.backendUrl}/slack/respond/${responseUrlId}`,
  });
  const response = await reach(input.commandsUrl, () =>
    fetch(input.commandsUrl, { method: 'POST', headers: signedHeaders(input.signingSecret ?? SANDBOX.signingSecret, body, Math.floor(Date.now() / 1000)), body }),
  );
  const raw = await response.text();
  let answer = raw;
  try {
    const parsed = JSON.parse(raw) as { text?: string; blocks?: unknown[] };
    answer = renderMessage(parsed.text ?? '', parsed.blocks, input.nameOf ?? (() => undefined));
  } catch {
    // Not JSON (an empty acknowledgement, or an error page): shown as it is.
  }
  return { status: response.status, answer, responseUrlId, afterSeq };
}

export interface ButtonPressInput {
  interactionsUrl: string;
  backendUrl: string;
  /** The button's label, or its start (case does not matter). */
  label: string;
  user: { id: string; name: string };
  channelId: string;
  /** The presser's workspace, as Slack names it in the payload. */
  teamId?: string;
  signingSecret?: string;
}

interface SlackButton {
  type?: string;
  action_id?: string;
  value?: string;
  text?: { text?: string };
}

/**
 * Presses the newest button with this label that the user sees (in the channel, or in an
 * answer only they got), and posts the press as Slack does: a signed `block_actions` payload
 * whose response_url is the pressed message's. Its answer comes later, like a command's.
 */
export async function pressButton(input: ButtonPressInput): Promise<SlashCommandResult> {
  const { messages } = await getJson<SlackMessagesAnswer>(`${input.backendUrl}/slack/messages`);
  const wanted = input.label.trim().toLowerCase();
  const found = messages
    .filter((message) => message.channel === input.channelId || message.responseUrlId !== undefined)
    .flatMap((message) =>
      ((message.blocks ?? []) as { type?: string; block_id?: string; elements?: SlackButton[] }[])
        .filter((block) => block.type === 'actions')
        .flatMap((block) => (block.elements ?? []).filter((button) => button.type === 'button' && (button.text?.text ?? '').toLowerCase().startsWith(wanted)).map((button) => ({ message, block, button }))),
    )
    .at(-1);
  if (!found) throw new SandboxSetupError(`no message shows a button "${input.label}": send the command that asks for it first`);
  const responseUrlId = found.message.responseUrlId ?? randomUUID();
  const body = blockActionsBody({
    actionId: found.button.action_id ?? '',
    value: found.button.value ?? '',
    userId: input.user.id,
    channelId: input.channelId,
    ...(input.teamId ? { teamId: input.teamId } : {}),
    responseUrl: `${input.backendUrl}/slack/respond/${responseUrlId}`,
    ...(found.block.block_id ? { blockId: found.block.block_id } : {}),
    ephemeral: found.message.responseType === 'ephemeral',
    buttonText: found.button.text?.text ?? '',
  });
  const response = await reach(input.interactionsUrl, () =>
    fetch(input.interactionsUrl, { method: 'POST', headers: signedHeaders(input.signingSecret ?? SANDBOX.signingSecret, body, Math.floor(Date.now() / 1000)), body }),
  );
  return { status: response.status, answer: await response.text(), responseUrlId, afterSeq: messages.at(-1)?.seq ?? 0 };
}

/** `/ide start 3` → command `/ide`, text `start 3`. */
export function splitCommandLine(line: string): { command: string; text: string } {
  const trimmed = line.trim();
  if (!trimmed.startsWith('/')) return { command: '/ide', text: trimmed };
  const [command = '/ide', ...words] = trimmed.split(/\s+/);
  return { command, text: words.join(' ') };
}

export interface FollowOptions {
  backendUrl: string;
  result: SlashCommandResult;
  /** The command's channel: what the bot posts there belongs to the story too. */
  channelId?: string;
  /** Who sent the command: what the bot tells them directly (a private channel it is not in) too. */
  userId?: string;
  /** Stop once nothing happened in the sandbox for this long and no stack is changing. */
  quietMs: number;
  maxWaitMs: number;
  onMessage: (message: SandboxSlackMessage) => void;
}

/** Prints the command's later messages until the flow it started has settled (or maxWaitMs). */
export async function followCommand(options: FollowOptions): Promise<SandboxSlackMessage[]> {
  const seen: SandboxSlackMessage[] = [];
  let after = options.result.afterSeq;
  const deadline = Date.now() + options.maxWaitMs;
  while (Date.now() < deadline) {
    const { messages } = await getJson<SlackMessagesAnswer>(`${options.backendUrl}/slack/messages?after=${after}`);
    for (const message of messages) {
      after = message.seq;
      const ours = [options.channelId, options.userId].filter((id): id is string => id !== undefined);
      if (message.responseUrlId === options.result.responseUrlId || (message.channel !== undefined && ours.includes(message.channel))) {
        seen.push(message);
        options.onMessage(message);
      }
    }
    const activity = await getJson<BackendActivity>(`${options.backendUrl}/sandbox/activity`);
    if (activity.stacksInProgress === 0 && activity.invocationsPending === 0 && activity.idleMs >= options.quietMs) break;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return seen;
}

async function reach(url: string, request: () => Promise<Response>): Promise<Response> {
  try {
    return await request();
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET') throw new SandboxNotRunningError(`nothing answers at ${new URL(url).origin}: start the sandbox with \`npm start\` in another terminal first`);
    throw error;
  }
}

async function getJson<T>(url: string): Promise<T> {
  const response = await reach(url, () => fetch(url));
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return (await response.json()) as T;
}

function audienceOf(message: SandboxSlackMessage, channelId: string): string {
  if (message.responseUrlId) return message.responseType === 'in_channel' ? `(#${channelId})` : '(only you)';
  return message.channel === channelId ? `(#${channelId})` : '(to you directly)';
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { press: { type: 'string' }, user: { type: 'string' }, name: { type: 'string' }, channel: { type: 'string' }, team: { type: 'string' }, wait: { type: 'string', default: '60' } },
  });
  const commandLine = positionals.join(' ');
  if (commandLine === '' && values.press === undefined) throw new SandboxSetupError('give the command to send, e.g. npm run slack -- "/ide start 3", or a button to press: npm run slack -- --press "Stop and discard the work"');
  const env = readSandboxEnv(process.env);
  const urls = sandboxUrls(readPorts(env));
  const sender = defaultSender(env);
  const members = sandboxMembers(parseRoster(env.ROSTER ?? '').roster);
  const nameOf = (userId: string) => members.find((member) => member.id === userId)?.name;
  const userId = values.user ?? sender.member.userId;
  const user = { id: userId, name: values.name ?? nameOf(userId) ?? userId.toLowerCase() };
  const channelId = values.channel ?? sender.channelId;
  const print = (text: string) => console.log(text.split('\n').map((line, index) => (index === 0 ? line : `    ${line}`)).join('\n'));

  const teamId = values.team ?? sender.teamId;
  let result: SlashCommandResult;
  if (values.press !== undefined) {
    console.log(`@${user.name} in ${channelId} presses [${values.press}]`);
    result = await pressButton({ interactionsUrl: urls.interactions, backendUrl: urls.backend, label: values.press, user, channelId, teamId });
    if (result.status !== 200) throw new Error(`the interactions endpoint answered HTTP ${result.status}${result.answer ? `: ${result.answer}` : ''}`);
  } else {
    console.log(`@${user.name} in ${channelId}: ${commandLine}`);
    result = await sendSlashCommand({ commandsUrl: urls.commands, backendUrl: urls.backend, commandLine, user, channelId, teamId, nameOf, members });
    if (result.status !== 200) {
      throw new Error(`the command endpoint answered HTTP ${result.status}${result.answer ? `: ${result.answer}` : ''}`);
    }
    print(`  ↳ (only you) ${result.answer || '(no answer)'}`);
  }
  await followCommand({
    backendUrl: urls.backend,
    result,
    channelId,
    userId,
    quietMs: 5_000,
    maxWaitMs: Number(values.wait) * 1000,
    onMessage: (message) => print(`  ↳ ${audienceOf(message, channelId)} ${message.rendered}`),
  });
}

if (process.argv[1] !== undefined && /slack-cli\.[cm]?[jt]s$/.test(process.argv[1])) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    const known = error instanceof SandboxNotRunningError || error instanceof SandboxSetupError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(`npm run slack: ${known ? (error as Error).message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  });
}
