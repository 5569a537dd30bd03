import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestEndpoints, parseManifest, REQUIRED_BOT_SCOPES } from '../../shared/setup/slack-app';
import { parseCloudFormationYaml } from './cfn-yaml';

const root = path.resolve(__dirname, '../..');
const manifestText = readFileSync(path.join(root, 'infra/slack-app-manifest.yaml'), 'utf8');
const manifest = parseManifest(manifestText);

/** serverless.yml's functions and their HTTP API routes. */
const service = parseCloudFormationYaml(readFileSync(path.join(root, 'serverless.yml'), 'utf8')) as {
  functions: Record<string, { handler: string; events?: { httpApi?: { method: string; path: string } }[] }>;
};
const deployResources = readFileSync(path.join(root, 'infra/deploy-resources.yml'), 'utf8');

/** The POST route of the function whose handler is in this file. */
function routeOf(handlerFile: string): string | undefined {
  const [, definition] = Object.entries(service.functions).find(([, fn]) => fn.handler === `functions/${handlerFile}.handler`) ?? [];
  return definition?.events?.map((event) => event.httpApi).find((route) => route?.method === 'POST')?.path;
}

describe('the Slack app manifest (infra/slack-app-manifest.yaml)', () => {
  it('is valid YAML whose JSON form is what apps.manifest.create takes', () => {
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest);
    expect(Object.keys(manifest).sort()).toEqual(['_metadata', 'display_information', 'features', 'oauth_config', 'settings']);
  });

  it('sends the slash command and the buttons to the routes serverless.yml gives slack-command and slack-interactions', () => {
    const { commandsUrl, interactionsUrl } = manifestEndpoints(manifest);

    expect(routeOf('slack-command')).toBe('/slack/commands');
    expect(routeOf('slack-interactions')).toBe('/slack/interactions');
    expect(new URL(commandsUrl ?? '').pathname).toBe(routeOf('slack-command'));
    expect(new URL(interactionsUrl ?? '').pathname).toBe(routeOf('slack-interactions'));
  });

  it('has the same paths as the stack outputs setup fills the URLs from', () => {
    const { commandsUrl, interactionsUrl } = manifestEndpoints(manifest);

    expect(deployResources).toMatch(new RegExp(`SlackCommandUrl:[\\s\\S]*?Value: !Sub https://\\$\\{HttpApi\\}[^\\n]*${new URL(commandsUrl ?? '').pathname}\\n`));
    expect(deployResources).toMatch(new RegExp(`SlackInteractionsUrl:[\\s\\S]*?Value: !Sub https://\\$\\{HttpApi\\}[^\\n]*${new URL(interactionsUrl ?? '').pathname}\\n`));
  });

  it('uses https placeholders, since Slack refuses any other URL', () => {
    expect(Object.values(manifestEndpoints(manifest)).every((url) => url.startsWith('https://'))).toBe(true);
  });

  it('asks for exactly the scopes the code needs, users:read.email included', () => {
    expect([...(manifest.oauth_config?.scopes?.bot ?? [])].sort()).toEqual([...REQUIRED_BOT_SCOPES].sort());
  });

  it('declares /ide with escaped mentions (the user ids the roster and `start @bob` need), and interactivity on', () => {
    const [command] = manifest.features?.slash_commands ?? [];

    expect(command).toMatchObject({ command: '/ide', should_escape: true });
    expect(manifest.settings?.interactivity?.is_enabled).toBe(true);
    expect(manifest.settings?.socket_mode_enabled).toBe(false);
  });

  it('keeps within Slack\'s lengths (name 35, description 140, usage hint 1,000)', () => {
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
    expect(manifest.display_information.description?.length ?? 0).toBeLessThanOrEqual(140);
    expect(manifest.features?.slash_commands?.[0]?.usage_hint?.length ?? 0).toBeLessThanOrEqual(1000);
  });
});
