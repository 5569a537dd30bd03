import { ChangeResourceRecordSetsCommand, GetHostedZoneCommand, ListHostedZonesByNameCommand, NoSuchHostedZone, Route53Client } from '@aws-sdk/client-route-53';
import { DeleteParameterCommand, GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/certificate';
import { formatBundle, parseBundle } from '../../shared/certificate/certificate-bundle';
import { CertificateCheckReported } from '../../shared/certificate/certificate-errors';
import { wantedNames } from '../../shared/certificate/certificate-names';
import { loadConfig } from '../../shared/core/config';
import { validEnv } from '../fixtures';
import { recordingLogger, recordingPoster } from '../helpers/run-fixtures';
import { selfSignedCertificate } from '../helpers/test-certificates';

const ssm = mockClient(SSMClient);
const route53 = mockClient(Route53Client);
const CERTIFICATE = '/team-ide/test/tls-certificate';
const STATUS = '/team-ide/test/tls-certificate-status';
/** What the fixture roster's seats (1, 2, 3 and 5) need: the domain, its wildcard, and each seat's previews. */
const names = wantedNames('code.example.com', [1, 2, 3, 5]);

function bundleExpiringIn(days: number): string {
  const { certificate, privateKey } = selfSignedCertificate({ names, days });
  return formatBundle({ chain: [certificate], privateKey });
}

/** The certificate function with SSM answering `parameters` (name → value) to GetParameters. */
function setup(options: { parameters?: Record<string, string>; env?: Record<string, string>; seats?: number[]; seatsError?: Error; slack?: ReturnType<typeof recordingPoster> } = {}) {
  const parameters = options.parameters ?? {};
  ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
    Parameters: input.Names.filter((name) => parameters[name] !== undefined).map((Name) => ({ Name, Value: parameters[Name], Type: 'SecureString' })),
    InvalidParameters: input.Names.filter((name) => parameters[name] === undefined),
  }));
  ssm.on(PutParameterCommand).resolves({ Version: 2, Tier: 'Standard' });
  const slack = options.slack ?? recordingPoster();
  const logger = recordingLogger();
  const config = loadConfig(validEnv(options.env));
  const handler = makeHandler({
    config,
    logger,
    ssm: new SSMClient({ region: 'eu-west-1' }),
    route53: new Route53Client({ region: 'eu-west-1' }),
    slack,
    readSeats: async () => {
      if (options.seatsError) throw options.seatsError;
      return options.seats ?? config.roster.map((member) => member.slot);
    },
    now: () => new Date(),
  });
  return { slack, logger, run: () => handler({}) };
}

const statusWrites = () => ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input).filter((input) => input.Name === STATUS);

