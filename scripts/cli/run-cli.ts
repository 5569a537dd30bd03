import { SetupError } from '../../shared/setup/findings';

/**
 * Runs a command-line entry point: a problem the user can fix (a SetupError, a wrong flag)
 * is one line that says what to do; anything else is a bug, shown with its stack.
 */
export function runCli(name: string, main: () => Promise<number>): void {
  // On Node 20 the SDK warns that it will want Node 22 from 2027: noise in a command's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      const known = error instanceof SetupError || String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS');
      console.error(known ? `npm run ${name}: ${(error as Error).message}` : error);
      process.exit(1);
    },
  );
}
