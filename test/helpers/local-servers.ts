import { freePorts } from '../../sandbox/settings';

// The sandbox picks free ports for Pebble the same way; one implementation for both.
export { freePorts };

/** Polls `probe` until it returns a value, or throws after `timeoutMs` saying what never happened. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The shell of someone running `npm start` on free ports, with `extra` set: no other variable of the test's environment. */
export async function sandboxShell(extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  const [http, lambda, backend, ses] = (await freePorts(4)).map(String);
  return { PATH: process.env.PATH, HOME: process.env.HOME, SANDBOX_HTTP_PORT: http, SANDBOX_LAMBDA_PORT: lambda, SANDBOX_BACKEND_PORT: backend, SANDBOX_SES_PORT: ses, ...extra };
}
