import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeHandler as makeCommandHandler } from '../../../functions/slack-command';
import { makeHandler as makeInteractionsHandler } from '../../../functions/slack-interactions';
import type { SandboxAccount } from '../../../sandbox/backend/account';
import { certificateStatusParameter, loadConfig } from '../../../shared/core/config';
import { createLogger } from '../../../shared/core/logger';
import { htpasswdLine } from '../../../shared/setup/dashboard-credential';
import { runDoctor } from '../../../shared/setup/doctor';
import { functionSettings } from '../../../shared/setup/function-environment';
import { type Finding, renderFinding } from '../../../shared/setup/findings';
import { parameterNames } from '../../../shared/setup/stage';
import { validEnv } from '../../fixtures';
import { generateKeyPairSync } from 'node:crypto';
import { formatBundle } from '../../../shared/certificate/certificate-bundle';
import { wantedNames } from '../../../shared/certificate/certificate-names';
import { selfSignedCertificate } from '../../helpers/test-certificates';
import { serveHandlers } from '../../helpers/lambda-http';
import { type SetupBackend, startSetupBackend, TOKENS } from '../../helpers/setup-backend';

const STAGE = 'test';
const SIGNING_SECRET = 'doctor-test-signing-secret';
/** What the certificate function obtained for the fixture roster's seats (1, 2, 3 and 5), and the status it wrote beside it. */
const certificate = selfSignedCertificate({ names: wantedNames('code.example.com', [1, 2, 3, 5]), days: 90 });
const statusNaming = (slots: number[]) => JSON.stringify({ mode: 'acme', names: wantedNames('code.example.com', slots), notAfter: new Date(Date.now() + 90 * 86_400_000).toISOString(), issuer: '*.code.example.com' });
const bundleOf = (pair: { certificate: string; privateKey: string }) => formatBundle({ chain: [pair.certificate], privateKey: pair.privateKey });
const accountKey = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;

/** `.env.test` of a stage set up right for the default sandbox account. */
const settings = (overrides: Record<string, string> = {}) => ({
  ...validEnv({ HOSTED_ZONE_ID: 'Z0SANDBOX0000000000', IDE_BACKEND: 'sandbox' }),
  ...overrides,
});

/** A valid ROSTER of `count` people, alice (a lead) first: about 60 bytes each. */
const longRoster = (count: number) => ['1:U0000AAA1:alice:alice@example.com', ...Array.from({ length: count - 1 }, (_unused, index) => `${index + 2}:U0000M${String(index + 2).padStart(3, '0')}:member${index + 2}:member${index + 2}@example.com`)].join(',');

interface Wrong {
  account?: (account: SandboxAccount) => void;
  settings?: Record<string, string>;
  parameters?: Record<string, string>;
  /** What the certificate function last reported. */
  certificateStatus?: string;
  deployedSigningSecret?: string;
}

