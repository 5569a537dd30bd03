/**
 * Runs one function's handler in a process of its own, as Lambda does: the module builds
 * its clients from this process's environment when imported (AWS_ENDPOINT_URL_*, and
 * NODE_EXTRA_CA_CERTS, which Node reads only at start). Prints the handler's result after
 * OUTCOME_MARKER. Usage: tsx test/helpers/invoke-handler.ts functions/certificate.ts
 */
import path from 'node:path';

export const OUTCOME_MARKER = '@@team-ide-outcome ';

async function main(): Promise<void> {
  const modulePath = process.argv[2];
  if (!modulePath) throw new Error('usage: invoke-handler.ts <functions/x.ts>');
  const { handler } = (await import(path.resolve(modulePath))) as { handler: (event: unknown) => Promise<unknown> };
  const outcome = await handler({});
  process.stdout.write(`\n${OUTCOME_MARKER}${JSON.stringify(outcome)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
