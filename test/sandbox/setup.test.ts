import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { teamTemplateBody } from '../../infra/team-template';
import { checkLauncherTemplate, startSandbox } from '../../sandbox/sandbox';
import { loadConfig } from '../../shared/core/config';
import { MAX_SLOT } from '../../shared/core/host-network';
import { validEnv } from '../fixtures';
import { serverlessProblem } from '../../sandbox/serverless-offline';
import { parseEnvFile, readFailSlot, readPorts, SandboxSetupError } from '../../sandbox/settings';
import { sandboxShell } from '../helpers/local-servers';

/** What `npm start` prints when it cannot start: the message of a SandboxSetupError, on one line. */
async function setupProblem(shellEnv: NodeJS.ProcessEnv): Promise<string> {
  const lines: string[] = [];
  const error = await startSandbox({ shellEnv, log: (line) => lines.push(line) }).then(
    async (sandbox) => {
      await sandbox.stop();
      throw new Error('expected the sandbox not to start');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SandboxSetupError);
  expect((error as Error).message).not.toContain('\n');
  return (error as Error).message;
}

describe('starting the sandbox with bad input', () => {
  let blocker: Server | undefined;

  afterEach(async () => {
    await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
    blocker = undefined;
  });

  it('names a port in use and the setting that moves it, before starting anything', async () => {
    const env = await sandboxShell();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(Number(env.SANDBOX_SES_PORT), '127.0.0.1', resolve));

    expect(await setupProblem(env)).toBe(`port ${env.SANDBOX_SES_PORT} is in use: stop what uses it or set SANDBOX_SES_PORT`);
  });

  it('names a wrong setting of the functions and where to change it', async () => {
    expect(await setupProblem(await sandboxShell({ MAX_SEATS: '0' }))).toBe('MAX_SEATS must be a whole number from 1 to 30 (in .env.sandbox or the shell)');
  }, 30_000);

  it('refuses a template whose Fn::ForEach refers to Name${Slot} in a plain Ref, as cfn-lint does', () => {
    // Prepare
    const config = loadConfig(validEnv());
    const plainRef = teamTemplateBody.replace("Ref: !Sub 'DevPassword${Slot}'", "Ref: 'DevPassword${Slot}'");

    // Act
    const act = () => checkLauncherTemplate(plainRef, config);

    // Assess
    expect(() => checkLauncherTemplate(teamTemplateBody, config)).not.toThrow();
    expect(act).toThrow(SandboxSetupError);
    expect(act).toThrow(/^infra\/team-stack\.yaml is broken: .*Unresolved resource dependencies \[DevPassword\$\{Slot\}\]/);
  });

  it.each([
    [{ SANDBOX_HTTP_PORT: 'http' }, 'SANDBOX_HTTP_PORT must be a port number from 1 to 65535, not "http"'],
    [{ SANDBOX_HTTP_PORT: '4000', SANDBOX_LAMBDA_PORT: '4000' }, 'SANDBOX_LAMBDA_PORT and SANDBOX_HTTP_PORT are both 4000: give each its own port'],
  ])('refuses ports it cannot use: %o', (env, message) => {
    expect(() => readPorts(env)).toThrow(message);
  });

  it('takes any seat as SANDBOX_FAIL_SLOT, up to the last (MAX_SLOT), and nothing past it', () => {
    expect(readFailSlot({ SANDBOX_FAIL_SLOT: String(MAX_SLOT) })).toBe(MAX_SLOT);
    expect(() => readFailSlot({ SANDBOX_FAIL_SLOT: String(MAX_SLOT + 1) })).toThrow(SandboxSetupError);
  });

  it('names a CA it cannot run, before starting anything', async () => {
    expect(await setupProblem(await sandboxShell({ SANDBOX_ACME: 'letsencrypt' }))).toBe('SANDBOX_ACME must be pebble (or unset), not "letsencrypt"');
  });

  it('turns serverless\'s report of a missing variable into the setting to add', () => {
    const stderr = 'Environment: linux, node 20.20.2, osls 4.3.1 (local)\n\nError:\nCannot resolve serverless.yml: Variables resolution errored with:\n  - Cannot resolve variable at "provider.environment.ROSTER": Value not found at "env" source\n';

    expect(serverlessProblem(stderr)).toBe('ROSTER is missing: set it in .env.sandbox');
    expect(serverlessProblem('\nError:\nsomething else broke\n  in two lines\n')).toBe('serverless.yml cannot be read for stage sandbox: something else broke in two lines');
  });
});

describe('parseEnvFile', () => {
  it('reads KEY=VALUE lines, values as they stand, and skips comments', () => {
    expect(parseEnvFile('# a comment\nA=1\n  B = Team IDE <ide@example.com>\n\n#C=3\n')).toEqual({ A: '1', B: 'Team IDE <ide@example.com>' });
  });
});
