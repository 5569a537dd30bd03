/**
 * `npm start`: the whole flow on this machine, with no AWS account and no Slack app.
 * Prints where to send commands and read the emails; Ctrl-C stops everything.
 */
import { startSandbox } from './sandbox';
import { PORT_SETTINGS, SandboxSetupError } from './settings';

async function main(): Promise<void> {
  // On Node 20 the SDK warns that it will want Node 22 from 2027: noise here (Lambda runs 24).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  console.log('Starting the team-ide sandbox (stage "sandbox")…');
  const sandbox = await startSandbox({ shellEnv: process.env, log: (line) => console.log(line) });
  const { urls, sender, certificate } = sandbox;
  console.log(
    [
      '',
      'team-ide sandbox is running. No cloud resource is created: the functions call local stand-ins',
      `(${PORT_SETTINGS.backend.serves.replace(/^the stand-ins for /, '')}), and the links in the emails point nowhere.`,
      '',
      `  Slack command endpoint   POST ${urls.commands}`,
      `  Emails (inbox page)      ${urls.inbox}`,
      `  Slack messages           ${urls.slackMessages}`,
      `  Commands are signed as   @${sender.member.name} (${sender.member.userId}) in ${sender.channelId}`,
      ...(certificate
        ? [`  TLS certificate (Pebble) ${certificate.subject}, ${certificate.names}`, `                           issued by ${certificate.issuer}, valid until ${certificate.notAfter}`]
        : ['  TLS certificate          not obtained (SANDBOX_ACME=pebble gets one from Pebble, Let\'s Encrypt\'s test CA)']),
      '',
      'In another terminal:  npm run slack -- "/ide start 3"   then "/ide status", "/ide stop"',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutDown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the sandbox…`);
    sandbox.stop().then(
      () => {
        console.log('Stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`The sandbox did not stop cleanly: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutDown);
  process.on('SIGTERM', shutDown);
}

main().catch((error: unknown) => {
  // A setup problem is one line that says what to change; anything else is a bug, with its stack.
  console.error(error instanceof SandboxSetupError ? `npm start: ${error.message}` : error);
  process.exit(1);
});
