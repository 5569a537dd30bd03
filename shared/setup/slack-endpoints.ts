import { slackSignature } from '../slack/request-signature';
import { fail, type Finding, pass } from './findings';
import type { SlackEndpoints } from './slack-app';

/**
 * Whether the deployed endpoints answer Slack: each gets a request signed with the stored
 * signing secret, which must be answered, and the same request with a wrong signature,
 * which must get 401. The command endpoint gets `/ide help` (answered before any
 * permission check, and changes nothing); the interactions endpoint a signed
 * url_verification, which bolt answers before any listener runs.
 */
export interface EndpointProbe {
  fetch: typeof fetch;
  signingSecret: string;
  /** SLACK_TEAM_ID: the functions refuse commands from any other workspace. */
  teamId: string;
  now: () => Date;
  timeoutMs?: number;
}

async function post(probe: EndpointProbe, url: string, body: string, contentType: string, secret: string): Promise<{ status: number; text: string }> {
  const timestamp = Math.floor(probe.now().getTime() / 1000);
  const response = await probe.fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': slackSignature(secret, timestamp, body) },
    body,
    signal: AbortSignal.timeout(probe.timeoutMs ?? 15_000),
  });
  return { status: response.status, text: await response.text() };
}

async function checkEndpoint(
  probe: EndpointProbe,
  check: string,
  url: string,
  request: { body: string; contentType: string; answered: (text: string) => boolean },
): Promise<Finding> {
  try {
    const signed = await post(probe, url, request.body, request.contentType, probe.signingSecret);
    if (signed.status === 401) {
      return fail(check, `${url} refused a request signed with the stored signing secret (401).`, 'store the app\'s current signing secret (Basic Information → App Credentials) with `npm run setup`; the functions read it at their next cold start.');
    }
    if (signed.status !== 200 || !request.answered(signed.text)) {
      return fail(check, `${url} answered ${signed.status} ${signed.text.slice(0, 120)}.`, 'read the function\'s logs (CloudWatch → /aws/lambda/team-ide-<stage>-…): a setting or parameter it reads at cold start is likely wrong.');
    }
    const forged = await post(probe, url, request.body, request.contentType, `${probe.signingSecret}-wrong`);
    if (forged.status !== 401) return fail(check, `${url} accepted a request with a wrong signature (${forged.status}).`, 'redeploy: the deployed function does not check signatures.');
    return pass(check, `${url} answers a signed request and refuses a forged one.`);
  } catch (error) {
    return fail(check, `${url} did not answer (${(error as Error).message}).`, 'check that the stage is deployed (`npm run deploy -- --stage <stage>`) and the URL is the SlackCommandUrl / SlackInteractionsUrl output.');
  }
}

export async function checkSlackEndpoints(probe: EndpointProbe, endpoints: SlackEndpoints): Promise<Finding[]> {
  const command = new URLSearchParams({
    command: '/ide',
    text: 'help',
    user_id: 'U0DOCTOR00',
    user_name: 'team-ide-doctor',
    channel_id: 'C0DOCTOR00',
    team_id: probe.teamId,
    response_url: 'https://hooks.slack.com/commands/T0DOCTOR00/0/doctor',
    trigger_id: '0.0.doctor',
  }).toString();
  const challenge = `doctor-${probe.now().getTime()}`;
  return [
    await checkEndpoint(probe, 'Slack command endpoint', endpoints.commandsUrl, {
      body: command,
      contentType: 'application/x-www-form-urlencoded',
      answered: (text) => text.includes('How to use /ide'),
    }),
    await checkEndpoint(probe, 'Slack interactions endpoint', endpoints.interactionsUrl, {
      body: JSON.stringify({ type: 'url_verification', challenge }),
      contentType: 'application/json',
      answered: (text) => text.includes(challenge),
    }),
  ];
}
