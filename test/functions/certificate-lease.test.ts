/**
 * One renewal at a time: the certificate function against the sandbox's SSM (PutParameter
 * with Overwrite: false refuses a name that exists, as SSM does) and Route 53, with the ACME
 * order itself stood in for: the Pebble test (test/integration/certificate-pebble.test.ts)
 * runs the real one.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeHandler } from '../../functions/certificate';
import type { OrderOptions } from '../../shared/certificate/acme-order';
import { formatBundle } from '../../shared/certificate/certificate-bundle';
import { CertificateRenewalError } from '../../shared/certificate/certificate-errors';
import { wantedNames } from '../../shared/certificate/certificate-names';
import { RENEWAL_LEASE_MS } from '../../shared/certificate/renewal-lease';
import { certificateLeaseParameter, loadConfig } from '../../shared/core/config';
import { validEnv } from '../fixtures';
import { recordingLogger, recordingPoster } from '../helpers/run-fixtures';
import { hostedZone, type SetupBackend, startSetupBackend } from '../helpers/setup-backend';
import { selfSignedCertificate } from '../helpers/test-certificates';

const order = vi.hoisted(() => ({ calls: [] as string[][], impl: undefined as undefined | ((names: string[]) => Promise<void>) }));

vi.mock('../../shared/certificate/acme-order', async (original) => ({
  ...(await original<typeof import('../../shared/certificate/acme-order')>()),
  // A certificate for the names asked, after whatever the test does meanwhile.
  orderCertificate: async (options: OrderOptions) => {
    order.calls.push([...options.names]);
    await order.impl?.([...options.names]);
    const { certificate, privateKey } = selfSignedCertificate({ names: [...options.names], days: 90 });
    return { chain: [certificate], privateKey };
  },
}));

const CERTIFICATE = '/team-ide/test/tls-certificate';
const STATUS = `${CERTIFICATE}-status`;
const SEATS = [1, 2, 3, 5];
const DOMAIN = 'code.example.com';

let setup: SetupBackend;

beforeAll(async () => {
  setup = await startSetupBackend({ account: (account) => void account.hostedZones.push(hostedZone('Z0123456789ABCDEFGHIJ', 'example.com')) });
});

afterAll(async () => {
  await setup.close();
});

beforeEach(() => {
  order.calls = [];
  order.impl = undefined;
  for (const name of setup.backend.parameterStore.names().filter((candidate) => candidate.startsWith(CERTIFICATE))) {
    setup.backend.parameterStore.handle('DeleteParameter', { Name: name });
  }
});

/** The certificate function on the sandbox's SSM and Route 53, with the roster's seats as `seats()` gives them at each read. */
function certificateFunction(seats: () => number[] = () => SEATS) {
  const slack = recordingPoster();
  const logger = recordingLogger();
  const handler = makeHandler({
    config: loadConfig(validEnv()),
    logger,
    ssm: setup.clients.ssm,
    route53: setup.clients.route53,
    slack,
    readSeats: async () => seats(),
    now: () => new Date(),
  });
  return { slack, logger, handler };
}

const leases = () => setup.backend.parameterStore.names().filter((name) => name.startsWith(`${CERTIFICATE}-renewing`));
const claimLease = (attempt: number, at: Date) => setup.backend.parameterStore.put(certificateLeaseParameter(CERTIFICATE, attempt), `${at.toISOString()} other-run`, 'String');
const storedNames = () => JSON.parse(setup.backend.parameterStore.peek(STATUS)?.value ?? '{}').names as string[] | undefined;

