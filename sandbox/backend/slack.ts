/**
 * The sandbox's Slack: the ways the functions talk to Slack (chat.postMessage and
 * chat.update with the bot token, and a slash command's response_url), keeping every message
 * for the CLI and the tests, and printing each as one readable line; and the Web API methods setup, the
 * doctor and `/ide roster add` call (auth.test, users.info, apps.manifest.*), answering as
 * Slack does: the token's scopes in `x-oauth-scopes`, no email without users:read.email,
 * manifests with anything but https URLs refused. It refuses what Slack refuses: a message
 * over Block Kit's limits (`invalid_blocks`), a post in a private channel the bot was not
 * invited to (`channel_not_found`, SANDBOX_PRIVATE_CHANNELS); a user id as the channel is a
 * direct message from the bot, answered with the conversation's own `D…` id, which chat.update
 * needs (a user id there is `channel_not_found`, as Slack documents); chat.update edits only a
 * message the bot posted, by its channel and ts (`message_not_found` otherwise).
 */
import { randomBytes } from 'node:crypto';
import { blockKitProblems } from './slack-limits';

/** A message the functions sent, as the sandbox keeps it. */
export interface SandboxSlackMessage {
  /** Increases by one per message: `GET /slack/messages?after=<seq>` returns the newer ones. */
  seq: number;
  at: string;
  via: 'chat.postMessage' | 'response_url';
  /** The channel of a chat.postMessage; a user id for a direct message. */
  channel?: string;
  /** Slack's timestamp of a chat.postMessage, its id within the channel. */
  ts?: string;
  /** When chat.update last changed it. */
  editedAt?: string;
  /** The id in `/slack/respond/<id>`: one per slash command. */
  responseUrlId?: string;
  /** `ephemeral` or `in_channel`, for response_url messages. */
  responseType?: string;
  text: string;
  /** Set once a response_url asked to delete it (`delete_original`). */
  deleted?: true;
  /** The message as Slack would show it: the blocks' text, or the text when there are none. */
  rendered: string;
  blocks?: unknown[];
}

/** What the Web API answers, as Slack does: HTTP 200 with `ok`, or a status for a response_url. */
export interface SlackAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** A member of the sandbox's workspace, as users.info describes them. */
export interface SandboxSlackUser {
  id: string;
  name: string;
  email?: string;
  isBot?: boolean;
  deleted?: boolean;
}

/** A bot token of an app installed in the workspace, with the scopes it was granted. */
export interface SandboxBotToken {
  botId: string;
  botUserId: string;
  scopes: string[];
}

/** What the sandbox's workspace holds besides messages. */
export interface SandboxWorkspace {
  teamId: string;
  teamName: string;
  users: SandboxSlackUser[];
  /** Bot token → its app's bot and scopes. */
  botTokens: Record<string, SandboxBotToken>;
  /** App configuration tokens (`xoxe.xoxp-…`): they last 12 hours, so some are expired. */
  configTokens: Record<string, { expired: boolean }>;
}

/** An app made through apps.manifest.create, as the sandbox keeps it. */
export interface SandboxSlackApp {
  appId: string;
  manifest: Record<string, unknown>;
  signingSecret: string;
}

/** The scopes team-ide's manifest asks for (infra/slack-app-manifest.yaml). */
export const SANDBOX_BOT_SCOPES = ['commands', 'chat:write', 'chat:write.public', 'users:read', 'users:read.email'];

/** Slack lets a response_url be used five times (within 30 minutes). */
const RESPONSE_URL_USES = 5;

export class SandboxSlack {
  private readonly messages: SandboxSlackMessage[] = [];
  private readonly responseUrlUses = new Map<string, number>();
  readonly workspace: SandboxWorkspace;
  readonly apps: SandboxSlackApp[] = [];

  constructor(
    private readonly options: {
      botToken: string;
      /** The Slack handle of a user id, to print `@alice` where Slack would show a name. */
      nameOf: (userId: string) => string | undefined;
      /** Private channels the bot is not a member of. */
      privateChannels: readonly string[];
      log: (line: string) => void;
      /** Default: a workspace where `botToken` has every scope team-ide asks for, and no users. */
      workspace?: SandboxWorkspace;
    },
  ) {
    this.workspace = options.workspace ?? {
      teamId: 'T0SANDBOX1',
      teamName: 'sandbox',
      users: [],
      botTokens: { [options.botToken]: { botId: 'B0SANDBOX1', botUserId: 'U0SANDBOXB', scopes: SANDBOX_BOT_SCOPES } },
      configTokens: {},
    };
  }

