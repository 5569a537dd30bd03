import { GetIdentityVerificationAttributesCommand, type SESClient, VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { GetAccountCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { enclosingNames } from '../dns/hosted-zone';
import { describeAwsError, fail, type Finding, isAccessDenied, pass } from './findings';

/** What SES says about the account: the SES sandbox, and how much it may send. */
export interface SendingAccount {
  /** False while the account is in the SES sandbox: every recipient must then be verified too. */
  productionAccess: boolean;
  sendingEnabled: boolean;
  max24HourSend: number;
  sentLast24Hours: number;
  maxSendRate: number;
}

/** GetIdentityVerificationAttributes takes at most 100 identities a call. */
const IDENTITIES_PER_CALL = 100;

/** `Team IDE <ide@example.com>` → `ide@example.com`. */
export function senderAddress(from: string): string {
  return (/<([^>]+)>\s*$/.exec(from)?.[1] ?? from).trim().toLowerCase();
}

/** An address and the domains it sends as: `ide@mail.example.com` → itself, `mail.example.com`, `example.com`. */
function identitiesCovering(address: string): string[] {
  return [address, ...enclosingNames(address.slice(address.indexOf('@') + 1))];
}

/**
 * The verified addresses among `addresses`. An address may send and receive (in the SES
 * sandbox) when it or its domain, or a parent domain, is verified. SES leaves identities it
 * does not know out of its answer: those are unverified, not an error.
 */
export async function verifiedAddresses(ses: SESClient, addresses: readonly string[]): Promise<Set<string>> {
  const identities = [...new Set(addresses.flatMap(identitiesCovering))];
  const verified = new Set<string>();
  for (let start = 0; start < identities.length; start += IDENTITIES_PER_CALL) {
    const { VerificationAttributes } = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: identities.slice(start, start + IDENTITIES_PER_CALL) }));
    for (const [identity, attributes] of Object.entries(VerificationAttributes ?? {})) {
      if (attributes.VerificationStatus === 'Success') verified.add(identity.toLowerCase());
    }
  }
  return new Set(addresses.filter((address) => identitiesCovering(address).some((identity) => verified.has(identity))));
}

export async function readSendingAccount(sesv2: SESv2Client): Promise<SendingAccount> {
  const account = await sesv2.send(new GetAccountCommand({}));
  return {
    productionAccess: account.ProductionAccessEnabled === true,
    sendingEnabled: account.SendingEnabled === true,
    max24HourSend: account.SendQuota?.Max24HourSend ?? 0,
    sentLast24Hours: account.SendQuota?.SentLast24Hours ?? 0,
    maxSendRate: account.SendQuota?.MaxSendRate ?? 0,
  };
}

/** SES_FROM_ADDRESS is verified (itself or its domain) in this region. */
export async function checkSender(ses: SESClient, from: string, region: string): Promise<Finding> {
  const address = senderAddress(from);
  try {
    if ((await verifiedAddresses(ses, [address])).has(address)) return pass('SES sender', `${address} may send in ${region}.`);
    return fail(
      'SES sender',
      `${address} is not verified in SES in ${region}, so no email would go out.`,
      `verify the domain ${address.slice(address.indexOf('@') + 1)} or the address (SES console → Identities → Create identity), or let \`npm run setup\` send the verification email; then follow its link.`,
    );
  } catch (error) {
    if (isAccessDenied(error)) return fail('SES sender', `cannot read SES identities (${describeAwsError(error)}).`, 'use credentials allowed ses:GetIdentityVerificationAttributes.');
    throw error;
  }
}

/** Sending is on, the quota has room for a run's emails, and whether the SES sandbox limits the recipients. */
export function checkSendingAccount(account: SendingAccount, rosterSize: number): Finding {
  if (!account.sendingEnabled) {
    return fail('SES account', 'sending is paused for this account in this region.', 'see the SES console (Account dashboard) for why, and ask AWS to resume sending.');
  }
  const left = account.max24HourSend - account.sentLast24Hours;
  const quota = `${account.sentLast24Hours} of ${account.max24HourSend} emails sent in the last 24 h, ${account.maxSendRate} a second`;
  if (left < rosterSize) {
    return fail('SES account', `${quota}: not enough left for the ${rosterSize} people on the roster.`, 'wait for the 24-hour window to move on, or request a higher quota (SES console → Account dashboard).');
  }
  return pass('SES account', `${quota}${account.productionAccess ? '' : '; in the SES sandbox: every recipient must be verified'}.`);
}

/** In the SES sandbox, every roster address must be verified too; outside it, nothing to check. */
export async function checkRecipients(ses: SESClient, account: SendingAccount, addresses: readonly string[]): Promise<Finding> {
  if (account.productionAccess) return pass('SES recipients', 'the account has production access: any address can receive.');
  const verified = await verifiedAddresses(ses, addresses);
  const unverified = addresses.filter((address) => !verified.has(address));
  if (unverified.length === 0) return pass('SES recipients', `in the SES sandbox, and all ${addresses.length} roster addresses are verified.`);
  const shown = unverified.slice(0, 5).join(', ') + (unverified.length > 5 ? ` and ${unverified.length - 5} more` : '');
  return fail(
    'SES recipients',
    `the account is in the SES sandbox and ${unverified.length} of ${addresses.length} roster addresses are not verified (${shown}): their emails would be refused.`,
    'request production access (SES console → Account dashboard → Request production access), or run `npm run setup -- --verify-recipients` to send each a verification email.',
  );
}

/** Asks SES to email each address a verification link (the address's owner must follow it). */
export async function requestVerification(ses: SESClient, addresses: readonly string[]): Promise<void> {
  for (const address of addresses) await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: address }));
}
