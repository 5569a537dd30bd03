import { beforeAll, describe, expect, it } from 'vitest';
import { DOMAIN_NAME_MAX_LENGTH } from '../../../shared/core/config';
import { STAGE_PATTERN } from '../../../shared/setup/stage';
import { CI_STAGE, packagedDeployment, type PackagedTemplate } from '../packaged-deployment';
import { deploymentContext, SIMULATED_REGIONS } from './deployment-context';
import { rolePolicies } from './policies';

/**
 * IAM refuses a role whose inline policies together pass 10,240 characters, white space not
 * counted (IAM's quotas); CloudFormation then fails the deploy. cfn-lint does not check it. The
 * Route 53 conditions repeat DOMAIN_NAME once per seat pattern, so the size grows with it.
 */
const ROLE_POLICY_LIMIT = 10_240;

/** The longest stage name setup takes (STAGE_PATTERN): it is in every function, queue, parameter and stack name. */
const LONG_STAGE = 'production-eu-west-1';

let template: PackagedTemplate;

beforeAll(async () => {
  ({ template } = await packagedDeployment());
}, 240_000);

const roleIds = () => Object.keys(template.Resources).filter((id) => template.Resources[id]?.Type === 'AWS::IAM::Role');

/** A role's inline policies as IAM measures them: the JSON CloudFormation sends, without white space. */
function policyText(roleId: string, region: string): string {
  return rolePolicies(template, roleId, deploymentContext(region)).map(({ policy }) => JSON.stringify(policy)).join('');
}

/** `count` characters of domain name: labels of 63 (DNS's longest) under the CI domain's own. */
function domainOfLength(count: number, base: string): string {
  let name = base;
  while (name.length < count) name = `${'a'.repeat(Math.min(63, count - name.length - 1))}.${name}`;
  return name;
}

describe('the size of each role\'s policies', () => {
  it.each(SIMULATED_REGIONS)('stays under IAM\'s 10,240 characters for the packaged deployment in %s', (region) => {
    const sizes = Object.fromEntries(roleIds().map((id) => [id, policyText(id, region).length]));

    expect(Object.keys(sizes)).toEqual(expect.arrayContaining(['TeamStackServiceRole', 'CertificateRole']));
    for (const [id, size] of Object.entries(sizes)) expect(size, id).toBeLessThanOrEqual(ROLE_POLICY_LIMIT);
  });

  it(`stays under it with the longest DOMAIN_NAME the settings take (${DOMAIN_NAME_MAX_LENGTH} characters) and a long stage name`, () => {
    const domain = deploymentContext('eu-west-1').stack.domainName;
    const longDomain = domainOfLength(DOMAIN_NAME_MAX_LENGTH, domain);
    const stretched = (text: string) => text.replaceAll(domain, longDomain).replaceAll(`team-ide-${CI_STAGE}`, `team-ide-${LONG_STAGE}`).replaceAll(`/team-ide/${CI_STAGE}/`, `/team-ide/${LONG_STAGE}/`);

    const sizes = Object.fromEntries(roleIds().map((id) => [id, stretched(policyText(id, 'eu-west-1')).length]));

    expect(longDomain).toHaveLength(DOMAIN_NAME_MAX_LENGTH);
    expect(LONG_STAGE).toMatch(STAGE_PATTERN);
    expect(`${LONG_STAGE}x`).not.toMatch(STAGE_PATTERN);
    // The service role names the domain in every seat pattern of its record names: it is the one that grows.
    expect(stretched(policyText('TeamStackServiceRole', 'eu-west-1')).split(longDomain).length - 1).toBeGreaterThanOrEqual(28);
    for (const [id, size] of Object.entries(sizes)) expect(size, id).toBeLessThanOrEqual(ROLE_POLICY_LIMIT);
  });
});
