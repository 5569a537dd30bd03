// The sandbox picks free ports for Pebble the same way; one implementation for both.
export { freePorts } from '../../sandbox/settings';

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
