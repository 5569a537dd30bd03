import type { Route53Client } from '@aws-sdk/client-route-53';
import { afterEach } from 'vitest';
import { defaultSandboxAccount, type SandboxAccount } from '../../sandbox/backend/account';
import type { SandboxBackend } from '../../sandbox/backend/server';
import { SANDBOX_BOT_SCOPES, type SandboxWorkspace } from '../../sandbox/backend/slack';
import { createClients } from '../../scripts/cli/stage-context';
import type { SetupClients } from '../../shared/setup/aws-clients';
import { startTestBackend } from './sandbox-backend';

/** Fake tokens of the test workspace; nothing here opens anything real. */
export const TOKENS = {
  bot: 'xoxb-fake-setup',
  botWithoutCommands: 'xoxb-fake-no-commands',
  botWithoutEmail: 'xoxb-no-email',
  config: 'xoxe.xoxp-fake-setup',
  expiredConfig: 'xoxe.xoxp-expired',
} as const;

/** The workspace setup and the doctor meet in tests: two leads and a developer, tokens with and without scopes. */
export function testWorkspace(): SandboxWorkspace {
  const bot = { botId: 'B0000BOT1', botUserId: 'U0000BOT1' };
  return {
    teamId: 'T0000TEAM',
    teamName: 'example',
    users: [
      { id: 'U0000LEAD', name: 'lead', email: 'lead@example.com' },
      { id: 'U0000AAA1', name: 'alice', email: 'alice@example.com' },
      { id: 'U0000BBB2', name: 'bob', email: 'bob@example.org' },
      { id: 'U0000GONE', name: 'gone', email: 'gone@example.com', deleted: true },
      { id: 'U0000BOT1', name: 'team-ide', isBot: true },
    ],
    botTokens: {
      [TOKENS.bot]: { ...bot, scopes: SANDBOX_BOT_SCOPES },
      [TOKENS.botWithoutCommands]: { ...bot, scopes: SANDBOX_BOT_SCOPES.filter((scope) => scope !== 'commands') },
      [TOKENS.botWithoutEmail]: { ...bot, scopes: SANDBOX_BOT_SCOPES.filter((scope) => scope !== 'users:read.email') },
    },
    configTokens: { [TOKENS.config]: { expired: false }, [TOKENS.expiredConfig]: { expired: true } },
  };
}

export interface SetupBackend {
  backend: SandboxBackend;
  account: SandboxAccount;
  clients: SetupClients;
  close(): Promise<void>;
}

/**
 * The sandbox backend with an account and a workspace to find things in, and the clients
 * setup and the doctor would make for a stage with IDE_BACKEND=sandbox pointing at it.
 */
export async function startSetupBackend(options: { account?: (account: SandboxAccount) => void; parameters?: Record<string, string> } = {}): Promise<SetupBackend> {
  const account = defaultSandboxAccount('000000000000');
  options.account?.(account);
  const backend = await startTestBackend({ stackDelayMs: 10, botToken: TOKENS.bot, parameters: options.parameters ?? {}, account, workspace: testWorkspace() });
  const clients = createClients({ region: 'eu-west-1', backend: { kind: 'sandbox', url: backend.url }, settings: {} });
  return { backend, account, clients, close: () => backend.close() };
}

/** A hosted zone of the sandbox's account. */
export const hostedZone = (id: string, name: string, privateZone = false) => ({ id, name, privateZone });

/**
 * For a describe block of hosted-zone tests: starts a setup backend whose account holds just
 * the zones given, and closes it after each test.
 */
export function backendWithZones(): (zones: SandboxAccount['hostedZones']) => Promise<{ route53: Route53Client; account: SandboxAccount }> {
  let started: SetupBackend | undefined;
  afterEach(async () => {
    await started?.close();
    started = undefined;
  });
  return async (zones) => {
    started = await startSetupBackend({ account: (account) => void (account.hostedZones = zones) });
    return { route53: started.clients.route53, account: started.account };
  };
}
