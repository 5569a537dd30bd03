import { afterEach, describe, expect, it } from 'vitest';
import {
  checkRecipients,
  checkSender,
  checkSendingAccount,
  readSendingAccount,
  requestVerification,
  senderAddress,
  verifiedAddresses,
} from '../../../shared/setup/email-sender';
import { type SetupBackend, startSetupBackend } from '../../helpers/setup-backend';

describe('senderAddress', () => {
  it('reads the address out of a display-name sender', () => {
    expect(senderAddress('Team IDE <IDE@Example.com>')).toBe('ide@example.com');
    expect(senderAddress('ide@example.com')).toBe('ide@example.com');
  });
});

describe('the SES sender and recipients', () => {
  let setup: SetupBackend;

  afterEach(async () => {
    await setup.close();
  });

  it('passes a sender whose domain is verified, though the address itself is no identity (SES leaves it out of its answer)', async () => {
    setup = await startSetupBackend();

    expect(await checkSender(setup.clients.ses, 'Team IDE <ide@example.com>', 'eu-west-1')).toEqual({ ok: true, check: 'SES sender', detail: 'ide@example.com may send in eu-west-1.' });
  });

  it('passes a sender under a subdomain of a verified domain', async () => {
    setup = await startSetupBackend();

    expect((await checkSender(setup.clients.ses, 'ide@mail.example.com', 'eu-west-1')).ok).toBe(true);
  });

  it('fails an unverified sender, and says how to verify it', async () => {
    setup = await startSetupBackend({ account: (account) => void (account.ses.identities = { 'ide@example.org': 'Pending' }) });

    const finding = await checkSender(setup.clients.ses, 'ide@example.org', 'eu-west-1');

    expect(finding).toMatchObject({ ok: false, detail: 'ide@example.org is not verified in SES in eu-west-1, so no email would go out.' });
    expect(finding.fix).toContain('verify the domain example.org or the address');
  });

  it('reads the SES sandbox and the quota from the account', async () => {
    setup = await startSetupBackend({ account: (account) => void Object.assign(account.ses, { productionAccessEnabled: false, max24HourSend: 200, maxSendRate: 1, sentLast24Hours: 198 }) });

    const account = await readSendingAccount(setup.clients.sesv2);

    expect(account).toEqual({ productionAccess: false, sendingEnabled: true, max24HourSend: 200, sentLast24Hours: 198, maxSendRate: 1 });
    expect(checkSendingAccount(account, 5)).toMatchObject({ ok: false, detail: '198 of 200 emails sent in the last 24 h, 1 a second: not enough left for the 5 people on the roster.' });
    expect(checkSendingAccount({ ...account, sentLast24Hours: 0 }, 5)).toMatchObject({ ok: true, detail: expect.stringContaining('in the SES sandbox: every recipient must be verified') });
    expect(checkSendingAccount({ ...account, sendingEnabled: false }, 5)).toMatchObject({ ok: false, detail: 'sending is paused for this account in this region.' });
  });

  it('in the SES sandbox, fails unverified roster addresses and verifies them on request', async () => {
    setup = await startSetupBackend({ account: (account) => void (account.ses.productionAccessEnabled = false) });
    const account = await readSendingAccount(setup.clients.sesv2);
    const roster = ['alice@example.com', 'bob@example.org', 'carol@example.net'];

    const before = await checkRecipients(setup.clients.ses, account, roster);
    await requestVerification(setup.clients.ses, ['bob@example.org', 'carol@example.net']);

    expect(before).toMatchObject({ ok: false, detail: expect.stringContaining('2 of 3 roster addresses are not verified (bob@example.org, carol@example.net)') });
    expect(setup.account.ses.identities).toMatchObject({ 'bob@example.org': 'Pending', 'carol@example.net': 'Pending' });
    // Pending until each follows the link SES sent.
    setup.account.ses.identities['bob@example.org'] = 'Success';
    expect([...(await verifiedAddresses(setup.clients.ses, roster))]).toEqual(['alice@example.com', 'bob@example.org']);
  });

  it('asks about 200 roster addresses 100 identities at a time, as SES allows', async () => {
    setup = await startSetupBackend({ account: (account) => void (account.ses.productionAccessEnabled = false) });
    const roster = Array.from({ length: 200 }, (_unused, index) => `dev${index}@example.com`);

    expect(await checkRecipients(setup.clients.ses, await readSendingAccount(setup.clients.sesv2), roster)).toMatchObject({ ok: true, detail: 'in the SES sandbox, and all 200 roster addresses are verified.' });
  });

  it('outside the SES sandbox, passes any recipient', async () => {
    setup = await startSetupBackend();

    expect((await checkRecipients(setup.clients.ses, await readSendingAccount(setup.clients.sesv2), ['x@nowhere.example'])).ok).toBe(true);
  });
});
