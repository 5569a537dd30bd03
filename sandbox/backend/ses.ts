/**
 * The sandbox's SES for setup and the doctor (the emails themselves go to
 * aws-ses-v2-local): identity verification status and requests (SES v1, awsQuery) and the
 * account's sending status (SES v2 GetAccount, restJson1). As in SES,
 * GetIdentityVerificationAttributes leaves identities it does not know out of its answer.
 */
import { authorize, type SandboxAccount } from './account';
import { AwsServiceError, queryStringList, XmlList } from './aws-protocols';

export const SES_NAMESPACE = 'http://ses.amazonaws.com/doc/2010-12-01/';

/** GetIdentityVerificationAttributes takes at most this many identities a call. */
const IDENTITIES_PER_CALL = 100;

export class SandboxSes {
  constructor(private readonly account: SandboxAccount) {}

  /** SES v1 (awsQuery). */
  handleQuery(action: string, form: URLSearchParams): Record<string, unknown> {
    this.authorize(action, 'AccessDenied');
    switch (action) {
      case 'GetIdentityVerificationAttributes': {
        const identities = queryStringList(form, 'Identities');
        if (identities.length > IDENTITIES_PER_CALL) {
          throw new AwsServiceError('ValidationError', `1 validation error detected: Value at 'identities' failed to satisfy constraint: Member must have length less than or equal to ${IDENTITIES_PER_CALL}`);
        }
        const known = identities.filter((identity) => this.account.ses.identities[identity] !== undefined);
        return {
          VerificationAttributes: new XmlList('entry', known.map((identity) => ({ key: identity, value: { VerificationStatus: this.account.ses.identities[identity] } }))),
        };
      }
      case 'VerifyEmailIdentity': {
        const address = form.get('EmailAddress') ?? '';
        if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address)) throw new AwsServiceError('InvalidParameterValue', `Invalid email address<${address}>.`);
        // SES sends the address a link; until it is followed the identity is pending.
        if (this.account.ses.identities[address] !== 'Success') this.account.ses.identities[address] = 'Pending';
        return {};
      }
      default:
        throw new AwsServiceError('InvalidAction', `The sandbox's SES emulates GetIdentityVerificationAttributes and VerifyEmailIdentity (v1) and GetAccount (v2), not ${action}`);
    }
  }

  /** SES v2 (restJson1): GET /v2/email/account. */
  handleRest(method: string, path: string): Record<string, unknown> {
    if (method !== 'GET' || path !== '/v2/email/account') {
      throw new AwsServiceError('NotFoundException', `The sandbox's SES v2 emulates GET /v2/email/account only, not ${method} ${path}`, 404);
    }
    this.authorize('GetAccount', 'AccessDeniedException');
    const { ses } = this.account;
    return {
      DedicatedIpAutoWarmupEnabled: false,
      EnforcementStatus: 'HEALTHY',
      ProductionAccessEnabled: ses.productionAccessEnabled,
      SendQuota: { Max24HourSend: ses.max24HourSend, MaxSendRate: ses.maxSendRate, SentLast24Hours: ses.sentLast24Hours },
      SendingEnabled: ses.sendingEnabled,
    };
  }

  private authorize(action: string, code: string): void {
    authorize(this.account, `ses:${action}`, (message) => new AwsServiceError(code, message, 403));
  }
}

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** STS GetCallerIdentity: who the credentials belong to. Any valid credentials may call it. */
export function getCallerIdentity(account: SandboxAccount, action: string): Record<string, unknown> {
  if (action !== 'GetCallerIdentity') throw new AwsServiceError('InvalidAction', `The sandbox's STS emulates GetCallerIdentity only, not ${action}`);
  return { Arn: account.callerArn, UserId: 'AIDASANDBOXDEPLOYER0', Account: account.accountId };
}
