/**
 * The certificate function, unchanged and in a process of its own, against Let's Encrypt's
 * test CA (Pebble, validating DNS-01 for real through pebble-challtestsrv) and the
 * sandbox's SSM and Route 53 stand-ins, whose changes reach that DNS once INSYNC.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, SANDBOX_ENDPOINT_VARIABLES } from '../../shared/core/config';
import { encodeRoster } from '../../shared/team/roster-document';
import { parseBundle } from '../../shared/certificate/certificate-bundle';
import { wantedNames } from '../../shared/certificate/certificate-names';
import type { CertificateOutcome } from '../../shared/certificate/certificate-check';
import type { PublishedRecordSet } from '../../sandbox/backend/route53';
import type { SandboxBackend } from '../../sandbox/backend/server';
import { PEBBLE_INSTALL_HINT, pebbleInstalled, type RunningPebble, startPebble } from '../../sandbox/pebble';
import { validEnv } from '../fixtures';
import { OUTCOME_MARKER } from '../helpers/invoke-handler';
import { startTestBackend } from '../helpers/sandbox-backend';

const repoRoot = path.resolve(__dirname, '..', '..');
const available = pebbleInstalled();
const inCi = Boolean(process.env.CI);

if (!available && !inCi) {
  console.warn(`Pebble is not installed: skipping the certificate function's integration test (${PEBBLE_INSTALL_HINT}). CI fails instead.`);
}

const ZONE = { id: 'Z0PEBBLEEXAMPLECOM', name: 'example.com' };
const OTHER_ZONE = { id: 'Z0PEBBLEEXAMPLEORG', name: 'example.org' };
const REFUSED_ZONE = { id: 'Z0PEBBLEEXAMPLENET', name: 'example.net' };
const CHANNEL = 'C0CERTS01';
/** The fixture roster's seats are 1, 2, 3 and 5: each gets its previews' wildcard. */
const NAMES = wantedNames('code.example.com', [1, 2, 3, 5]);
const BOT_TOKEN = 'xoxb-fake-certificate';

let pebble: RunningPebble;
let backend: SandboxBackend;
/** A second backend whose Route 53 never reaches Pebble's DNS. */
let silentBackend: SandboxBackend;
let workDir: string;
let parameterCount = 0;

/** A certificate parameter of the test's own, so the cases do not see each other's. */
const newCertificateParameter = () => `/team-ide/pebble-test/tls-${++parameterCount}`;

/** The sandbox backend with the zones; its Route 53 changes reach `publishDns` once INSYNC. */
function startZonesBackend(publishDns?: (sets: PublishedRecordSet[]) => Promise<void>): Promise<SandboxBackend> {
  return startTestBackend({
    botToken: BOT_TOKEN,
    parameters: { '/team-ide/test/slack-bot-token': BOT_TOKEN },
    hostedZones: [ZONE, OTHER_ZONE, REFUSED_ZONE],
    route53InsyncAfterMs: 300,
    ...(publishDns ? { publishDns } : {}),
  });
}

/** Runs functions/certificate.ts as Lambda would, with these settings over the test's own. */
async function runCertificateFunction(settings: Record<string, string>, target = backend): Promise<CertificateOutcome> {
  const endpoints = Object.fromEntries(SANDBOX_ENDPOINT_VARIABLES.map((name) => [name, target.url]));
  const env = {
    ...validEnv({ ALLOWED_CHANNELS: CHANNEL, HOSTED_ZONE_ID: ZONE.id, ...settings }),
    ...endpoints,
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    IDE_BACKEND: 'sandbox',
    SLACK_API_URL: `${target.url}/api`,
    // The sandbox's queue: a sandbox refuses to read a queue of AWS.
    FAILED_JOBS_QUEUE_URL: `${target.url}/000000000000/failed-jobs`,
    ACME_DIRECTORY_URL: pebble.directoryUrl,
    NODE_EXTRA_CA_CERTS: pebble.listenerCaFile,
    AWS_ACCESS_KEY_ID: 'AKIDFAKEFORTESTS',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-for-tests',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'WARN',
  };
  const { stdout } = await promisify(execFile)(path.join(repoRoot, 'node_modules', '.bin', 'tsx'), ['test/helpers/invoke-handler.ts', 'functions/certificate.ts'], { cwd: repoRoot, env, timeout: 90_000 });
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(OUTCOME_MARKER));
  if (!line) throw new Error(`the certificate function printed no outcome:\n${stdout}`);
  return JSON.parse(line.slice(OUTCOME_MARKER.length)) as CertificateOutcome;
}

