import { type BackendOptions, type SandboxBackend, startBackend } from '../../sandbox/backend/server';

/** What the tests' SDK clients sign with: the sandbox takes any, so these open nothing real. */
export const credentials = { accessKeyId: 'AKIDSANDBOXTEST', secretAccessKey: 'sandbox-test' };

/** The sandbox backend on a free loopback port, quiet, with no stack events going anywhere; tests set what they need. */
export function startTestBackend(options: Partial<BackendOptions> = {}): Promise<SandboxBackend> {
  return startBackend({
    host: '127.0.0.1',
    port: 0,
    region: 'eu-west-1',
    accountId: '000000000000',
    stackDelayMs: 0,
    snapshotMs: 0,
    deployment: 'team-ide-test-ides',
    botToken: 'xoxb-test',
    parameters: {},
    nameOf: () => undefined,
    publish: async () => undefined,
    log: () => undefined,
    ...options,
  });
}