describe('the doctor', () => {
  let setup: SetupBackend;
  let endpoints: Awaited<ReturnType<typeof serveHandlers>>;

  afterEach(async () => {
    await setup.close();
    await endpoints.close();
  });

  /** A deployed stage in the sandbox: parameters stored, the two endpoints served by the real handlers, and `wrong` made wrong. */
  async function examine(wrong: Wrong = {}): Promise<Finding[]> {
    const stageSettings = settings(wrong.settings);
    const names = parameterNames(STAGE, stageSettings);
    setup = await startSetupBackend({
      account: wrong.account,
      parameters: {
        [names.signingSecret]: SIGNING_SECRET,
        [names.botToken]: TOKENS.bot,
        // What the certificate function stored after the deploy (TLS_CERTIFICATE=acme, the default).
        [names.certificate]: bundleOf(certificate),
        [names.acmeAccountKey]: accountKey,
        [names.dashboardUsers]: htpasswdLine('a dashboard password'),
        ...wrong.parameters,
      },
    });
    // A String beside the certificate, as the certificate function writes it (the seeded parameters are SecureStrings).
    await setup.clients.ssm.send(new PutParameterCommand({ Name: certificateStatusParameter(names.certificate), Value: wrong.certificateStatus ?? statusNaming([1, 2, 3, 5]), Type: 'String' }));
    // The deployed functions: configured right (the settings file may have gone wrong since).
    const config = loadConfig(functionSettings({ stage: STAGE, region: 'eu-west-1', settings: settings(), sandboxUrl: setup.backend.url }));
    const logger = createLogger('doctor-test');
    const loadSigningSecret = async () => wrong.deployedSigningSecret ?? SIGNING_SECRET;
    const aws = { region: 'eu-west-1', endpoint: setup.backend.url, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } };
    endpoints = await serveHandlers({
      '/slack/commands': makeCommandHandler({ config, logger, loadSigningSecret, loadRoster: async () => config.roster, dispatch: vi.fn() }),
      '/slack/interactions': makeInteractionsHandler({ config, logger, loadSigningSecret, cloudFormation: new CloudFormationClient(aws), ssm: new SSMClient(aws), now: () => new Date() }),
    });
    setup.backend.cloudFormation.recordDeployment(`team-ide-${STAGE}`, { SlackCommandUrl: `${endpoints.url}/slack/commands`, SlackInteractionsUrl: `${endpoints.url}/slack/interactions` });
    return runDoctor({ stage: STAGE, region: 'eu-west-1', settings: stageSettings, sandboxUrl: setup.backend.url, now: () => new Date() }, setup.clients, () => undefined);
  }

  const failures = (findings: Finding[]) => findings.filter((finding) => !finding.ok);

  it('passes a stage that is set up right, one line per check', async () => {
    const findings = await examine();

    expect(failures(findings).map(renderFinding)).toEqual([]);
    expect(findings.map((finding) => finding.check)).toEqual([
      'AWS credentials',
      'Settings',
      'Function environment',
      'Roster',
      'Deployment',
      'SSM /team-ide/test/slack-signing-secret',
      'SSM /team-ide/test/slack-bot-token',
      'SSM /team-ide/test/tls-certificate',
      'SSM /team-ide/test/acme-account-key',
      'Certificate',
      'Previews',
      'SES sender',
      'SES account',
      'SES recipients',
      'Hosted zone',
      'Network',
      'Slack token',
      'Slack command endpoint',
      'Slack interactions endpoint',
    ]);
    expect(findings.map(renderFinding).every((line) => !line.includes('\n') && line.startsWith('✓ '))).toBe(true);
  });

  it.each<[string, Wrong, string | string[], RegExp]>([
    ['a zone that does not hold the domain', { settings: { HOSTED_ZONE_ID: 'Z0OTHER' }, account: (account) => void account.hostedZones.push({ id: 'Z0OTHER', name: 'example.org', privateZone: false }) }, 'Hosted zone', /set HOSTED_ZONE_ID to the zone of code\.example\.com/],
    ['a public zone of the domain that would be asked instead of HOSTED_ZONE_ID\'s', { account: (account) => void account.hostedZones.push({ id: 'Z0OWN', name: 'code.example.com', privateZone: false }) }, 'Hosted zone', /^Set HOSTED_ZONE_ID to Z0OWN, or delete that zone if no NS record points at it\.$/],
    ['a public zone of _acme-challenge.<domain>, where the CA would look for the DNS-01 answer', { account: (account) => void account.hostedZones.push({ id: 'Z0CHALLENGE', name: '_acme-challenge.code.example.com', privateZone: false }) }, 'Hosted zone', /^Delete hosted zone Z0CHALLENGE if nothing uses it, with the NS record of _acme-challenge\.code\.example\.com in /],
    ['an unverified sender', { account: (account) => void (account.ses.identities = {}) }, 'SES sender', /verify the domain example\.com or the address/],
    ['a subnet without a route to an internet gateway', { account: (account) => void (account.routeTables[0]!.routes = account.routeTables[0]!.routes.filter((route) => !route.gatewayId?.startsWith('igw-'))) }, 'Network', /add the route 0\.0\.0\.0\/0 → igw-…/],
    ['a bot token without the commands scope', { parameters: { '/team-ide/test/slack-bot-token': TOKENS.botWithoutCommands } }, 'Slack token', /reinstall it to the workspace/],
    ['a deployment that checks with another signing secret', { deployedSigningSecret: 'the-previous-signing-secret' }, ['Slack command endpoint', 'Slack interactions endpoint'], /store the app's current signing secret/],
    ['a roster document someone edited by hand', { parameters: { '/team-ide-test/roster': '{"version":1,"members":[{"seat":1}]}' } }, 'Roster', /delete \/team-ide-test\/roster to start again from ROSTER/],
    ['a certificate the certificate function could not renew', { parameters: { '/team-ide/test/tls-certificate': bundleOf(selfSignedCertificate({ names: ['*.code.example.com', 'code.example.com'], days: 12 })) } }, 'Certificate', /certificate function/],
    ['a certificate that lacks a roster seat\'s previews', { certificateStatus: statusNaming([1, 2, 3]) }, 'Previews', /^run the certificate function, which adds every roster seat's name: `aws lambda invoke --function-name team-ide-test-certificate \/dev\/stdout`\.$/],
    ['a ROSTER setting long enough to push the functions\' environment past Lambda\'s 4 KB', { settings: { ROSTER: longRoster(70) }, certificateStatus: statusNaming(Array.from({ length: 70 }, (_unused, index) => index + 1)) }, 'Function environment', /^run `npm run setup -- --stage test`: it moves the roster into SSM \(\/team-ide-test\/roster\)/],
    ['a dashboard credential that is no htpasswd line (the dashboard on)', { settings: { ADMIN_CIDR: '203.0.113.7/32' }, parameters: { '/team-ide/test/dashboard-users': 'admin:plain-password' } }, 'SSM /team-ide/test/dashboard-users', /store the dashboard's htpasswd line with `npm run setup`/],
  ])('fails %s, with the fix, and nothing else', async (_what, wrong, check, fix) => {
    const findings = await examine(wrong);

    const failed = failures(findings);
    expect(failed.map((finding) => finding.check)).toEqual([check].flat());
    for (const finding of failed) expect(finding.fix).toMatch(fix);
  });

  it('fails settings the functions would refuse, naming them, and stops there', async () => {
    const findings = await examine({ settings: { MAX_SEATS: '0' } });

    expect(findings.map(renderFinding)).toEqual([
      expect.stringMatching(/^✓ AWS credentials/),
      '✗ Settings: the functions would refuse to start: MAX_SEATS must be a whole number from 1 to 30. Fix: fix .env.test (`npm run setup -- --stage test` writes it) and deploy again.',
    ]);
  });
});