  /** POST /api/<method>: the Web API. */
  api(method: string, authorization: string | undefined, body: Record<string, unknown>): SlackAnswer {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? (typeof body.token === 'string' ? body.token : undefined);
    switch (method) {
      case 'chat.postMessage':
        return this.withBot(token, () => this.postMessage(body), 'chat:write');
      case 'chat.update':
        return this.withBot(token, () => this.update(body), 'chat:write');
      case 'auth.test':
        return this.withBot(token, (bot) => ok({ url: `https://${this.workspace.teamName}.slack.com/`, team: this.workspace.teamName, user: 'team-ide', team_id: this.workspace.teamId, user_id: bot.botUserId, bot_id: bot.botId, is_enterprise_install: false }));
      case 'users.info':
        return this.withBot(token, (bot) => this.usersInfo(bot, String(body.user ?? '')), 'users:read');
      case 'apps.manifest.validate':
      case 'apps.manifest.create':
      case 'apps.manifest.update':
        return this.manifestMethod(method, token, body);
      default:
        return { status: 200, body: { ok: false, error: 'unknown_method' } };
    }
  }

  private postMessage(body: Record<string, unknown>): SlackAnswer {
    if (typeof body.channel !== 'string' || body.channel === '') return { status: 200, body: { ok: false, error: 'channel_not_found' } };
    if (this.options.privateChannels.includes(body.channel)) return this.refuse(body.channel, 'channel_not_found');
    if (typeof body.text !== 'string' && !Array.isArray(body.blocks)) return { status: 200, body: { ok: false, error: 'no_text' } };
    const problems = blockKitProblems(body);
    if (problems.length > 0) return this.refuse(body.channel, 'invalid_blocks', problems);
    const message = this.keep({ via: 'chat.postMessage', channel: body.channel }, body);
    // Slack's ts: seconds.microseconds, unique per channel.
    const ts = `${Math.floor(Date.parse(message.at) / 1000)}.${String(message.seq).padStart(6, '0')}`;
    message.ts = ts;
    return { status: 200, body: { ok: true, channel: conversationOf(body.channel), ts, message: { type: 'message', text: message.text, ts } } };
  }

