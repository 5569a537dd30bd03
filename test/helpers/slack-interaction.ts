import { checkSlackMessage } from './slack-limits';

/** A fetch that records what bolt's `respond()` posts to a response_url (checked against Slack's limits), and answers 200. */
export function recordingFetch(): typeof fetch & { calls: { url: string; body: Record<string, unknown> }[] } {
  const calls: { url: string; body: Record<string, unknown> }[] = [];
  const fake = async (url: string | URL | Request, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown>;
    checkSlackMessage(body, 'response_url');
    calls.push({ url: String(url), body });
    return new Response('ok', { status: 200 });
  };
  return Object.assign(fake as typeof fetch, { calls });
}