describe('the certificate function\'s renewal lease', () => {
  it('leaves the renewal to a run that holds the lease: orders nothing, posts nothing, writes no status', async () => {
    // Prepare
    claimLease(0, new Date(Date.now() - 60_000));
    const { slack, logger, handler } = certificateFunction();

    // Act
    const outcome = await handler({});

    // Assess
    expect(outcome).toEqual({ action: 'busy' });
    expect(order.calls).toEqual([]);
    expect(slack.posts).toEqual([]);
    expect(setup.backend.parameterStore.peek(STATUS)).toBeUndefined();
    expect(setup.backend.parameterStore.peek(CERTIFICATE)).toBeUndefined();
    expect(leases()).toEqual([certificateLeaseParameter(CERTIFICATE, 0)]);
    expect(logger.entries).toContainEqual({ level: 'info', message: 'Another run is renewing the certificate: this one leaves it to that run', fields: { certificateParameter: CERTIFICATE, reason: 'there is no certificate yet' } });
  });

  it('steps over the lease of a run that died, renews, and removes both', async () => {
    // Prepare
    claimLease(0, new Date(Date.now() - RENEWAL_LEASE_MS - 1000));
    let heldDuringOrder: string[] = [];
    order.impl = async () => void (heldDuringOrder = leases());
    const { handler } = certificateFunction();

    // Act
    const outcome = await handler({});

    // Assess
    expect(outcome).toMatchObject({ action: 'renewed', names: wantedNames(DOMAIN, SEATS) });
    expect(heldDuringOrder).toEqual([certificateLeaseParameter(CERTIFICATE, 0), certificateLeaseParameter(CERTIFICATE, 1)]);
    expect(setup.backend.parameterStore.peek(certificateLeaseParameter(CERTIFICATE, 1))).toBeUndefined();
    expect(leases()).toEqual([]);
  });

  it('holds the lease while it renews and gives it back after', async () => {
    let heldDuringOrder: string[] = [];
    order.impl = async () => void (heldDuringOrder = leases());
    const { handler } = certificateFunction();

    expect(await handler({})).toMatchObject({ action: 'renewed' });
    expect(heldDuringOrder).toEqual([certificateLeaseParameter(CERTIFICATE, 0)]);
    expect(setup.backend.parameterStore.peek(certificateLeaseParameter(CERTIFICATE, 0))).toBeUndefined();
    expect(leases()).toEqual([]);
  });

  it('gives the lease back after a failed renewal, which the channel hears of', async () => {
    order.impl = async () => {
      throw new CertificateRenewalError('validation', 'The CA did not find the TXT record', undefined);
    };
    const { slack, handler } = certificateFunction();

    expect(await handler({})).toMatchObject({ action: 'failed', step: 'validation' });
    expect(slack.posts).toHaveLength(1);
    expect(leases()).toEqual([]);
  });

  it('gives the lease back when the run fails for another reason', async () => {
    order.impl = async () => {
      throw new Error('socket hang up');
    };
    const { handler } = certificateFunction();

    await expect(handler({})).rejects.toThrow('socket hang up');
    expect(leases()).toEqual([]);
  });

  it('lets one of two runs started together renew; the other ends busy, and the first names the seat added meanwhile', async () => {
    // Prepare: the first run's order waits until the second run, started by an add of dev-7, has ended.
    let seats = SEATS;
    let second: Promise<unknown> | undefined;
    const secondRun = certificateFunction(() => seats);
    order.impl = async () => {
      if (second) return;
      seats = [...SEATS, 7];
      second = secondRun.handler({});
      await second;
    };
    const firstRun = certificateFunction(() => seats);

    // Act
    const first = await firstRun.handler({});

    // Assess
    expect(await second).toEqual({ action: 'busy' });
    expect(first).toMatchObject({ action: 'renewed', names: wantedNames(DOMAIN, [...SEATS, 7]), reason: 'the certificate does not cover *.dev-N.code.example.com for dev-7' });
    expect(order.calls).toEqual([wantedNames(DOMAIN, SEATS), wantedNames(DOMAIN, [...SEATS, 7])]);
    expect(storedNames()).toEqual(wantedNames(DOMAIN, [...SEATS, 7]));
    expect(firstRun.logger.entries).toContainEqual({ level: 'info', message: 'The roster grew during the renewal: renewing once more', fields: { reason: 'the certificate does not cover *.dev-N.code.example.com for dev-7' } });
    expect([...firstRun.slack.posts, ...secondRun.slack.posts]).toEqual([]);
    expect(leases()).toEqual([]);
  });

  it('catches up at most once, even when the roster grows again during the second round', async () => {
    let seats = SEATS;
    order.impl = async () => void (seats = [...seats, Math.max(...seats) + 1]);
    const { handler } = certificateFunction(() => seats);

    const outcome = await handler({});

    expect(order.calls).toHaveLength(2);
    expect(outcome).toMatchObject({ action: 'renewed', names: wantedNames(DOMAIN, [...SEATS, 6]) });
    expect(leases()).toEqual([]);
  });

  it('leaves the catch-up to the daily check when too little of its time is left', async () => {
    // Prepare
    let seats = SEATS;
    order.impl = async () => void (seats = [...SEATS, 7]);
    const { logger, handler } = certificateFunction(() => seats);

    // Act
    const outcome = await handler({}, { awsRequestId: 'c0ffee00-0000-4000-8000-000000000001', getRemainingTimeInMillis: () => 100_000 });

    // Assess
    expect(outcome).toMatchObject({ action: 'renewed', names: wantedNames(DOMAIN, SEATS) });
    expect(order.calls).toHaveLength(1);
    expect(logger.entries).toContainEqual({
      level: 'info',
      message: 'The roster grew during the renewal, too little time is left to renew again: the daily check will',
      fields: { reason: 'the certificate does not cover *.dev-N.code.example.com for dev-7', remainingMs: 100_000 },
    });
    expect(leases()).toEqual([]);
  });

  it('renews nothing when the run that held the lease stored what this one wanted', async () => {
    // Prepare: another run stores a certificate with every seat between this run's first look and its claim.
    const { certificate, privateKey } = selfSignedCertificate({ names: wantedNames(DOMAIN, SEATS), days: 90 });
    let reads = 0;
    const { handler } = certificateFunction(() => {
      reads += 1;
      if (reads === 1) setup.backend.parameterStore.put(CERTIFICATE, formatBundle({ chain: [certificate], privateKey }));
      return SEATS;
    });

    // Act
    const outcome = await handler({});

    // Assess
    expect(outcome).toMatchObject({ action: 'kept', names: wantedNames(DOMAIN, SEATS) });
    expect(order.calls).toEqual([]);
    expect(leases()).toEqual([]);
  });
});
