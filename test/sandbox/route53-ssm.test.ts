/**
 * The sandbox's Route 53 and the SSM rules the certificate function meets, through the real
 * SDK clients: each refuses what AWS refuses (a stand-in more lenient than AWS would let
 * a bug through to the first real deploy).
 */
import {
  ChangeResourceRecordSetsCommand,
  type Change,
  GetChangeCommand,
  GetHostedZoneCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  NoSuchHostedZone,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { DescribeParametersCommand, GetParameterCommand, GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PublishedRecordSet } from '../../sandbox/backend/route53';
import type { SandboxBackend } from '../../sandbox/backend/server';
import { wantedNames } from '../../shared/certificate/certificate-names';
import { readCertificateStatus, writeCertificateStatus } from '../../shared/certificate/certificate-store';
import { credentials, startTestBackend } from '../helpers/sandbox-backend';
import { waitFor } from '../helpers/local-servers';

const ZONE = 'Z0SANDBOXTEST';
const NAME = '_acme-challenge.code.example.com';

let backend: SandboxBackend;
let route53: Route53Client;
let ssm: SSMClient;
let published: PublishedRecordSet[][];
/** Publishing to DNS waits for this, so a test decides when a change may become INSYNC. */
let dnsAnswers: Promise<void>;

beforeEach(async () => {
  published = [];
  dnsAnswers = Promise.resolve();
  backend = await startTestBackend({
    hostedZones: [{ id: ZONE, name: 'example.com' }],
    route53InsyncAfterMs: 50,
    publishDns: async (sets) => {
      await dnsAnswers;
      published.push(sets);
    },
  });
  route53 = new Route53Client({ region: 'eu-west-1', endpoint: backend.url, credentials, maxAttempts: 1 });
  ssm = new SSMClient({ region: 'eu-west-1', endpoint: backend.url, credentials, maxAttempts: 1 });
});

afterEach(async () => {
  await backend.close();
});

const txt = (Action: Change['Action'], values: string[], options: { name?: string; ttl?: number } = {}): Change => ({
  Action,
  ResourceRecordSet: { Name: options.name ?? NAME, Type: 'TXT', TTL: options.ttl ?? 60, ResourceRecords: values.map((Value) => ({ Value })) },
});
const change = (...changes: Change[]) => route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: `/hostedzone/${ZONE}`, ChangeBatch: { Changes: changes } }));