describe('certificate function', () => {
  beforeEach(() => {
    ssm.reset();
    route53.reset();
  });

  it('with 60 days left, makes one SSM call and nothing else', async () => {
    // Prepare
    const bundle = bundleExpiringIn(60);
    const { run: first } = setup({ parameters: { [CERTIFICATE]: bundle } });
    await first();
    const status = statusWrites()[0]?.Value ?? '';
    ssm.reset();
    const { slack, run } = setup({ parameters: { [CERTIFICATE]: bundle, [STATUS]: status } });

    // Act
    const outcome = await run();

    // Assess
    expect(outcome).toEqual({ action: 'kept', names, notAfter: expect.any(String) });
    expect(ssm.calls()).toHaveLength(1);
    expect(ssm).toHaveReceivedCommandWith(GetParametersCommand, { Names: [CERTIFICATE, STATUS], WithDecryption: true });
    expect(route53.calls()).toHaveLength(0);
    expect(slack.posts).toEqual([]);
    expect(JSON.parse(status)).toEqual({ mode: 'acme', names, notAfter: outcome.action === 'kept' ? outcome.notAfter : '', issuer: '*.code.example.com' });
  });

  it('renews a certificate with 60 days left as soon as the roster holds a seat it does not name', async () => {
    // Prepare
    route53.on(GetHostedZoneCommand).rejects(new NoSuchHostedZone({ message: 'No hosted zone found with ID: Z0123456789ABCDEFGHIJ', $metadata: {} }));
    const { logger, run } = setup({ parameters: { [CERTIFICATE]: bundleExpiringIn(60) }, seats: [1, 2, 3, 5, 7] });

    // Act
    const outcome = await run();

    // Assess: it went for a new certificate (and stopped at the zone, which this test has none of).
    expect(outcome).toMatchObject({ action: 'failed', step: 'hosted-zone' });
    expect(logger.entries).toContainEqual({ level: 'info', message: 'Renewing the certificate', fields: expect.objectContaining({ reason: 'the certificate does not cover *.dev-N.code.example.com for dev-7' }) });
  });

  it('reports a hosted zone that does not exist to the channel, and writes no certificate', async () => {
    // Prepare
    route53.on(GetHostedZoneCommand).rejects(new NoSuchHostedZone({ message: 'No hosted zone found with ID: Z0123456789ABCDEFGHIJ', $metadata: {} }));
    const { slack, run } = setup({ parameters: { [CERTIFICATE]: bundleExpiringIn(20) } });

    // Act
    const outcome = await run();

    // Assess
    expect(outcome).toEqual({ action: 'failed', step: 'hosted-zone', message: 'Route 53 has no hosted zone Z0123456789ABCDEFGHIJ in this account', hint: expect.stringContaining('Set HOSTED_ZONE_ID') });
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
    // The renewal lease, claimed before the zone was checked, then the status with the problem.
    expect(ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input.Name)).toEqual([`${CERTIFICATE}-renewing-0`, STATUS]);
    expect(ssm).toHaveReceivedCommandWith(DeleteParameterCommand, { Name: `${CERTIFICATE}-renewing-0` });
    expect(slack.posts.map((post) => post.channel)).toEqual(['C0000TEAM']);
    expect(slack.text()).toContain('Could not renew the HTTPS certificate for *.code.example.com, code.example.com (checking the hosted zone)');
    expect(slack.text()).toContain('The current certificate stays in place, valid until');
    expect(JSON.parse(statusWrites()[0]?.Value ?? '{}').problem).toEqual({ at: expect.any(String), message: 'Route 53 has no hosted zone Z0123456789ABCDEFGHIJ in this account', hint: expect.stringContaining('HOSTED_ZONE_ID') });
  });

  it('refuses a private hosted zone before asking any CA', async () => {
    route53.on(GetHostedZoneCommand).resolves({ HostedZone: { Id: '/hostedzone/Z0123456789ABCDEFGHIJ', Name: 'example.com.', CallerReference: 'x', Config: { PrivateZone: true } } });
    const { run } = setup();

    expect(await run()).toMatchObject({ action: 'failed', step: 'hosted-zone', message: expect.stringContaining('is private') });
  });

  it('refuses a zone that a public zone of _acme-challenge.<domain> would hide from the CA, and says how to get rid of it', async () => {
    // Prepare: HOSTED_ZONE_ID is example.com's, and the account also holds a public zone where the CA would look.
    route53.on(GetHostedZoneCommand).resolves({ HostedZone: { Id: '/hostedzone/Z0123456789ABCDEFGHIJ', Name: 'example.com.', CallerReference: 'x', Config: { PrivateZone: false } } });
    route53.on(ListHostedZonesByNameCommand, { DNSName: '_acme-challenge.code.example.com' }).resolves({
      HostedZones: [{ Id: '/hostedzone/Z0CHALLENGE', Name: '_acme-challenge.code.example.com.', CallerReference: 'y', Config: { PrivateZone: false } }],
      IsTruncated: false,
    });
    const { run } = setup({ parameters: { [CERTIFICATE]: bundleExpiringIn(20) } });

    // Act
    const outcome = await run();

    // Assess
    expect(outcome).toEqual({
      action: 'failed',
      step: 'hosted-zone',
      message: '_acme-challenge.code.example.com has its own public hosted zone Z0CHALLENGE, so the CA would look for the DNS-01 answer there, not in Z0123456789ABCDEFGHIJ (example.com)',
      hint: 'Delete hosted zone Z0CHALLENGE if nothing uses it, with the NS record of _acme-challenge.code.example.com in example.com: the certificate function writes its answers in HOSTED_ZONE_ID.',
    });
    expect(route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  describe('with TLS_CERTIFICATE=own', () => {
    it('warns the channel in the last 14 days, and renews nothing', async () => {
      // Prepare
      const { slack, run } = setup({ parameters: { [CERTIFICATE]: bundleExpiringIn(10) }, env: { TLS_CERTIFICATE: 'own', CERTIFICATE_CHANNEL: 'C0000CERT' } });

      // Act
      const outcome = await run();

      // Assess
      expect(outcome).toEqual({ action: 'warned', problem: 'expiring' });
      expect(route53.calls()).toHaveLength(0);
      expect(slack.posts.map((post) => post.channel)).toEqual(['C0000CERT']);
      expect(slack.posts[0]?.message.text).toBe('The HTTPS certificate for *.code.example.com, code.example.com and *.dev-N.code.example.com for dev-1 to dev-3, dev-5 expires in 9 days.');
      expect(slack.text()).toContain('cat fullchain.pem privkey.pem');
      expect(ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input.Name)).toEqual([STATUS]);
    });

    it('stays quiet with more than 14 days left', async () => {
      const { slack, run } = setup({ parameters: { [CERTIFICATE]: bundleExpiringIn(20) }, env: { TLS_CERTIFICATE: 'own' } });

      expect(await run()).toMatchObject({ action: 'kept' });
      expect(slack.posts).toEqual([]);
    });

    it('says when the parameter still holds only the chain (the format before one parameter held both)', async () => {
      const { slack, run } = setup({ parameters: { [CERTIFICATE]: selfSignedCertificate({ names, days: 90 }).certificate }, env: { TLS_CERTIFICATE: 'own' } });

      expect(await run()).toEqual({ action: 'warned', problem: 'unusable' });
      expect(slack.posts[0]?.message.text).toContain('holds the certificate but not its private key');
    });
  });

  it('tells the channel, with an error id, when the check itself fails, and still fails the run, saying the channel was told', async () => {
    // Prepare: a roster it cannot read, day after day, would let the certificate expire unrenewed
    const broken = new Error('/team-ide-test/roster: members.0.seat: Too big');
    const { slack, logger, run } = setup({ parameters: { [CERTIFICATE]: bundleExpiringIn(20) }, seatsError: broken });

    // Act
    const failure = await run().catch((error: unknown) => error);

    // Assess
    const logged = logger.entries.find((entry) => entry.message === 'Certificate check failed');
    expect(logged?.fields).toMatchObject({ errorId: expect.stringMatching(/^[0-9a-f]{8}$/), error: broken });
    expect(slack.posts.map((post) => post.channel)).toEqual(['C0000TEAM']);
    expect(slack.posts[0]?.message.text).toBe(`The daily check of the HTTPS certificate for *.code.example.com, code.example.com failed (error id ${String(logged?.fields.errorId)}).`);
    expect(slack.text()).toContain('nothing was renewed');
    // Lambda writes the error's name as the failed job's errorType: the sweeper then does not tell the channel again.
    expect(failure).toBeInstanceOf(CertificateCheckReported);
    expect(failure).toMatchObject({ name: 'CertificateCheckReported', cause: broken, message: `The certificate check failed and the channel was told (error id ${String(logged?.fields.errorId)}): ${broken.message}` });
  });

  it('fails the run with the error itself when the channel could not be told, so the sweeper tells it', async () => {
    const broken = new Error('/team-ide-test/roster: members.0.seat: Too big');
    const slackDown = recordingPoster({ failWith: new Error('Slack chat.postMessage failed: fatal_error') });
    const { logger, run } = setup({ parameters: { [CERTIFICATE]: bundleExpiringIn(20) }, seatsError: broken, slack: slackDown });

    const failure = await run().catch((error: unknown) => error);

    expect(failure).toBe(broken);
    expect(logger.entries.some((entry) => entry.message === 'Could not post to the channel')).toBe(true);
  });

  it('with ALLOWED_CHANNELS=* and no CERTIFICATE_CHANNEL, logs what it would have said', async () => {
    route53.on(GetHostedZoneCommand).rejects(new NoSuchHostedZone({ message: 'No hosted zone found', $metadata: {} }));
    const { slack, logger, run } = setup({ env: { ALLOWED_CHANNELS: '*' } });

    await run();

    expect(slack.posts).toEqual([]);
    expect(logger.entries).toContainEqual({ level: 'warn', message: 'No channel to report to: set CERTIFICATE_CHANNEL', fields: { text: expect.stringContaining('Could not renew') } });
  });

  it('never logs or posts the private key', async () => {
    const bundle = bundleExpiringIn(10);
    const { slack, logger, run } = setup({ parameters: { [CERTIFICATE]: bundle }, env: { TLS_CERTIFICATE: 'own' } });

    await run();

    const parsed = parseBundle(bundle);
    if (!('bundle' in parsed)) throw new Error(parsed.problem);
    // The key's base64 lines, without its PEM armour.
    const keyLines = parsed.bundle.privateKey.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
    expect(keyLines.length).toBeGreaterThan(0);
    for (const line of keyLines) {
      expect(logger.text()).not.toContain(line);
      expect(slack.text()).not.toContain(line);
    }
  });
});
