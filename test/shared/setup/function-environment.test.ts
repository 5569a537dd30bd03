import { beforeAll, describe, expect, it } from 'vitest';
import { parseRoster } from '../../../shared/core/roster';
import {
  checkFunctionEnvironment,
  environmentSize,
  functionEnvironment,
  LAMBDA_ENVIRONMENT_LIMIT,
  leadsOnly,
} from '../../../shared/setup/function-environment';
import { validEnv } from '../../fixtures';
import { ciSettings } from '../../infra/iam/deployment-context';
import { CI_STAGE, packagedDeployment, type PackagedTemplate } from '../../infra/packaged-deployment';

const STAGE = 'prod';
const stageOf = (settings: Record<string, string | undefined>) => ({ stage: STAGE, region: 'eu-west-1', settings, accountId: '123456789012' });

/** A valid ROSTER of `count` people, alice (a lead) first. */
const rosterOf = (count: number) => ['1:U0000AAA1:alice:alice@example.com', ...Array.from({ length: count - 1 }, (_unused, index) => `${index + 2}:U0000M${String(index + 2).padStart(3, '0')}:member${index + 2}:member${index + 2}@example.com`)].join(',');

describe('the functions\' environment', () => {
  let template: PackagedTemplate;

  beforeAll(async () => {
    ({ template } = await packagedDeployment());
  }, 240_000);

  it('has the variables serverless.yml gives every function, with the values it gives them', () => {
    const estimated = functionEnvironment({ stage: CI_STAGE, region: 'eu-west-1', settings: ciSettings(), accountId: '123456789012' });
    const functions = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');

    expect(functions.length).toBeGreaterThan(0);
    for (const resource of functions) {
      const deployed = resource.Properties.Environment.Variables as Record<string, unknown>;
      expect(Object.keys(estimated).sort()).toEqual(Object.keys(deployed).sort());
      // Plain values as serverless resolved them; the ones CloudFormation fills in (queue URL, profile, role) are estimated.
      const plain = Object.entries(deployed).filter(([, value]) => typeof value === 'string');
      expect(plain.length).toBeGreaterThan(40);
      for (const [name, value] of plain) expect(estimated[name], name).toBe(value);
    }
    // At their longest, as the packaging plugin counts them (test/infra/function-environment.test.ts compares the two).
    expect(estimated).toMatchObject({
      FAILED_JOBS_QUEUE_URL: 'https://sqs-fips.eu-west-1.amazonaws.com.cn/123456789012/team-ide-ci-failed-jobs',
      INSTANCE_PROFILE_NAME: 'p'.repeat(128),
      TEAM_STACK_ROLE_ARN: `arn:aws-us-gov:iam::123456789012:role/${'r'.repeat(64)}`,
    });
  });

  describe('checkFunctionEnvironment (the doctor and setup)', () => {
    it('passes the usual settings, with how much of the 4 KB they take', () => {
      expect(checkFunctionEnvironment(stageOf(validEnv()))).toEqual({ ok: true, check: 'Function environment', detail: expect.stringMatching(/^about 1\d{3} of the 4096 bytes Lambda allows a function's variables \(ROSTER: 120\)\.$/) });
    });

    it('passes an environment of exactly 4,096 bytes and fails one byte more', () => {
      const base = validEnv({ ROSTER: '1:U0000AAA1:alice:a@example.com' });
      const padding = LAMBDA_ENVIRONMENT_LIMIT - environmentSize(functionEnvironment(stageOf(base)));
      const withEmail = (extra: number) => validEnv({ ROSTER: `1:U0000AAA1:alice:${'a'.repeat(1 + extra)}@example.com` });

      expect(environmentSize(functionEnvironment(stageOf(withEmail(padding))))).toBe(LAMBDA_ENVIRONMENT_LIMIT);
      expect(checkFunctionEnvironment(stageOf(withEmail(padding))).ok).toBe(true);
      expect(checkFunctionEnvironment(stageOf(withEmail(padding + 1))).ok).toBe(false);
    });

    it('fails a ROSTER that takes the environment past 4 KB, and says setup moves the roster into SSM', () => {
      const finding = checkFunctionEnvironment(stageOf(validEnv({ ROSTER: rosterOf(70) })));

      expect(finding).toEqual({
        ok: false,
        check: 'Function environment',
        detail: expect.stringMatching(/^about \d{4} bytes, past the 4096 Lambda allows a function's variables together, \d{4} of them ROSTER's: the next deploy would fail\.$/),
        fix: 'run `npm run setup -- --stage prod`: it moves the roster into SSM (/team-ide-prod/roster), where `/ide roster` keeps it, and leaves only the leads in ROSTER.',
      });
    });

    it('names the longest settings when the roster is not what takes it past', () => {
      const manyLeads = Array.from({ length: 400 }, (_unused, index) => `U${String(index).padStart(9, '0')}`).join(',');

      expect(checkFunctionEnvironment(stageOf(validEnv({ ALLOWED_USERS: manyLeads })))).toMatchObject({ ok: false, fix: expect.stringMatching(/^shorten the longest settings in \.env\.prod: ALLOWED_USERS \(4399 bytes\), /) });
    });
  });

  describe('leadsOnly', () => {
    it('keeps the leads on the roster, in the ROSTER format', () => {
      const kept = leadsOnly(rosterOf(5), 'U0000LEAD,U0000M003,U0000AAA1');

      expect(kept).toBe('1:U0000AAA1:alice:alice@example.com,3:U0000M003:member3:member3@example.com');
      expect(parseRoster(kept).problems).toEqual([]);
    });

    it('keeps the first member when no lead is on the roster, or anyone may lead', () => {
      expect(leadsOnly(rosterOf(3), 'U0000LEAD')).toBe('1:U0000AAA1:alice:alice@example.com');
      expect(leadsOnly(rosterOf(3), '*')).toBe('1:U0000AAA1:alice:alice@example.com');
    });
  });
});
