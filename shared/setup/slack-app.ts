import type { AppsManifestCreateArguments, WebAPICallResult, WebClient } from '@slack/web-api';
import { parse } from 'yaml';
import { fail, type Finding, pass, SetupError } from './findings';

/**
 * The bot scopes team-ide uses; infra/slack-app-manifest.yaml asks for exactly these (a test
 * compares). users:read.email matters most: without it users.info leaves the email out
 * silently, and `/ide roster add` has no address to send the link to.
 */
export const REQUIRED_BOT_SCOPES = ['commands', 'chat:write', 'chat:write.public', 'users:read', 'users:read.email'] as const;

/** Slack's app manifest, as @slack/web-api types it. */
export type Manifest = AppsManifestCreateArguments['manifest'];

type SlackErrorData = WebAPICallResult & { error?: string; errors?: { message?: string; pointer?: string }[] };

/** The deployed Request URLs: the stack outputs SlackCommandUrl and SlackInteractionsUrl. */
export interface SlackEndpoints {
  commandsUrl: string;
  interactionsUrl: string;
}

/** Who the bot token belongs to, from auth.test; the scopes come from its `x-oauth-scopes` header. */
export interface BotIdentity {
  botId: string;
  botUserId: string;
  teamId: string;
  teamName: string;
  scopes: string[];
}

/** The app Slack made from the manifest. The signing secret is shown once: store it, never print it. */
export interface CreatedApp {
  appId: string;
  signingSecret: string;
  /** Where a workspace admin installs the app, which gives the bot token. */
  authorizeUrl: string;
}

/** The manifest file, parsed. */
export function parseManifest(yamlText: string): Manifest {
  return parse(yamlText) as Manifest;
}

/** The manifest with the deployed Request URLs in place of the placeholders. Slack takes https URLs only. */
export function manifestWithEndpoints(manifest: Manifest, endpoints: SlackEndpoints): Manifest {
  for (const url of [endpoints.commandsUrl, endpoints.interactionsUrl]) {
    if (!/^https:\/\/[^\s/]+\/\S*$/.test(url)) throw new SetupError(`Slack app: ${url} is not an https URL, and Slack accepts no other. Deploy first (the stack outputs are https).`);
  }
  const filled = structuredClone(manifest);
  for (const command of filled.features?.slash_commands ?? []) command.url = endpoints.commandsUrl;
  if (filled.settings?.interactivity) filled.settings.interactivity.request_url = endpoints.interactionsUrl;
  return filled;
}

/** The URLs a manifest sends Slack's requests to. */
export function manifestEndpoints(manifest: Manifest): Partial<SlackEndpoints> {
  return {
    ...(manifest.features?.slash_commands?.[0]?.url ? { commandsUrl: manifest.features.slash_commands[0].url } : {}),
    ...(manifest.settings?.interactivity?.request_url ? { interactionsUrl: manifest.settings.interactivity.request_url } : {}),
  };
}

/** The Slack error of a failed Web API call (`invalid_auth`…); WebClient throws with it in `data`. */
function slackError(error: unknown): { code: string; data: SlackErrorData } | undefined {
  const { code, data } = error as { code?: string; data?: SlackErrorData };
  return code === 'slack_webapi_platform_error' && data ? { code: String(data.error), data } : undefined;
}

const TOKEN_FIXES: Record<string, string> = {
  invalid_auth: 'it is not a valid token of this workspace: copy the Bot User OAuth Token (xoxb-…) from the app\'s OAuth & Permissions page.',
  not_authed: 'no token was sent: give --slack-bot-token.',
  token_revoked: 'the token was revoked: reinstall the app (OAuth & Permissions → Reinstall) and give the new token.',
  account_inactive: 'the token belongs to an app that was uninstalled or a deactivated user: reinstall the app and give the new token.',
  not_allowed_token_type: 'that is not a bot token: give the Bot User OAuth Token (xoxb-…).',
};

/** auth.test with the bot token: its ids, which the functions need to skip auth.test at cold start, and its scopes. */
export async function readBotIdentity(slack: WebClient): Promise<BotIdentity> {
  try {
    const answer = await slack.auth.test();
    return {
      botId: answer.bot_id ?? '',
      botUserId: answer.user_id ?? '',
      teamId: answer.team_id ?? '',
      teamName: answer.team ?? '',
      scopes: answer.response_metadata?.scopes ?? [],
    };
  } catch (error) {
    const failed = slackError(error);
    if (failed) throw new SetupError(`Slack bot token: auth.test says ${failed.code}; ${TOKEN_FIXES[failed.code] ?? 'check the token.'}`);
    throw error;
  }
}

