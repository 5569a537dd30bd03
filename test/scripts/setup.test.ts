import bcrypt from 'bcryptjs';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupCommand } from '../../scripts/setup';
import { terminalPrompter } from '../../scripts/cli/terminal-prompter';
import { loadConfig } from '../../shared/core/config';
import { parseRoster } from '../../shared/core/roster';
import { checkFunctionEnvironment, functionSettings } from '../../shared/setup/function-environment';
import { decodeRoster, encodeRoster } from '../../shared/team/roster-document';
import { readEnvText } from '../../shared/setup/env-file';
import { manifestEndpoints, type Manifest } from '../../shared/setup/slack-app';
import { parameterNames } from '../../shared/setup/stage';
import { formatBundle } from '../../shared/certificate/certificate-bundle';
import { selfSignedCertificate } from '../helpers/test-certificates';
import { type SetupBackend, startSetupBackend, TOKENS } from '../helpers/setup-backend';

const REPO = path.resolve(__dirname, '../..');
const DEPLOYED = { SlackCommandUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/slack/commands', SlackInteractionsUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/slack/interactions' };
const certificate = selfSignedCertificate({ names: ['*.code.example.com', 'code.example.com'], days: 90 });

describe('npm run setup', () => {
  let setup: SetupBackend;
  let dir: string;
  let lines: string[];
  let deploys: number;

  beforeEach(async () => {
    setup = await startSetupBackend();
    dir = mkdtempSync(path.join(tmpdir(), 'team-ide-setup-'));
    mkdirSync(path.join(dir, 'infra'));
    copyFileSync(path.join(REPO, 'infra/slack-app-manifest.yaml'), path.join(dir, 'infra/slack-app-manifest.yaml'));
    writeFileSync(path.join(dir, 'fullchain.pem'), certificate.certificate);
    writeFileSync(path.join(dir, 'privkey.pem'), certificate.privateKey);
    lines = [];
    deploys = 0;
  });

  afterEach(async () => {
    await setup.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** setup as a script runs it: flags only, no terminal; the deploy leaves the stack `serverless deploy` would. */
  const run = (flags: string[]) =>
    setupCommand(['--stage', 'demo', ...flags], {
      shellEnv: { IDE_BACKEND: 'sandbox', SANDBOX_BACKEND_PORT: new URL(setup.backend.url).port },
      repoRoot: dir,
      prompter: terminalPrompter({ interactive: false, out: (line) => lines.push(line) }),
      deploy: async () => {
        deploys += 1;
        if (deploys === 1) setup.backend.cloudFormation.recordDeployment('team-ide-demo', DEPLOYED);
        return 'deployed' as const;
      },
    });
  const envFile = () => readEnvText(readFileSync(path.join(dir, '.env.demo'), 'utf8'));
  const parameter = (name: string) => setup.backend.parameterStore.handle('GetParameter', { Name: name, WithDecryption: true }) as { Parameter: { Value: string; Type: string } };
  const names = parameterNames('demo', {});

  /** The flags of a first run: what setup cannot find by itself. */
  const firstRun = () => [
    '--domain', 'code.example.com',
    '--ses-from', 'Team IDE <ide@example.com>',
    '--allowed-users', 'U0000LEAD,U0000AAA1',
    '--slack-config-token', TOKENS.config,
    '--slack-bot-token', TOKENS.bot,
    '--admin-cidr', '203.0.113.7/32',
    '--certificate-file', path.join(dir, 'fullchain.pem'),
    '--private-key-file', path.join(dir, 'privkey.pem'),
  ];

  it('finds, stores and remembers everything from flags alone, deploys, and points the new Slack app at the deployment', async () => {
    expect(await run(firstRun())).toBe(0);

    // Found and remembered: the zone, the network, the bot's ids, the app; the roster from the leads' Slack profiles.
    expect(envFile()).toEqual({
      AWS_REGION: 'eu-west-1',
      DOMAIN_NAME: 'code.example.com',
      HOSTED_ZONE_ID: 'Z0SANDBOX0000000000',
      VPC_ID: 'vpc-0123456789abcdef0',
      SUBNET_ID: 'subnet-0123456789abcdef0',
      SLACK_APP_ID: 'A0SANDBOX1',
      SLACK_BOT_ID: 'B0000BOT1',
      SLACK_BOT_USER_ID: 'U0000BOT1',
      SLACK_TEAM_ID: 'T0000TEAM',
      ALLOWED_USERS: 'U0000LEAD,U0000AAA1',
      ALLOWED_CHANNELS: '*',
      ROSTER: '1:U0000LEAD:lead:lead@example.com,2:U0000AAA1:alice:alice@example.com',
      SES_FROM_ADDRESS: 'Team IDE <ide@example.com>',
      // A certificate was brought: the certificate function only watches its expiry.
      TLS_CERTIFICATE: 'own',
      // The dashboard is on for the admins' range.
      ADMIN_CIDR: '203.0.113.7/32',
    });
    // The secrets went to SSM SecureStrings: the signing secret the new app came with, the token, the certificate, a dashboard line.
    const [app] = setup.backend.slack.apps;
    expect(parameter(names.signingSecret).Parameter).toMatchObject({ Type: 'SecureString', Value: app?.signingSecret });
    expect(parameter(names.botToken).Parameter).toMatchObject({ Type: 'SecureString', Value: TOKENS.bot });
    expect(parameter(names.certificate).Parameter).toMatchObject({ Type: 'SecureString', Value: formatBundle({ chain: [certificate.certificate], privateKey: certificate.privateKey }) });
    const dashboardLine = parameter(names.dashboardUsers).Parameter.Value;
    const password = /password (\S+)\. It is shown once/.exec(lines.join('\n'))?.[1] ?? '';
    expect(bcrypt.compareSync(password, dashboardLine.slice(dashboardLine.indexOf(':') + 1))).toBe(true);
    // Deployed once, and the app now sends Slack's requests to the deployment.
    expect(deploys).toBe(1);
    expect(manifestEndpoints(app?.manifest as Manifest)).toEqual({ commandsUrl: DEPLOYED.SlackCommandUrl, interactionsUrl: DEPLOYED.SlackInteractionsUrl });
    // No secret in the settings file or the output; the functions accept the settings.
    const written = readFileSync(path.join(dir, '.env.demo'), 'utf8');
    for (const secret of [TOKENS.bot, TOKENS.config, app?.signingSecret ?? '?', certificate.privateKey]) {
      expect(written).not.toContain(secret);
      expect(lines.join('\n')).not.toContain(secret);
    }
    expect(() => loadConfig(functionSettings({ stage: 'demo', region: 'eu-west-1', settings: { ...envFile(), IDE_BACKEND: 'sandbox' }, sandboxUrl: setup.backend.url }))).not.toThrow();
    expect(lines.at(-1)).toBe('Done. Check everything with `npm run doctor -- --stage demo`, then try `/ide help` in Slack.');
  });

  it('asks nothing the second time: every answer is remembered or stored', async () => {
    await run(firstRun());
    const before = envFile();
    lines = [];

    expect(await run(['--slack-config-token', TOKENS.config])).toBe(0);

    expect(envFile()).toEqual(before);
    expect(setup.backend.slack.apps).toHaveLength(1);
    expect(lines).toContain('Pointed the Slack app A0SANDBOX1 at https://abc123.execute-api.eu-west-1.amazonaws.com/slack/commands and https://abc123.execute-api.eu-west-1.amazonaws.com/slack/interactions.');
    expect(lines.join('\n')).not.toMatch(/dashboard .* password/);
  });

  it('without a configuration token, prints the manifest with the deployed URLs to paste', async () => {
    await run(firstRun().filter((flag, index, all) => flag !== '--slack-config-token' && all[index - 1] !== '--slack-config-token').concat('--slack-signing-secret', 'a-signing-secret'));

    const manifest = JSON.parse(lines.find((line) => line.startsWith('{')) ?? '{}') as Manifest;
    expect(manifestEndpoints(manifest)).toEqual({ commandsUrl: DEPLOYED.SlackCommandUrl, interactionsUrl: DEPLOYED.SlackInteractionsUrl });
    expect(parameter(names.signingSecret).Parameter.Value).toBe('a-signing-secret');
  });

  it('names the flag of an answer it cannot find and has no terminal to ask for', async () => {
    await expect(run([])).rejects.toThrow('Domain the IDEs live under (each developer gets dev-N.<domain>), e.g. code.example.com: not known, and there is no terminal to ask on. Give --domain.');
    expect(deploys).toBe(0);
  });

  it.each<[string, string[], RegExp]>([
    ['a bot token without the commands scope', ['--slack-bot-token', TOKENS.botWithoutCommands], /^Slack token: the bot token of example lacks commands\. update the app/],
    ['a domain no zone of the account holds', ['--domain', 'code.example.org'], /^Hosted zone: no public hosted zone in this account holds code\.example\.org\. create one for example\.org/],
    ['a zone that does not hold the domain', ['--hosted-zone-id', 'Z0NOTTHERE'], /^Hosted zone: HOSTED_ZONE_ID Z0NOTTHERE does not exist in this account\./],
    ['a subnet that does not exist', ['--vpc-id', 'vpc-0123456789abcdef0', '--subnet-id', 'subnet-0123456789abcdeff'], /^Network: SUBNET_ID subnet-0123456789abcdeff does not exist/],
    ['an expired configuration token', ['--slack-config-token', TOKENS.expiredConfig], /These tokens last 12 hours/],
    ['a domain the config module would refuse', ['--domain', 'https://code.example.com'], /^--domain https:\/\/code\.example\.com: DOMAIN_NAME must be a domain name like code\.example\.com, without https:\/\/ or a trailing dot\.$/],
    ['a channel id among the leads', ['--allowed-users', 'U0000LEAD,C0000TEAM'], /^--allowed-users U0000LEAD,C0000TEAM: ALLOWED_USERS has C0000TEAM, which is not a Slack member id \(upper-case, like U0123ABCD\)\.$/],
    ['a certificate for another domain', ['--domain', 'dev.example.com'], /^Certificate: it is for \*\.code\.example\.com, code\.example\.com, not \*\.dev\.example\.com and dev\.example\.com\./],
  ])('stops at %s, saying what to do, before deploying', async (_what, flags, message) => {
    const merged = firstRun();
    for (let index = 0; index < flags.length; index += 2) {
      const at = merged.indexOf(flags[index] as string);
      if (at >= 0) merged.splice(at, 2, flags[index] as string, flags[index + 1] as string);
      else merged.push(flags[index] as string, flags[index + 1] as string);
    }

    await expect(run(merged)).rejects.toThrow(message);
    expect(deploys).toBe(0);
  });

  it('stops when the default VPC has no subnet with a route to an internet gateway, saying what to add', async () => {
    const [main] = setup.account.routeTables;
    main!.routes = main!.routes.filter((route) => route.gatewayId === 'local');

    await expect(run(firstRun())).rejects.toThrow(/^Network: vpc-0123456789abcdef0 has no public subnet: none routes 0\.0\.0\.0\/0 to an internet gateway, so the host could not be reached\. attach an internet gateway/);
    expect(deploys).toBe(0);
  });

  it('getting the certificate from Let\'s Encrypt, stops at a public zone of _acme-challenge.<domain>, which would hide the DNS-01 answer; with its own certificate, goes on', async () => {
    // Prepare: a zone left over where the CA looks, beside the parent's zone setup finds.
    await setup.close();
    setup = await startSetupBackend({ account: (account) => void account.hostedZones.push({ id: 'Z0CHALLENGE', name: '_acme-challenge.code.example.com', privateZone: false }) });
    const withoutCertificate = firstRun().filter((flag, index, flags) => !['--certificate-file', '--private-key-file'].includes(flag) && !['--certificate-file', '--private-key-file'].includes(flags[index - 1] ?? ''));

    // Act, Assess
    await expect(run(withoutCertificate)).rejects.toThrow('Hosted zone: _acme-challenge.code.example.com has its own public zone Z0CHALLENGE: the CA would look for the certificate\'s DNS-01 answer there, not in Z0SANDBOX0000000000 (example.com), and every renewal would fail. Delete hosted zone Z0CHALLENGE if nothing uses it');
    expect(deploys).toBe(0);
    expect(await run(firstRun())).toBe(0);
    expect(lines).toContain('✓ Hosted zone: Z0SANDBOX0000000000 (example.com, public) holds code.example.com.');
  });

  it('in the SES sandbox, asks SES to verify the roster\'s addresses when told to', async () => {
    setup.account.ses.productionAccessEnabled = false;

    await run([...firstRun(), '--verify-recipients']);

    expect(setup.account.ses.identities).toEqual({ 'example.com': 'Success' });
    expect(lines.some((line) => line.startsWith('✓ SES recipients: in the SES sandbox, and all 2 roster addresses are verified.'))).toBe(true);
    await run([...firstRun(), '--allowed-users', 'U0000BBB2', '--roster', '1:U0000BBB2:bob:bob@example.org', '--verify-recipients']);
    expect(setup.account.ses.identities['bob@example.org']).toBe('Pending');
  });

  it('against the sandbox (IDE_BACKEND=sandbox), deploys nothing and says how to check what `npm start` runs', async () => {
    await setupCommand(['--stage', 'demo', ...firstRun()], {
      shellEnv: { IDE_BACKEND: 'sandbox', SANDBOX_BACKEND_PORT: new URL(setup.backend.url).port },
      repoRoot: dir,
      prompter: terminalPrompter({ interactive: false, out: (line) => lines.push(line) }),
    });

    expect(lines.at(-1)).toBe('Nothing to deploy to the sandbox: `npm start` runs the functions (stage sandbox), and `npm run doctor -- --stage sandbox` checks them.');
    expect(envFile().SLACK_APP_ID).toBe('A0SANDBOX1');
  });

  it('without a certificate, leaves it to the deploy (Let\'s Encrypt) and remembers no TLS_CERTIFICATE', async () => {
    const withoutCertificate = firstRun().slice(0, -4);

    await run([...withoutCertificate, '--no-deploy']);

    expect(lines).toContain('✓ Certificate: the deploy gets *.code.example.com from Let\'s Encrypt and renews it (TLS_CERTIFICATE=acme).');
    expect(envFile().TLS_CERTIFICATE).toBeUndefined();
    expect(setup.backend.parameterStore.names()).not.toContain(names.certificate);
  });

  it('moves a ROSTER that would take the functions past Lambda\'s 4 KB of variables into SSM, and keeps only the leads in it', async () => {
    // Prepare: a roster of 70, the leads U0000LEAD and U0000AAA1 among them.
    const members = ['1:U0000LEAD:lead:lead@example.com', '2:U0000AAA1:alice:alice@example.com', ...Array.from({ length: 68 }, (_unused, index) => `${index + 3}:U0000M${String(index + 3).padStart(3, '0')}:member${index + 3}:member${index + 3}@example.com`)];

    // Act
    await run([...firstRun(), '--roster', members.join(','), '--no-deploy']);

    // Assess: the team's roster is in SSM, whole; ROSTER holds the leads; the deploy's variables fit.
    const stored = setup.backend.parameterStore.handle('GetParameter', { Name: '/team-ide-demo/roster' }) as { Parameter: { Value: string } };
    expect(decodeRoster(stored.Parameter.Value)).toEqual(parseRoster(members.join(',')).roster);
    expect(envFile().ROSTER).toBe('1:U0000LEAD:lead:lead@example.com,2:U0000AAA1:alice:alice@example.com');
    expect(lines).toContainEqual(expect.stringMatching(/^✓ Function environment: ROSTER \(\d{4} bytes\) would take each function's variables to about \d{4} bytes, past the 4096 Lambda allows: stored the roster in \/team-ide-demo\/roster \(SSM\), where `\/ide roster` keeps it, and kept only the leads in ROSTER\.$/));
    expect(checkFunctionEnvironment({ stage: 'demo', region: 'eu-west-1', settings: envFile() })).toMatchObject({ ok: true });
    expect(lines.filter((line) => line.startsWith('✗'))).toEqual([]);
  });

  it('leaves a team\'s roster already stored in SSM as it is when it shortens ROSTER', async () => {
    // Prepare: the team's own roster, stored by `/ide roster add`.
    const teamRoster = [{ slot: 1, userId: 'U0000LEAD', name: 'lead', email: 'lead@example.com' }, { slot: 4, userId: 'U0000DDD4', name: 'dave', email: 'dave@example.com' }];
    setup.backend.parameterStore.put('/team-ide-demo/roster', encodeRoster(teamRoster), 'String');
    const members = ['1:U0000LEAD:lead:lead@example.com', ...Array.from({ length: 69 }, (_unused, index) => `${index + 2}:U0000M${String(index + 2).padStart(3, '0')}:member${index + 2}:member${index + 2}@example.com`)];

    // Act
    await run([...firstRun(), '--roster', members.join(','), '--no-deploy']);

    // Assess
    const stored = setup.backend.parameterStore.handle('GetParameter', { Name: '/team-ide-demo/roster' }) as { Parameter: { Value: string; Version: number } };
    expect(decodeRoster(stored.Parameter.Value)).toEqual(teamRoster);
    expect(stored.Parameter.Version).toBe(1);
    expect(envFile().ROSTER).toBe('1:U0000LEAD:lead:lead@example.com');
    expect(lines).toContainEqual(expect.stringContaining('the team\'s roster is in /team-ide-demo/roster (SSM) already, and kept only the leads in ROSTER.'));
    // The 69 people ROSTER named beside the lead are in neither now: setup names them, says how to seat them, and still writes.
    const leftOut = lines.find((line) => line.startsWith('✗ Roster: '));
    expect(leftOut).toBe('✗ Roster: 69 of the 70 people in ROSTER are not on the team\'s roster in /team-ide-demo/roster (SSM) (which `/ide roster` keeps and the functions read), and with ROSTER cut to the leads are on neither: @member2, @member3, @member4, @member5, @member6 and 64 more. Fix: if they belong on the team, add them in Slack once deployed: `/ide roster add @member2 @member3 @member4 @member5 @member6 …` (type @ and pick each person from the list; one command takes several). If `/ide roster remove` took them off, nothing is to be done.');
    expect(lines.join('\n')).not.toMatch(/member\d+@example\.com/);
    expect(lines.at(-1)).toContain('Not deployed (--no-deploy)');
  });

  it('with --no-deploy, stores and remembers but does not deploy', async () => {
    await run([...firstRun(), '--no-deploy']);

    expect(deploys).toBe(0);
    expect(envFile().DOMAIN_NAME).toBe('code.example.com');
    expect(lines.at(-1)).toContain('Not deployed (--no-deploy)');
  });

  it('remembers exactly what serverless.yml needs: `serverless print` resolves the stage with it, and the parameter names agree', async () => {
    await run([...firstRun(), '--no-deploy']);

    const { stdout } = await promisify(execFile)(process.execPath, [path.join(REPO, 'node_modules/serverless/bin/serverless.js'), 'print', '--stage', 'demo', '--format', 'json'], {
      cwd: REPO,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_ACCESS_KEY_ID: 'AKIDFAKE', AWS_SECRET_ACCESS_KEY: 'fake', ...envFile() },
      maxBuffer: 16 * 1024 * 1024,
    });
    const environment = (JSON.parse(stdout) as { provider: { environment: Record<string, string> } }).provider.environment;

    expect(environment).toMatchObject({
      ROSTER: envFile().ROSTER,
      SLACK_BOT_ID: 'B0000BOT1',
      HOSTED_ZONE_ID: 'Z0SANDBOX0000000000',
      SLACK_SIGNING_SECRET_PARAMETER: names.signingSecret,
      SLACK_BOT_TOKEN_PARAMETER: names.botToken,
      CERTIFICATE_PARAMETER: names.certificate,
      ACME_ACCOUNT_KEY_PARAMETER: names.acmeAccountKey,
      DASHBOARD_USERS_PARAMETER: names.dashboardUsers,
      TLS_CERTIFICATE: 'own',
    });
  }, 60_000);
});

describe('npm run setup -- --help', () => {
  it('lists every flag', async () => {
    const lines: string[] = [];

    await setupCommand(['--help'], { shellEnv: {}, repoRoot: REPO, prompter: terminalPrompter({ interactive: false, out: (line) => lines.push(line) }), deploy: vi.fn() });

    expect(lines.join('\n')).toMatch(/--slack-config-token\s+a Slack app configuration token/);
  });
});