  /** chat.update: the bot edits one of its own posts, found by the conversation's id and the post's ts. */
  private update(body: Record<string, unknown>): SlackAnswer {
    const { channel, ts } = body;
    // A direct message is edited by its D… id: a user id names no conversation here.
    if (typeof channel !== 'string' || channel === '' || /^[UW]/.test(channel)) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
    if (this.options.privateChannels.includes(channel)) return this.refuse(channel, 'channel_not_found');
    const message = this.messages.find((candidate) => candidate.via === 'chat.postMessage' && candidate.ts === ts && candidate.channel !== undefined && conversationOf(candidate.channel) === channel);
    if (!message) return { status: 200, body: { ok: false, error: 'message_not_found' } };
    if (typeof body.text !== 'string' && !Array.isArray(body.blocks)) return { status: 200, body: { ok: false, error: 'no_text' } };
    const problems = blockKitProblems(body);
    if (problems.length > 0) return this.refuse(channel, 'invalid_blocks', problems);
    // Slack keeps the old blocks only when given neither blocks nor text (refused above: no_text); a text alone replaces them.
    const text = typeof body.text === 'string' ? body.text : message.text;
    const blocks = Array.isArray(body.blocks) ? (body.blocks as unknown[]) : undefined;
    message.text = text;
    if (blocks && blocks.length > 0) message.blocks = blocks;
    else delete message.blocks;
    message.rendered = renderMessage(text, message.blocks, this.options.nameOf);
    message.editedAt = new Date().toISOString();
    this.options.log(`edited in ${/^D/.test(channel) ? 'a DM' : `#${channel}`}: ${message.rendered.replace(/\n+/g, ' | ')}`);
    return { status: 200, body: { ok: true, channel, ts, text, message: { type: 'message', text, ts } } };
  }

  /**
   * Runs `answer` for a known bot token that holds the method's scope (`missing_scope`
   * otherwise); every answer carries the token's scopes, as Slack's do.
   */
  private withBot(token: string | undefined, answer: (bot: SandboxBotToken) => SlackAnswer, scope?: string): SlackAnswer {
    if (token === undefined) return { status: 200, body: { ok: false, error: 'not_authed' } };
    const bot = this.workspace.botTokens[token];
    if (!bot) return { status: 200, body: { ok: false, error: token.startsWith('xoxe.') ? 'not_allowed_token_type' : 'invalid_auth' } };
    const answered = scope === undefined || bot.scopes.includes(scope) ? answer(bot) : { status: 200, body: { ok: false, error: 'missing_scope', needed: scope, provided: bot.scopes.join(',') } };
    return { ...answered, headers: { 'x-oauth-scopes': bot.scopes.join(',') } };
  }

  private usersInfo(bot: SandboxBotToken, userId: string): SlackAnswer {
    const user = this.workspace.users.find((candidate) => candidate.id === userId);
    if (!user) return { status: 200, body: { ok: false, error: 'user_not_found' } };
    // Without users:read.email Slack leaves the email out, without an error.
    const email = bot.scopes.includes('users:read.email') && user.email ? { email: user.email } : {};
    return ok({
      user: {
        id: user.id,
        team_id: this.workspace.teamId,
        name: user.name,
        deleted: user.deleted ?? false,
        real_name: user.name,
        is_bot: user.isBot ?? false,
        profile: { real_name: user.name, display_name: user.name, ...email },
      },
    });
  }

  private manifestMethod(method: string, token: string | undefined, body: Record<string, unknown>): SlackAnswer {
    if (token === undefined) return { status: 200, body: { ok: false, error: 'not_authed' } };
    const configToken = this.workspace.configTokens[token];
    if (!configToken) return { status: 200, body: { ok: false, error: this.workspace.botTokens[token] ? 'not_allowed_token_type' : 'invalid_auth' } };
    if (configToken.expired) return { status: 200, body: { ok: false, error: 'token_expired' } };
    let manifest: Record<string, unknown>;
    try {
      manifest = JSON.parse(String(body.manifest ?? '')) as Record<string, unknown>;
    } catch {
      return { status: 200, body: { ok: false, error: 'invalid_manifest', errors: [{ message: 'The manifest is not valid JSON', pointer: '/' }] } };
    }
    const errors = manifestErrors(manifest);
    if (errors.length > 0) return { status: 200, body: { ok: false, error: 'invalid_manifest', errors } };
    if (method === 'apps.manifest.validate') return ok({});
    if (method === 'apps.manifest.create') {
      const app: SandboxSlackApp = { appId: `A0SANDBOX${this.apps.length + 1}`, manifest, signingSecret: randomBytes(16).toString('hex') };
      this.apps.push(app);
      const scopes = scopesOf(manifest).join(',');
      this.options.log(`app ${app.appId} created from a manifest`);
      return ok({
        app_id: app.appId,
        credentials: { client_id: `${this.workspace.teamId}.${app.appId}`, client_secret: randomBytes(16).toString('hex'), verification_token: randomBytes(12).toString('hex'), signing_secret: app.signingSecret },
        oauth_authorize_url: `https://slack.com/oauth/v2/authorize?client_id=${this.workspace.teamId}.${app.appId}&scope=${scopes}`,
      });
    }
    const app = this.apps.find((candidate) => candidate.appId === body.app_id);
    if (!app) return { status: 200, body: { ok: false, error: 'invalid_app_id' } };
    const permissionsUpdated = scopesOf(app.manifest).join(',') !== scopesOf(manifest).join(',');
    app.manifest = manifest;
    this.options.log(`app ${app.appId} updated from a manifest`);
    return ok({ app_id: app.appId, permissions_updated: permissionsUpdated });
  }

  /** POST /slack/respond/<id>: what Slack does with a message sent to a response_url. */
  respond(responseUrlId: string, body: Record<string, unknown>): SlackAnswer {
    const uses = (this.responseUrlUses.get(responseUrlId) ?? 0) + 1;
    this.responseUrlUses.set(responseUrlId, uses);
    // Slack documents the limit, not its answer to a sixth use: refuse loudly so a test sees it.
    if (uses > RESPONSE_URL_USES) return { status: 404, body: { ok: false, error: 'used_url' } };
    if (body.delete_original === true) {
      // The message the response_url belongs to goes (here: the newest sent through it).
      const original = this.messages.findLast((message) => message.responseUrlId === responseUrlId && !message.deleted);
      if (original) original.deleted = true;
      this.options.log(`deleted: ${original?.rendered.replace(/\n+/g, ' | ') ?? '(nothing)'}`);
      return { status: 200, body: { ok: true } };
    }
    const problems = blockKitProblems(body);
    if (problems.length > 0) {
      this.options.log(`refused a response_url message: invalid_blocks (${problems.join('; ')})`);
      return { status: 400, body: { ok: false, error: 'invalid_blocks', errors: problems } };
    }
    this.keep({ via: 'response_url', responseUrlId, responseType: typeof body.response_type === 'string' ? body.response_type : 'ephemeral' }, body);
    return { status: 200, body: { ok: true } };
  }

  private refuse(channel: string, error: string, problems: string[] = []): SlackAnswer {
    this.options.log(`refused a post to #${channel}: ${error}${problems.length > 0 ? ` (${problems.join('; ')})` : ''}`);
    return { status: 200, body: { ok: false, error, ...(problems.length > 0 ? { errors: problems } : {}) } };
  }

  /** The messages after `seq` (all with 0), without deleted ones. */
  list(after = 0): SandboxSlackMessage[] {
    return this.messages.filter((message) => message.seq > after && !message.deleted);
  }

  private keep(where: Pick<SandboxSlackMessage, 'via' | 'channel' | 'responseUrlId' | 'responseType'>, body: Record<string, unknown>): SandboxSlackMessage {
    const text = typeof body.text === 'string' ? body.text : '';
    const blocks = Array.isArray(body.blocks) ? (body.blocks as unknown[]) : undefined;
    const message: SandboxSlackMessage = {
      seq: this.messages.length + 1,
      at: new Date().toISOString(),
      ...where,
      text,
      rendered: renderMessage(text, blocks, this.options.nameOf),
      ...(blocks ? { blocks } : {}),
    };
    this.messages.push(message);
    const directTo = where.channel && /^[UW]/.test(where.channel) ? where.channel : undefined;
    const audience = directTo
      ? `DM to @${this.options.nameOf(directTo) ?? directTo}`
      : where.channel ? `#${where.channel}` : where.responseType === 'in_channel' ? 'channel (response_url)' : 'only the user (response_url)';
    this.options.log(`${audience}: ${message.rendered.replace(/\n+/g, ' | ')}`);
    return message;
  }
}

const ok = (fields: Record<string, unknown>): SlackAnswer => ({ status: 200, body: { ok: true, ...fields } });

/** The conversation a chat.postMessage to `channel` lands in: a user id opens the bot's direct message with them, `D…`. */
const conversationOf = (channel: string): string => (/^[UW]/.test(channel) ? `D${channel.slice(1)}` : channel);

function scopesOf(manifest: Record<string, unknown>): string[] {
  const scopes = (manifest.oauth_config as { scopes?: { bot?: unknown } } | undefined)?.scopes?.bot;
  return Array.isArray(scopes) ? scopes.map(String).sort() : [];
}

/** The checks of Slack's manifest schema that team-ide's manifest meets, as `{ message, pointer }`. */
function manifestErrors(manifest: Record<string, unknown>): { message: string; pointer: string }[] {
  const errors: { message: string; pointer: string }[] = [];
  const name = (manifest.display_information as { name?: unknown } | undefined)?.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > 35) errors.push({ message: 'Must be a string of 1 to 35 characters', pointer: '/display_information/name' });
  const isHttps = (url: unknown) => typeof url === 'string' && /^https:\/\/[^\s/]+(\/\S*)?$/.test(url);
  const commands = (manifest.features as { slash_commands?: { command?: unknown; url?: unknown }[] } | undefined)?.slash_commands ?? [];
  commands.forEach((command, index) => {
    if (typeof command.command !== 'string' || !/^\/[a-z0-9_-]{1,31}$/.test(command.command)) errors.push({ message: 'Must start with a slash and be at most 32 characters', pointer: `/features/slash_commands/${index}/command` });
    if (command.url !== undefined && !isHttps(command.url)) errors.push({ message: 'Must be a valid https URL', pointer: `/features/slash_commands/${index}/url` });
  });
  const interactivity = (manifest.settings as { interactivity?: { is_enabled?: unknown; request_url?: unknown }; socket_mode_enabled?: unknown } | undefined);
  if (interactivity?.interactivity?.is_enabled === true && interactivity.socket_mode_enabled !== true && !isHttps(interactivity.interactivity.request_url)) {
    errors.push({ message: 'Interactivity requires a Request URL', pointer: '/settings/interactivity' });
  }
  return errors;
}

/**
 * Slack mrkdwn as plain text: `<@U…>` → `@name`, `<#C…>` → `#C…`, `<!date^…|fallback>` → the fallback,
 * `<url|label>` → `label (url)`, `&amp;` and friends unescaped.
 */
export function plainText(mrkdwn: string, nameOf: (userId: string) => string | undefined): string {
  return mrkdwn
    .replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, (_match, userId: string) => `@${nameOf(userId) ?? userId}`)
    .replace(/<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>/g, (_match, channelId: string, name?: string) => `#${name || channelId}`)
    .replace(/<!date\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The text a reader sees: sections, context lines and button labels of the blocks, else the text. */
export function renderMessage(text: string, blocks: unknown[] | undefined, nameOf: (userId: string) => string | undefined): string {
  const lines = (blocks ?? []).flatMap((block) => {
    const { text: sectionText, elements } = block as { text?: { text?: string }; elements?: { text?: string | { text?: string } }[] };
    if (sectionText?.text) return [sectionText.text];
    return (elements ?? []).map((element) => (typeof element.text === 'string' ? element.text : element.text?.text ? `[${element.text.text}]` : '')).filter(Boolean);
  });
  return plainText(lines.length > 0 ? lines.join('\n') : text, nameOf);
}