/** The token is a bot's, and holds every scope team-ide uses. */
export function checkBotIdentity(identity: BotIdentity, expected?: { botId?: string; botUserId?: string }): Finding {
  if (!identity.botId) return fail('Slack token', 'the token is not a bot token (auth.test gave no bot_id).', 'store the Bot User OAuth Token (xoxb-…) with `npm run setup`.');
  const missing = REQUIRED_BOT_SCOPES.filter((scope) => !identity.scopes.includes(scope));
  if (missing.length > 0) {
    return fail(
      'Slack token',
      `the bot token of ${identity.teamName} lacks ${missing.join(', ')}.`,
      'update the app from infra/slack-app-manifest.yaml (`npm run setup` does it with --slack-config-token, or paste `npm run slack:manifest` into the app\'s App Manifest page), reinstall it to the workspace, and store the new token with `npm run setup`.',
    );
  }
  const mismatched = [
    expected?.botId && expected.botId !== identity.botId ? `SLACK_BOT_ID is ${expected.botId} but the token's bot is ${identity.botId}` : undefined,
    expected?.botUserId && expected.botUserId !== identity.botUserId ? `SLACK_BOT_USER_ID is ${expected.botUserId} but the token's bot user is ${identity.botUserId}` : undefined,
  ].filter(Boolean);
  if (mismatched.length > 0) return fail('Slack token', `${mismatched.join('; ')}.`, 'run `npm run setup` again: it reads both from auth.test.');
  return pass('Slack token', `bot ${identity.botId} (user ${identity.botUserId}) in ${identity.teamName}, with ${REQUIRED_BOT_SCOPES.join(', ')}.`);
}

/** What to do when an app configuration token is refused. They last 12 hours, and rotating one spends its refresh token. */
function configTokenProblem(code: string): string {
  if (code === 'token_expired' || code === 'invalid_auth') {
    return `Slack app configuration token: Slack says ${code}. These tokens last 12 hours: generate a new one (api.slack.com/apps → Your App Configuration Tokens → Generate Token) and pass it as --slack-config-token. setup never stores it.`;
  }
  if (code === 'not_allowed_token_type') return 'Slack app configuration token: that is not one (they start xoxe.xoxp-): generate one at api.slack.com/apps → Your App Configuration Tokens.';
  return `Slack app configuration token: Slack says ${code}.`;
}

async function manifestCall(slack: WebClient, method: 'validate' | 'create' | 'update', options: Record<string, unknown>): Promise<WebAPICallResult> {
  try {
    return await slack.apiCall(`apps.manifest.${method}`, options);
  } catch (error) {
    const failed = slackError(error);
    if (!failed) throw error;
    if (failed.code === 'invalid_manifest') {
      const problems = (failed.data.errors ?? []).map((problem) => `${problem.pointer ?? '/'}: ${problem.message ?? ''}`).join('; ');
      throw new SetupError(`Slack app manifest: Slack refuses it (${problems}). Fix infra/slack-app-manifest.yaml.`);
    }
    if (failed.code === 'invalid_app_id' || failed.code === 'app_not_found') {
      throw new SetupError(`Slack app: Slack knows no app ${String(options.app_id)} for this token's workspace. Remove SLACK_APP_ID from .env.<stage> to create a new app, or pass --slack-app-id.`);
    }
    throw new SetupError(configTokenProblem(failed.code));
  }
}

/** Creates the app from the manifest (validated first, so a refusal names the line). */
export async function createSlackApp(slack: WebClient, configToken: string, manifest: Manifest): Promise<CreatedApp> {
  await manifestCall(slack, 'validate', { token: configToken, manifest });
  const created = (await manifestCall(slack, 'create', { token: configToken, manifest })) as WebAPICallResult & {
    app_id?: string;
    credentials?: { signing_secret?: string };
    oauth_authorize_url?: string;
  };
  return { appId: created.app_id ?? '', signingSecret: created.credentials?.signing_secret ?? '', authorizeUrl: created.oauth_authorize_url ?? '' };
}

/** Updates the app; `permissionsUpdated` means the scopes changed and the app must be reinstalled. */
export async function updateSlackApp(slack: WebClient, configToken: string, appId: string, manifest: Manifest): Promise<{ permissionsUpdated: boolean }> {
  await manifestCall(slack, 'validate', { token: configToken, app_id: appId, manifest });
  const updated = (await manifestCall(slack, 'update', { token: configToken, app_id: appId, manifest })) as WebAPICallResult & { permissions_updated?: boolean };
  return { permissionsUpdated: updated.permissions_updated === true };
}