describe('the sandbox Route 53', () => {
  it('keeps an UPSERT PENDING, then publishes it to DNS and says INSYNC', async () => {
    // Prepare: the DNS answers only when the test says so, however slow the machine is.
    let answerDns = () => {};
    dnsAnswers = new Promise((resolve) => {
      answerDns = resolve;
    });

    // Act
    const { ChangeInfo } = await change(txt('UPSERT', ['"one"', '"two"']));
    const right = await route53.send(new GetChangeCommand({ Id: ChangeInfo?.Id }));
    answerDns();
    const later = await waitFor('INSYNC', async () => {
      const { ChangeInfo: info } = await route53.send(new GetChangeCommand({ Id: ChangeInfo?.Id }));
      return info?.Status === 'INSYNC' ? info : undefined;
    }, 2000, 20);

    // Assess
    expect(ChangeInfo).toMatchObject({ Id: expect.stringMatching(/^\/change\/C[A-Z0-9]+$/), Status: 'PENDING' });
    expect(right.ChangeInfo?.Status).toBe('PENDING');
    expect(later.Status).toBe('INSYNC');
    expect(published).toEqual([[{ name: `${NAME}.`, type: 'TXT', values: ['"one"', '"two"'] }]]);
  });

  it('answers names with the trailing dot, lower case, and * as \\052', async () => {
    // Act
    await change(txt('UPSERT', ['"x"'], { name: '*.Code.Example.com' }), txt('CREATE', ['"y"'], { name: 'Upper.Example.com.' }));
    const { ResourceRecordSets = [] } = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: ZONE }));
    const { HostedZone } = await route53.send(new GetHostedZoneCommand({ Id: ZONE }));

    // Assess
    expect(ResourceRecordSets.filter((set) => set.Type === 'TXT').map((set) => set.Name)).toEqual(['\\052.code.example.com.', 'upper.example.com.']);
    expect(HostedZone).toMatchObject({ Id: `/hostedzone/${ZONE}`, Name: 'example.com.', Config: { PrivateZone: false } });
  });

  it('replaces the whole record set on UPSERT', async () => {
    await change(txt('UPSERT', ['"one"', '"two"']));
    await change(txt('UPSERT', ['"three"']));

    expect(backend.route53.recordSets(ZONE).find((set) => set.type === 'TXT')?.values).toEqual(['"three"']);
  });

  it.each([
    ['a TXT value without its quotes', [txt('UPSERT', ['token'])], 'InvalidCharacterString (Value should be enclosed in quotation marks)'],
    ['a string over 255 characters', [txt('UPSERT', [`"${'a'.repeat(256)}"`])], 'CharacterStringTooLong'],
    ['a name outside the zone', [txt('UPSERT', ['"x"'], { name: '_acme-challenge.code.example.org' })], 'RRSet with DNS name _acme-challenge.code.example.org. is not permitted in zone example.com.'],
    ['the same value twice', [txt('UPSERT', ['"x"', '"x"'])], 'Duplicate Resource Record: \'"x"\''],
    ['a DELETE of a set that does not exist', [txt('DELETE', ['"x"'])], `Tried to delete resource record set [name='${NAME}.', type='TXT'] but it was not found`],
    ['a name and type twice in one batch', [txt('UPSERT', ['"x"']), txt('UPSERT', ['"y"'])], 'invalid set of changes'],
  ])('refuses %s with InvalidChangeBatch, changing nothing', async (_case, changes, message) => {
    // Act
    const refusal = await change(...changes).catch((error: unknown) => error);

    // Assess
    expect(refusal).toBeInstanceOf(InvalidChangeBatch);
    expect((refusal as Error).message).toContain(message);
    expect(backend.route53.recordSets(ZONE).filter((set) => set.type === 'TXT')).toEqual([]);
  });

  it.each([
    ['another TTL', { ttl: 300, values: ['"one"', '"two"'] }],
    ['fewer values', { ttl: 60, values: ['"one"'] }],
    ['a changed value', { ttl: 60, values: ['"one"', '"three"'] }],
  ])('refuses a DELETE that gives %s than the set has', async (_case, { ttl, values }) => {
    // Prepare
    await change(txt('UPSERT', ['"one"', '"two"']));

    // Act
    const refusal = await change(txt('DELETE', values, { ttl })).catch((error: unknown) => error);

    // Assess
    expect(refusal).toBeInstanceOf(InvalidChangeBatch);
    expect((refusal as Error).message).toContain('but the values provided do not match the current values');
    expect(backend.route53.recordSets(ZONE).find((set) => set.type === 'TXT')?.values).toEqual(['"one"', '"two"']);
  });

  it('deletes a set given exactly, in any order of its values', async () => {
    await change(txt('UPSERT', ['"one"', '"two"']));

    await change(txt('DELETE', ['"two"', '"one"']));

    expect(backend.route53.recordSets(ZONE).filter((set) => set.type === 'TXT')).toEqual([]);
  });

  it('refuses a CREATE of a set that exists, and applies no part of a refused batch', async () => {
    await change(txt('UPSERT', ['"one"']));

    const refusal = await change(txt('UPSERT', ['"two"'], { name: 'other.example.com' }), txt('CREATE', ['"x"'])).catch((error: unknown) => error);

    expect((refusal as Error).message).toContain(`Tried to create resource record set [name='${NAME}.', type='TXT'] but it already exists`);
    expect(backend.route53.recordSets(ZONE).filter((set) => set.type === 'TXT').map((set) => set.name)).toEqual([`${NAME}.`]);
  });

  it('answers NoSuchHostedZone for a zone that does not exist', async () => {
    await expect(route53.send(new GetHostedZoneCommand({ Id: 'Z0NOTHERE' }))).rejects.toBeInstanceOf(NoSuchHostedZone);
  });
});