/** Polls until `done` holds; fails after `timeoutMs`. */
async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A certificate for the names, signed by a CA of its own, that expires in `days`: what a renewal replaces. */
async function certificateExpiringIn(days: number, names: string[]): Promise<string> {
  const key = path.join(workDir, `old-${days}-key.pem`);
  const cert = path.join(workDir, `old-${days}-cert.pem`);
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', String(days),
    '-keyout', key, '-out', cert, '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((name) => `DNS:${name}`).join(',')}`,
  ]);
  return `${await readFile(cert, 'utf8')}${await readFile(key, 'utf8')}`;
}

function storedBundle(name: string, target = backend) {
  const value = target.parameterStore.peek(name)?.value ?? '';
  const parsed = parseBundle(value);
  if ('problem' in parsed) throw new Error(`${name} holds no usable bundle: ${parsed.problem}`);
  return parsed.bundle;
}

const challengeRecords = (target = backend) => target.route53.recordSets(ZONE.id).filter((set) => set.name.startsWith('_acme-challenge.'));

describe('the certificate function against Pebble', () => {
  it.runIf(inCi)('has Pebble installed in CI', () => {
    expect(available, `CI must install Pebble: ${PEBBLE_INSTALL_HINT}`).toBe(true);
  });

  describe.skipIf(!available)('with Pebble', () => {
    beforeAll(async () => {
      workDir = await mkdtemp(path.join(tmpdir(), 'team-ide-certificate-'));
      pebble = await startPebble({ blockedDomains: ['refused.example.net'] });
      backend = await startZonesBackend((sets) => pebble.publishDns(sets));
      silentBackend = await startZonesBackend();
    }, 60_000);

    afterAll(async () => {
      await Promise.all([backend?.close(), silentBackend?.close()]);
      await pebble?.stop();
      if (workDir) await rm(workDir, { recursive: true, force: true });
    });

    describe('on a first deploy', () => {
      const certificateParameter = newCertificateParameter();
      let first: CertificateOutcome;

      beforeAll(async () => {
        first = await runCertificateFunction({ CERTIFICATE_PARAMETER: certificateParameter });
      }, 120_000);

      it('obtains a certificate that Pebble issued after looking up the DNS-01 TXT record', async () => {
        // Assess
        expect(first).toEqual({ action: 'renewed', names: NAMES, notAfter: expect.any(String), reason: 'there is no certificate yet' });
        const questions = await pebble.dnsQuestions('_acme-challenge.code.example.com');
        expect(questions).toContainEqual({ name: '_acme-challenge.code.example.com.', type: 16 });
        // Each seat's *.dev-N is validated at its own name.
        expect(await pebble.dnsQuestions('_acme-challenge.dev-5.code.example.com')).toContainEqual({ name: '_acme-challenge.dev-5.code.example.com.', type: 16 });
      });

      it('stores a chain that verifies up to Pebble’s root, for the wildcard, the apex and the seats’ previews, with its P-256 key', async () => {
        // Prepare
        const bundle = storedBundle(certificateParameter);
        const [leaf, ...intermediates] = bundle.chain.map((pem) => new X509Certificate(pem));
        const root = new X509Certificate(await pebble.rootCertificate());

        // Assess
        const chain = [leaf, ...intermediates, root] as X509Certificate[];
        for (let index = 0; index < chain.length - 1; index++) {
          expect(chain[index]?.verify((chain[index + 1] as X509Certificate).publicKey), `certificate ${index} is signed by the next`).toBe(true);
        }
        expect(root.verify(root.publicKey)).toBe(true);
        expect(leaf?.subjectAltName).toBe(NAMES.map((name) => `DNS:${name}`).join(', '));
        expect(leaf?.checkPrivateKey(createPrivateKey(bundle.privateKey))).toBe(true);
        expect(leaf?.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
        const days = (new Date(leaf?.validTo ?? 0).getTime() - Date.now()) / 86_400_000;
        expect(days).toBeGreaterThan(89);
        expect(backend.parameterStore.peek(certificateParameter)?.tier).toBe('Standard');
      });

      it('removes the _acme-challenge record afterwards', () => {
        expect(challengeRecords()).toEqual([]);
      });

      it('keeps the ACME account key and the status /ide status reads', () => {
        expect(backend.parameterStore.peek('/team-ide/test/acme-account-key')?.value).toMatch(/^-----BEGIN PRIVATE KEY-----/);
        const status = JSON.parse(backend.parameterStore.peek(`${certificateParameter}-status`)?.value ?? '{}') as Record<string, unknown>;
        expect(status).toEqual({ mode: 'acme', names: NAMES, notAfter: first.action === 'renewed' ? first.notAfter : '', issuer: expect.stringContaining('Pebble'), renewedAt: expect.any(String) });
      });

      it('renews nothing on the next run, with the same account', async () => {
        // Prepare
        const before = backend.parameterStore.peek(certificateParameter);
        const accountKey = backend.parameterStore.peek('/team-ide/test/acme-account-key');

        // Act
        const second = await runCertificateFunction({ CERTIFICATE_PARAMETER: certificateParameter });

        // Assess
        expect(second).toEqual({ action: 'kept', names: NAMES, notAfter: first.action === 'renewed' ? first.notAfter : '' });
        expect(backend.parameterStore.peek(certificateParameter)).toEqual(before);
        expect(backend.parameterStore.peek('/team-ide/test/acme-account-key')).toEqual(accountKey);
      }, 60_000);

      it('obtains a new certificate at once when a seat joins the roster, with its previews', async () => {
        // Act
        const third = await runCertificateFunction({ CERTIFICATE_PARAMETER: certificateParameter, ROSTER: `${validEnv().ROSTER},7:U0000GGG7:grace:grace@example.com` });

        // Assess
        expect(third).toMatchObject({ action: 'renewed', reason: 'the certificate does not cover *.dev-N.code.example.com for dev-7' });
        expect(new X509Certificate(storedBundle(certificateParameter).chain[0] as string).subjectAltName).toContain('DNS:*.dev-7.code.example.com');
        expect(challengeRecords()).toEqual([]);
      }, 120_000);
    });

    it('renews in one run at a time: a run started during a renewal ends busy, and the renewing one names the seat added meanwhile', async () => {
      // Prepare: a backend of its own whose first DNS-01 answers reach Pebble only once the second run ended, so
      // that the first is still renewing when the second starts, however slow the machine.
      let letThrough = () => {};
      const secondEnded = new Promise<void>((resolve) => void (letThrough = resolve));
      const gated = await startZonesBackend(async (sets) => {
        await secondEnded;
        await pebble.publishDns(sets);
      });
      const certificateParameter = newCertificateParameter();
      const lease = `${certificateParameter}-renewing-0`;
      const seats = wantedNames('code.example.com', [1, 2, 3, 5, 7]);
      try {
        // Act: the first run takes the lease and publishes its answers; a roster add of dev-7 then starts a second.
        const first = runCertificateFunction({ CERTIFICATE_PARAMETER: certificateParameter }, gated);
        await waitFor(() => gated.parameterStore.peek(lease) !== undefined && challengeRecords(gated).length > 0, 60_000);
        const roster = loadConfig(validEnv()).roster;
        gated.parameterStore.put(`/${validEnv().STACK_NAME_PREFIX}/roster`, encodeRoster([...roster, { slot: 7, userId: 'U0000GGG7', name: 'grace', email: 'grace@example.com' }]), 'String');
        const second = await runCertificateFunction({ CERTIFICATE_PARAMETER: certificateParameter }, gated).finally(letThrough);

        // Assess
        expect(second).toEqual({ action: 'busy' });
        expect(await first).toMatchObject({ action: 'renewed', names: seats, reason: 'the certificate does not cover *.dev-N.code.example.com for dev-7' });
        expect(new X509Certificate(storedBundle(certificateParameter, gated).chain[0] as string).subjectAltName).toBe(seats.map((name) => `DNS:${name}`).join(', '));
        expect(JSON.parse(gated.parameterStore.peek(`${certificateParameter}-status`)?.value ?? '{}')).toMatchObject({ names: seats });
        expect(gated.parameterStore.names().filter((name) => name.startsWith(`${certificateParameter}-renewing`))).toEqual([]);
        expect(challengeRecords(gated)).toEqual([]);
        expect(gated.slack.list(0)).toEqual([]);
      } finally {
        letThrough();
        await gated.close();
      }
    }, 180_000);

    it('renews a certificate 10 days from its expiry', async () => {
      // Prepare
      const certificateParameter = newCertificateParameter();
      backend.parameterStore.put(certificateParameter, await certificateExpiringIn(10, NAMES));

      // Act
      const outcome = await runCertificateFunction({ CERTIFICATE_PARAMETER: certificateParameter });

      // Assess
      expect(outcome).toMatchObject({ action: 'renewed', reason: expect.stringContaining('expires in 9 days') });
      const leaf = new X509Certificate(storedBundle(certificateParameter).chain[0] as string);
      expect(leaf.issuer).toContain('Pebble');
      expect(new Date(leaf.validTo).getTime() - Date.now()).toBeGreaterThan(89 * 86_400_000);
      expect(challengeRecords()).toEqual([]);
    }, 120_000);

    it('obtains a certificate from a CSR without a common name, for a domain whose names do not fit one', async () => {
      // Prepare
      const certificateParameter = newCertificateParameter();
      const domain = `${'d'.repeat(50)}.${'o'.repeat(7)}.example.com`;
      expect(`*.${domain}`.length).toBeGreaterThan(64);

      // Act
      const outcome = await runCertificateFunction({ CERTIFICATE_PARAMETER: certificateParameter, DOMAIN_NAME: domain });

      // Assess
      expect(outcome, JSON.stringify(outcome)).toMatchObject({ action: 'renewed', names: wantedNames(domain, [1, 2, 3, 5]) });
      expect(new X509Certificate(storedBundle(certificateParameter).chain[0] as string).subjectAltName).toContain(`DNS:*.${domain}`);
      expect(challengeRecords()).toEqual([]);
    }, 120_000);

    it('puts an RSA chain and key in the tier their size needs', async () => {
      // Prepare
      const certificateParameter = newCertificateParameter();

      // Act
      const outcome = await runCertificateFunction({ CERTIFICATE_PARAMETER: certificateParameter, CERTIFICATE_KEY_TYPE: 'rsa' });

      // Assess
      expect(outcome.action).toBe('renewed');
      const stored = backend.parameterStore.peek(certificateParameter);
      expect(new X509Certificate(storedBundle(certificateParameter).chain[0] as string).publicKey.asymmetricKeyType).toBe('rsa');
      expect(stored?.tier).toBe(Buffer.byteLength(stored?.value ?? '') > 4096 ? 'Advanced' : 'Standard');
    }, 120_000);

    describe('when something is wrong', () => {
      it('says the hosted zone does not hold the domain, and orders nothing', async () => {
        // Prepare
        const certificateParameter = newCertificateParameter();
        const old = await certificateExpiringIn(5, ['*.code.example.com', 'code.example.com']);
        backend.parameterStore.put(certificateParameter, old);
        const after = backend.slack.list(0).length;

        // Act
        const outcome = await runCertificateFunction({ CERTIFICATE_PARAMETER: certificateParameter, HOSTED_ZONE_ID: OTHER_ZONE.id });

        // Assess
        expect(outcome).toMatchObject({ action: 'failed', step: 'hosted-zone', message: `Hosted zone ${OTHER_ZONE.id} is example.org, which does not hold code.example.com` });
        expect(backend.parameterStore.peek(certificateParameter)?.value).toBe(old);
        const posted = backend.slack.list(after);
        expect(posted.map((message) => message.channel)).toEqual([CHANNEL]);
        expect(JSON.stringify(posted[0])).toContain('Set HOSTED_ZONE_ID');
      }, 60_000);

      it('reports the CA’s refusal in its own words, with a hint', async () => {
        // Prepare
        const certificateParameter = newCertificateParameter();
        const after = backend.slack.list(0).length;

        // Act
        const outcome = await runCertificateFunction({ CERTIFICATE_PARAMETER: certificateParameter, DOMAIN_NAME: 'refused.example.net', HOSTED_ZONE_ID: REFUSED_ZONE.id });

        // Assess
        expect(outcome).toMatchObject({ action: 'failed', step: 'acme-order', message: expect.stringContaining('forbidden by policy'), hint: expect.stringContaining('refuses to issue for refused.example.net') });
        expect(backend.parameterStore.peek(certificateParameter)).toBeUndefined();
        expect(JSON.stringify(backend.slack.list(after))).toContain('forbidden by policy');
      }, 60_000);

      it('fails validation when the record never reaches the DNS the CA asks, and removes it', async () => {
        // Prepare
        const certificateParameter = newCertificateParameter();

        // Act
        const outcome = await runCertificateFunction({ CERTIFICATE_PARAMETER: certificateParameter }, silentBackend);

        // Assess
        expect(outcome).toMatchObject({ action: 'failed', step: 'validation', hint: expect.stringContaining('did not find the TXT record') });
        expect(silentBackend.parameterStore.peek(certificateParameter)).toBeUndefined();
        expect(challengeRecords(silentBackend)).toEqual([]);
      }, 120_000);

      it('leaves the old certificate in place when SSM refuses the write', async () => {
        // Prepare
        const certificateParameter = newCertificateParameter();
        const old = await certificateExpiringIn(3, ['*.code.example.com', 'code.example.com']);
        backend.parameterStore.put(certificateParameter, old);
        backend.parameterStore.denyWrites(certificateParameter);

        // Act
        const outcome = await runCertificateFunction({ CERTIFICATE_PARAMETER: certificateParameter });

        // Assess
        expect(outcome).toMatchObject({ action: 'failed', step: 'store', message: expect.stringContaining('is not authorized to perform: ssm:PutParameter'), hint: expect.stringContaining('may not write') });
        expect(backend.parameterStore.peek(certificateParameter)?.value).toBe(old);
        expect(challengeRecords()).toEqual([]);
      }, 120_000);
    });
  });
});
