/**
 * The sandbox's Slack: the two ways the functions talk to Slack (chat.postMessage with the
 * bot token, and a slash command's response_url), keeping every message for the CLI and
 * the tests, and printing each as one readable line.
 */

/** A message the functions sent, as the sandbox keeps it. */
export interface SandboxSlackMessage {
  /** Increases by one per message: `GET /slack/messages?after=<seq>` returns the newer ones. */
  seq: number;
  at: string;
  via: 'chat.postMessage' | 'response_url';
  /** The channel of a chat.postMessage. */
  channel?: string;
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
}

/** Slack lets a response_url be used five times (within 30 minutes). */
const RESPONSE_URL_USES = 5;

export class SandboxSlack {
  private readonly messages: SandboxSlackMessage[] = [];
  private readonly responseUrlUses = new Map<string, number>();

  constructor(
    private readonly options: {
      botToken: string;
      /** The Slack handle of a user id, to print `@alice` where Slack would show a name. */
      nameOf: (userId: string) => string | undefined;
      log: (line: string) => void;
    },
  ) {}

  /** POST /api/chat.postMessage */
  postMessage(authorization: string | undefined, body: Record<string, unknown>): SlackAnswer {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (token === undefined) return { status: 200, body: { ok: false, error: 'not_authed' } };
    if (token !== this.options.botToken) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
    if (typeof body.channel !== 'string' || body.channel === '') return { status: 200, body: { ok: false, error: 'channel_not_found' } };
    if (typeof body.text !== 'string' && !Array.isArray(body.blocks)) return { status: 200, body: { ok: false, error: 'no_text' } };
    const message = this.keep({ via: 'chat.postMessage', channel: body.channel }, body);
    // Slack's ts: seconds.microseconds, unique per channel.
    const ts = `${Math.floor(Date.parse(message.at) / 1000)}.${String(message.seq).padStart(6, '0')}`;
    return { status: 200, body: { ok: true, channel: body.channel, ts, message: { type: 'message', text: message.text, ts } } };
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
    this.keep({ via: 'response_url', responseUrlId, responseType: typeof body.response_type === 'string' ? body.response_type : 'ephemeral' }, body);
    return { status: 200, body: { ok: true } };
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
    const audience = where.channel ? `#${where.channel}` : where.responseType === 'in_channel' ? 'channel (response_url)' : 'only the user (response_url)';
    this.options.log(`${audience}: ${message.rendered.replace(/\n+/g, ' | ')}`);
    return message;
  }
}

/**
 * Slack mrkdwn as plain text: `<@U…>` → `@name`, `<!date^…|fallback>` → the fallback,
 * `<url|label>` → `label (url)`, `&amp;` and friends unescaped.
 */
export function plainText(mrkdwn: string, nameOf: (userId: string) => string | undefined): string {
  return mrkdwn
    .replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, (_match, userId: string) => `@${nameOf(userId) ?? userId}`)
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
