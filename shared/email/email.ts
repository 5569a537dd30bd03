import { appUrl, EXAMPLE_PORT } from '../previews/previews';

/** What one developer's "your IDE is ready" email says. */
export interface DeveloperEmailInput {
  /** The developer's Slack handle, for the greeting. */
  developerName: string;
  slot: number;
  /** Slack handle of who started the run. */
  requestedByName: string;
  url: string;
  password: string;
  /** Whether the run serves previews (`https://<port>.dev-N.<domain>`); otherwise apps open through `/proxy/<port>/`. */
  previews: boolean;
  /** When the run is deleted; undefined when it lives until someone stops it. */
  endsAt?: Date;
  /** True when the developer's home is saved at the stop and comes back at the next start (KEEP_WORK). */
  homeKept?: boolean;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const SAVE_WORK = 'Push your work before the run stops: the host and its disks are deleted.';
const HOME_KEPT = 'Your home (/home/coder: projects, settings, extensions) is saved when the run stops and comes back at the next start. Push what your team needs.';

/** Where the developer's own web apps open: the example of port 3000 and the form for any port. */
function appAddresses(input: DeveloperEmailInput): { example: string; form: string; who: string } {
  return {
    example: appUrl(input.url, EXAMPLE_PORT, input.previews),
    form: appUrl(input.url, '<port>', input.previews),
    who: input.previews ? 'behind the same login: only you can open it' : 'behind the same login',
  };
}

/** `2026-11-28 17:00 UTC`: email clients cannot show a time in the reader's zone, so say which one it is. */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * The email with one developer's link and password, as HTML and plain text. The HTML is
 * table-based with inline styles only: Gmail drops `<style>` blocks in many clients and
 * Outlook for Windows renders with Word, which ignores most CSS layout.
 */
export function renderDeveloperEmail(input: DeveloperEmailInput): RenderedEmail {
  const seat = `dev-${input.slot}`;
  const subject = `Your team IDE ${seat} is ready`;
  const lifetime = input.endsAt ? `It stops at ${formatUtc(input.endsAt)}.` : 'It runs until someone types /ide stop in Slack.';
  const apps = appAddresses(input);
  const text = [
    `Hi ${input.developerName},`,
    '',
    `${input.requestedByName} started a VS Code in the browser for you (${seat}). ${lifetime}`,
    '',
    `Open:     ${input.url}`,
    `Password: ${input.password}`,
    '',
    `A web app you run on port ${EXAMPLE_PORT} opens at ${apps.example}`,
    `(any port: ${apps.form}), ${apps.who}.`,
    '',
    input.homeKept ? HOME_KEPT : SAVE_WORK,
    '',
    'The password is new for this run and only for you: do not forward this email.',
    '-- team-ide',
    '',
  ].join('\n');
  return { subject, html: renderHtml(input, seat, subject, lifetime, apps), text };
}

const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const MONO = "font-family:Consolas,'Courier New',monospace;";
const INK = 'color:#172b4d;';

function renderHtml(input: DeveloperEmailInput, seat: string, subject: string, lifetime: string, apps: ReturnType<typeof appAddresses>): string {
  const e = escapeHtml;
  const detailRow = (label: string, value: string) =>
    `<tr><td style="${FONT}font-size:14px;line-height:20px;color:#5e6c84;padding:6px 16px 6px 0;vertical-align:top;white-space:nowrap;">${label}</td>` +
    `<td style="${INK}font-size:15px;line-height:20px;padding:6px 0;vertical-align:top;">${value}</td></tr>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(subject)}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f5f7;">
<div style="display:none;max-height:0;overflow:hidden;">Your link and password for ${e(seat)}.</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f5f7;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background-color:#ffffff;border:1px solid #dfe1e6;">
<tr><td style="${FONT}${INK}font-size:22px;line-height:28px;font-weight:bold;padding:28px 32px 8px 32px;">Your IDE is ready</td></tr>
<tr><td style="${FONT}${INK}font-size:15px;line-height:22px;padding:0 32px 20px 32px;">Hi ${e(input.developerName)}, ${e(input.requestedByName)} started a VS Code in the browser for you (${e(seat)}). ${e(lifetime)}</td></tr>
<tr><td style="padding:0 32px 24px 32px;">
<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>
<td bgcolor="#0052cc" style="background-color:#0052cc;border-radius:4px;padding:12px 24px;"><a href="${e(input.url)}" style="${FONT}font-size:16px;line-height:20px;font-weight:bold;color:#ffffff;text-decoration:none;">Open ${e(seat)}</a></td>
</tr></table>
</td></tr>
<tr><td style="padding:0 32px 16px 32px;">
<table role="presentation" cellpadding="0" cellspacing="0" border="0">
${detailRow('Address', `<a href="${e(input.url)}" style="${FONT}color:#0052cc;text-decoration:underline;">${e(input.url)}</a>`)}
${detailRow('Password', `<span style="${MONO}font-size:16px;letter-spacing:1px;background-color:#f4f5f7;padding:2px 6px;">${e(input.password)}</span>`)}
${detailRow('Your apps', `<span style="${FONT}">Port ${EXAMPLE_PORT}: <a href="${e(apps.example)}" style="${FONT}color:#0052cc;text-decoration:underline;">${e(apps.example)}</a><br>Any port: ${e(apps.form)}, ${e(apps.who)}.</span>`)}
${input.endsAt ? detailRow('Stops at', `<span style="${FONT}">${e(formatUtc(input.endsAt))}</span>`) : ''}
</table>
</td></tr>
<tr><td style="padding:8px 32px 24px 32px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>
<td bgcolor="#fffae6" style="background-color:#fffae6;border-left:4px solid #ff991f;${FONT}${INK}font-size:15px;line-height:22px;padding:12px 16px;"><strong>${e(input.homeKept ? HOME_KEPT : SAVE_WORK)}</strong></td>
</tr></table>
</td></tr>
<tr><td style="${FONT}font-size:13px;line-height:18px;color:#5e6c84;padding:0 32px 28px 32px;">The password is new for this run and only for you: do not forward this email.</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}
