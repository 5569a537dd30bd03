import { describe, expect, it } from 'vitest';
import { sesAdvice } from '../../../shared/email/notify-developers';

const advice = (name: string, message = '') => sesAdvice(name, message, 'bob@example.com', 'ide@example.com');

describe('sesAdvice', () => {
  it.each([
    ['MessageRejected', 'Email address is not verified. The following identities failed the check in region EU-WEST-1: bob@example.com', 'SES is in sandbox mode and this address is not verified'],
    ['MessageRejected', 'Email address is not verified. The following identities failed the check in region EU-WEST-1: ide@example.com', 'SES has not verified the sender ide@example.com'],
    ['InvalidParameterValue', "Missing final '@domain'", 'malformed: fix it in Slack and `/ide roster add` them again'],
    ['MailFromDomainNotVerifiedException', '', 'MAIL FROM domain'],
    ['AccountSendingPausedException', '', 'sending is paused'],
    ['Throttling', 'Daily message quota exceeded.', 'daily sending quota'],
    ['Throttling', 'Maximum sending rate exceeded.', 'request production access or a higher sending rate'],
    ['AccessDenied', 'User is not authorized to perform ses:SendEmail', 'check the notifier role'],
    ['ConfigurationSetDoesNotExistException', '', 'SES refused it (ConfigurationSetDoesNotExistException)'],
  ])('maps %s "%s" to advice', (name, message, expected) => {
    expect(advice(name, message)).toContain(expected);
  });
});
