import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SetupError } from '../../../shared/setup/findings';
import {
  checkBotIdentity,
  createSlackApp,
  manifestEndpoints,
  manifestWithEndpoints,
  parseManifest,
  readBotIdentity,
  REQUIRED_BOT_SCOPES,
  updateSlackApp,
} from '../../../shared/setup/slack-app';
import { type SetupBackend, startSetupBackend, TOKENS } from '../../helpers/setup-backend';

const manifest = parseManifest(readFileSync(path.join(__dirname, '../../../infra/slack-app-manifest.yaml'), 'utf8'));
const deployed = { commandsUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/slack/commands', interactionsUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/slack/interactions' };

describe('the Slack app', () => {
  let setup: SetupBackend;

  afterEach(async () => {
    await setup.close();
  });

  describe('the bot token', () => {
    it('reads the bot\'s ids and scopes from auth.test and its x-oauth-scopes header', async () => {
      setup = await startSetupBackend();

      const identity = await readBotIdentity(setup.clients.slack(TOKENS.bot));

      expect(identity).toEqual({ botId: 'B0000BOT1', botUserId: 'U0000BOT1', teamId: 'T0000TEAM', teamName: 'example', scopes: [...REQUIRED_BOT_SCOPES] });
      expect(checkBotIdentity(identity, { botId: 'B0000BOT1', botUserId: 'U0000BOT1' }).ok).toBe(true);
    });

    it('fails a token without the commands scope, and says to update and reinstall the app', async () => {
      setup = await startSetupBackend();

      const finding = checkBotIdentity(await readBotIdentity(setup.clients.slack(TOKENS.botWithoutCommands)));

      expect(finding).toMatchObject({ ok: false, detail: 'the bot token of example lacks commands.' });
      expect(finding.fix).toContain('reinstall it to the workspace');
    });

    it('fails bot ids that differ from the settings', async () => {
      setup = await startSetupBackend();

      const finding = checkBotIdentity(await readBotIdentity(setup.clients.slack(TOKENS.bot)), { botId: 'B0000OLD0' });

      expect(finding).toMatchObject({ ok: false, detail: 'SLACK_BOT_ID is B0000OLD0 but the token\'s bot is B0000BOT1.' });
    });

    it('refuses a token Slack does not know, saying where the right one is', async () => {
      setup = await startSetupBackend();

      await expect(readBotIdentity(setup.clients.slack('xoxb-unknown'))).rejects.toThrow(new SetupError('Slack bot token: auth.test says invalid_auth; it is not a valid token of this workspace: copy the Bot User OAuth Token (xoxb-…) from the app\'s OAuth & Permissions page.'));
    });
  });

  describe('the manifest API', () => {
    it('creates the app with the deployed URLs and returns its signing secret once', async () => {
      setup = await startSetupBackend();

      const created = await createSlackApp(setup.clients.slack(), TOKENS.config, manifestWithEndpoints(manifest, deployed));

      expect(created).toEqual({ appId: 'A0SANDBOX1', signingSecret: expect.stringMatching(/^[0-9a-f]{32}$/), authorizeUrl: expect.stringContaining('scope=') });
      expect(manifestEndpoints(setup.backend.slack.apps[0]!.manifest as typeof manifest)).toEqual(deployed);
    });

    it('updates the app, and says when its scopes changed (the app must then be reinstalled)', async () => {
      setup = await startSetupBackend();
      const { appId } = await createSlackApp(setup.clients.slack(), TOKENS.config, manifest);
      const fewerScopes = structuredClone(manifest);
      fewerScopes.oauth_config!.scopes!.bot = ['commands', 'chat:write'];

      const sameScopes = await updateSlackApp(setup.clients.slack(), TOKENS.config, appId, manifestWithEndpoints(manifest, deployed));
      const changedScopes = await updateSlackApp(setup.clients.slack(), TOKENS.config, appId, fewerScopes);

      expect(sameScopes).toEqual({ permissionsUpdated: false });
      expect(changedScopes).toEqual({ permissionsUpdated: true });
    });

    it('says that configuration tokens last 12 hours when Slack answers token_expired', async () => {
      setup = await startSetupBackend();

      await expect(createSlackApp(setup.clients.slack(), TOKENS.expiredConfig, manifest)).rejects.toThrow(/token_expired\. These tokens last 12 hours: generate a new one/);
    });

    it('refuses a bot token where a configuration token is needed', async () => {
      setup = await startSetupBackend();

      await expect(createSlackApp(setup.clients.slack(), TOKENS.bot, manifest)).rejects.toThrow(/that is not one \(they start xoxe\.xoxp-\)/);
    });

    it('passes on Slack\'s refusal of a manifest with the place it points at', async () => {
      setup = await startSetupBackend();
      const httpManifest = structuredClone(manifest);
      httpManifest.features!.slash_commands![0]!.url = 'http://abc123.execute-api.eu-west-1.amazonaws.com/slack/commands';

      await expect(createSlackApp(setup.clients.slack(), TOKENS.config, httpManifest)).rejects.toThrow('Slack app manifest: Slack refuses it (/features/slash_commands/0/url: Must be a valid https URL). Fix infra/slack-app-manifest.yaml.');
    });
  });
});

describe('manifestWithEndpoints', () => {
  it('refuses to fill in URLs that are not https, which Slack would refuse', () => {
    expect(() => manifestWithEndpoints(manifest, { ...deployed, commandsUrl: 'http://127.0.0.1:3000/slack/commands' })).toThrow(SetupError);
  });
});