describe('the sandbox SSM, for the certificate', () => {
  const put = (Value: string, Tier?: 'Standard' | 'Advanced' | 'Intelligent-Tiering') => ssm.send(new PutParameterCommand({ Name: '/t/cert', Value, Type: 'SecureString', Overwrite: true, ...(Tier ? { Tier } : {}) }));

  it('holds 4 KB in the standard tier and 8 KB in the advanced one', async () => {
    await expect(put('x'.repeat(4097))).rejects.toThrow('Standard tier parameters support a maximum parameter value of 4096 characters');
    await expect(put('x'.repeat(4097), 'Advanced')).resolves.toMatchObject({ Tier: 'Advanced' });
    await expect(put('x'.repeat(8193), 'Advanced')).rejects.toThrow('Advanced tier parameters support a maximum parameter value of 8192 characters');
  });

  it('never moves a parameter back from advanced to standard', async () => {
    await put('x', 'Advanced');

    await expect(put('y', 'Standard')).rejects.toThrow('You can\'t downgrade a parameter from the advanced-parameter tier');
    await expect(put('y', 'Intelligent-Tiering')).resolves.toMatchObject({ Tier: 'Advanced' });
  });

  it('answers DescribeParameters in pages filtered after reading, so a page may be empty and still go on', async () => {
    // Prepare
    for (let index = 0; index < 25; index++) backend.parameterStore.put(`/a/${String(index).padStart(2, '0')}`, 'v', 'String');
    backend.parameterStore.put('/z/wanted', 'v', 'String', 'Advanced');
    const filter = { ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: ['/z/wanted'] }] };

    // Act
    const first = await ssm.send(new DescribeParametersCommand(filter));

    // Assess
    expect(first.Parameters).toEqual([]);
    expect(first.NextToken).toBeDefined();
    await expect(ssm.send(new DescribeParametersCommand({ ...filter, Filters: [{ Key: 'Name', Values: ['/z/wanted'] }] }))).rejects.toThrow('either Filters or ParameterFilters');
  });

  it('gives a SecureString’s value only WithDecryption', async () => {
    await put('the key');

    expect((await ssm.send(new GetParameterCommand({ Name: '/t/cert' }))).Parameter?.Value).not.toBe('the key');
    expect((await ssm.send(new GetParameterCommand({ Name: '/t/cert', WithDecryption: true }))).Parameter?.Value).toBe('the key');
  });

  it('takes the certificate function\'s status of a full certificate: 100 names on a long domain pass 4 KB', async () => {
    // Prepare: the roster's 98 lowest seats, each with its previews' name
    const names = wantedNames('integrated-development.engineering.example.com', Array.from({ length: 98 }, (_seat, index) => index + 1));
    const status = { mode: 'acme' as const, names, notAfter: '2027-03-01T00:00:00.000Z', issuer: 'R11', renewedAt: '2026-12-01T00:00:00.000Z' };

    // Act
    await writeCertificateStatus(ssm, '/t/cert-status', status);

    // Assess
    expect(JSON.stringify(status).length).toBeGreaterThan(4096);
    expect(await readCertificateStatus(ssm, '/t/cert-status')).toEqual(status);
  });

  it('refuses a write IAM would deny, with IAM’s words', async () => {
    backend.parameterStore.denyWrites('/t/cert');

    await expect(put('x')).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('is not authorized to perform: ssm:PutParameter on resource: arn:aws:ssm:eu-west-1:000000000000:parameter/t/cert') });
  });

  it('refuses a read IAM would deny, and a GetParameters naming it with another name, as IAM authorizes every name asked', async () => {
    backend.parameterStore.put('/t/readable', 'fine', 'String');
    backend.parameterStore.put('/t/secret-status', '{}', 'String');
    backend.parameterStore.denyReads('/t/secret-status');

    await expect(ssm.send(new GetParameterCommand({ Name: '/t/secret-status' }))).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('ssm:GetParameter on resource: arn:aws:ssm:eu-west-1:000000000000:parameter/t/secret-status') });
    await expect(ssm.send(new GetParametersCommand({ Names: ['/t/readable', '/t/secret-status'] }))).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('ssm:GetParameters') });
    expect((await ssm.send(new GetParameterCommand({ Name: '/t/readable' }))).Parameter?.Value).toBe('fine');
  });
});
