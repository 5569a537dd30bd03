import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/core/config';
import type { Roster } from '../../shared/core/roster';
import { checkFunctionEnvironment, environmentSize, functionEnvironment } from '../../shared/setup/function-environment';
import { configProblems, validEnv } from '../fixtures';
import { ciSettings } from './iam/deployment-context';
import { realisticMembers } from '../helpers/roster-people';
import { CI_STAGE, type PackagedTemplate, packagedDeployment, REPO_ROOT } from './packaged-deployment';

type Variables = Record<string, string>;

const plugin = createRequire(__filename)(path.join(REPO_ROOT, 'scripts/serverless-environment-limit.cjs')) as {
  LIMIT_BYTES: number;
  environmentBytes: (variables: Variables) => number;
  deployedEnvironments: (input: { functions: Record<string, { environment: Record<string, unknown> }>; resources: Record<string, unknown>; region: string }) => Record<string, Variables>;
  environmentLimitProblem: (environments: Record<string, Variables>) => string | undefined;
};

/** Lambda's limit for one function's variables; its refusal shows it measures them as one JSON object. */
const LIMIT = 4096;
/** A region name as long as any AWS has (ap-southeast-5, ap-northeast-3, eusc-de-east-1: 14 characters). */
const LONGEST_REGION = 'xx-xxxxxxxxx-9';
/** Lambda's function names have at most 64 characters; CloudFormation fills in the rest. */
const FUNCTION_NAME_LIMIT = 64;

/**
 * The longest value each setting has that config.ts bounds (a range, a list of choices, an id
 * format), and a value one character longer that config.ts refuses (checked below, so a
 * looser bound there fails this test instead of going unnoticed). Settings bounded only by
 * AWS: a DNS name (253 characters, and `8080.dev-254.` in front for a preview), an EC2 key
 * pair name (255). The rest (ROSTER, ALLOWED_USERS, ALLOWED_CHANNELS, the sender, the Slack ids,
 * the parameter names and URLs) has no bound, and keeps .env.ci's values.
 */
const LONGEST: Record<string, { value: string; longer?: string }> = {
  MAX_SEATS: { value: '30', longer: '100' },
  DEFAULT_SIZE: { value: 'xlarge' },
  DEFAULT_HOURS: { value: '168', longer: '1000' },
  MAX_HOURS: { value: '168', longer: '1000' },
  WARNING_MINUTES: { value: '120', longer: '1000' },
  EXTEND_HOURS: { value: '24', longer: '100' },
  NOTIFY_GRACE_MINUTES: { value: '60', longer: '100' },
  IDLE_MINUTES: { value: '240', longer: '1000' },
  SOURCE_CIDR: { value: '203.113.255.255/32' },
  ADMIN_CIDR: { value: '203.113.255.254/32' },
  EXPOSED_PORT: { value: '65535', longer: '100000' },
  DASHBOARD_PORT: { value: '65534', longer: '100000' },
  HOSTED_ZONE_ID: { value: `Z${'A'.repeat(32)}`, longer: `Z${'A'.repeat(33)}` },
  VPC_ID: { value: `vpc-${'a'.repeat(17)}`, longer: `vpc-${'a'.repeat(18)}` },
  SUBNET_ID: { value: `subnet-${'a'.repeat(17)}`, longer: `subnet-${'a'.repeat(18)}` },
  TLS_CERTIFICATE: { value: 'acme' },
  CERTIFICATE_RENEW_DAYS: { value: '60', longer: '100' },
  CERTIFICATE_KEY_TYPE: { value: 'ecdsa' },
  ROOT_VOLUME_GB: { value: '1024', longer: '10000' },
  KEEP_WORK: { value: 'false' },
  SNAPSHOTS_KEPT: { value: '20', longer: '100' },
  DATA_VOLUME_GB: { value: '1024', longer: '10000' },
  POWERTOOLS_LOG_LEVEL: { value: 'DEBUG' },
  DOMAIN_NAME: { value: `${'d'.repeat(63)}.${'o'.repeat(18)}.example`, longer: `${'d'.repeat(63)}.${'o'.repeat(19)}.example` },
  KEY_PAIR_NAME: { value: 'k'.repeat(255) },
};

const lambdaFunctions = (template: PackagedTemplate) => Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');

/** Each function's variables as Lambda will get them, every value CloudFormation fills in at its longest. */
function environments(template: PackagedTemplate, region: string): Record<string, Variables> {
  const functions = Object.fromEntries(lambdaFunctions(template).map(([id, resource]) => [id, { environment: resource.Properties.Environment.Variables as Record<string, unknown> }]));
  return plugin.deployedEnvironments({ functions, resources: template.Resources, region });
}

const rosterSetting = (roster: Roster) => roster.map((member) => `${member.slot}:${member.userId}:${member.name}:${member.email}`).join(',');

const sizes = (environmentsById: Record<string, Variables>) => Object.fromEntries(Object.entries(environmentsById).map(([id, variables]) => [id, plugin.environmentBytes(variables)]));

describe('the functions\' environments (Lambda\'s 4 KB each)', () => {
  let template: PackagedTemplate;

  beforeAll(async () => {
    ({ template } = await packagedDeployment());
  }, 240_000);

  it('counts the variables as Lambda does: one JSON object, quotes and commas included', () => {
    const variables = { ROSTER: 'é'.repeat(10), A: '' };

    expect(plugin.environmentBytes(variables)).toBe(Buffer.byteLength('{"ROSTER":"éééééééééé","A":""}'));
    // Names and values alone: 27 bytes.
    expect(plugin.environmentBytes(variables)).toBe(40);
  });

  it('stay under 4 KB with .env.ci\'s settings, every value CloudFormation fills in at its longest', () => {
    const measured = sizes(environments(template, 'eu-west-1'));

    expect(Object.keys(measured)).toHaveLength(7);
    for (const [id, size] of Object.entries(measured)) expect(size, id).toBeLessThanOrEqual(LIMIT);
  });

  it('take each setting\'s longest allowed value: config.ts accepts it, and refuses one character more', () => {
    const longest = Object.fromEntries(Object.entries(LONGEST).map(([name, { value }]) => [name, value]));

    expect(() => loadConfig(validEnv(longest))).not.toThrow();
    for (const [name, { longer }] of Object.entries(LONGEST)) {
      if (longer) expect(configProblems(validEnv({ ...longest, [name]: longer })).join('\n'), name).toContain(name);
    }
  });

  it('stay under 4 KB with every bounded setting at its longest, on the longest stage and region, with room left for ROSTER', () => {
    // Prepare: the longest stage Lambda's function names allow, in every name serverless.yml derives from it.
    const longestName = Math.max(...lambdaFunctions(template).map(([, resource]) => String(resource.Properties.FunctionName).length));
    const stage = 's'.repeat(CI_STAGE.length + FUNCTION_NAME_LIMIT - longestName);
    const onLongestStage = JSON.parse(JSON.stringify(template).replaceAll(`team-ide-${CI_STAGE}`, `team-ide-${stage}`).replaceAll(`/team-ide/${CI_STAGE}/`, `/team-ide/${stage}/`)) as PackagedTemplate;
    for (const [, resource] of lambdaFunctions(onLongestStage)) {
      Object.assign(resource.Properties.Environment.Variables, Object.fromEntries(Object.entries(LONGEST).map(([name, { value }]) => [name, value])));
    }

    // Act
    const worst = environments(onLongestStage, LONGEST_REGION);
    const measured = sizes(worst);
    const largest = Math.max(...Object.values(measured));
    const rosterNow = plugin.environmentBytes({ ROSTER: Object.values(worst)[0]?.ROSTER ?? '' });
    const fits = (people: number) => largest - rosterNow + plugin.environmentBytes({ ROSTER: rosterSetting(realisticMembers(people)) }) <= LIMIT;
    const people = Array.from({ length: 254 }, (_unused, index) => index + 1).findLast(fits) ?? 0;

    // Assess: the longest stage makes names of exactly 64 characters; the README promises a ROSTER of 20 people even then.
    expect(Math.max(...lambdaFunctions(onLongestStage).map(([, resource]) => String(resource.Properties.FunctionName).length))).toBe(FUNCTION_NAME_LIMIT);
    for (const [id, size] of Object.entries(measured)) expect(size, id).toBeLessThanOrEqual(LIMIT);
    expect(people).toBeGreaterThanOrEqual(20);
  });

  it('are counted by the doctor and setup exactly as by this plugin, with .env.ci\'s ROSTER, a long one, and one byte over the limit', () => {
    // The same settings on both sides: .env.ci's, the ROSTER given to both.
    const region = 'eu-west-1';
    const counted = (roster: string) => {
      const settings = { ...ciSettings(), ROSTER: roster };
      const packaged = JSON.parse(JSON.stringify(template)) as PackagedTemplate;
      for (const [, resource] of lambdaFunctions(packaged)) resource.Properties.Environment.Variables.ROSTER = roster;
      const byPlugin = environments(packaged, region);
      const byDoctor = functionEnvironment({ stage: CI_STAGE, region, settings, accountId: '210987654321' });
      return { byPlugin, byDoctor, pluginBytes: Object.values(sizes(byPlugin)), doctorBytes: environmentSize(byDoctor), finding: checkFunctionEnvironment({ stage: CI_STAGE, region, settings }) };
    };
    const ciRoster = ciSettings().ROSTER ?? '';
    // 38 people: within a few bytes of the limit, where a lenient count would say it fits with room to spare.
    const longRoster = rosterSetting(realisticMembers(38));
    const { doctorBytes: withLongRoster } = counted(longRoster);
    // The long roster, its last email stretched until the plugin counts one byte more than Lambda allows.
    const overByOne = `${longRoster.slice(0, longRoster.lastIndexOf('@'))}${'x'.repeat(LIMIT + 1 - withLongRoster)}${longRoster.slice(longRoster.lastIndexOf('@'))}`;

    for (const roster of [ciRoster, longRoster, overByOne]) {
      const { byPlugin, byDoctor, pluginBytes, doctorBytes } = counted(roster);
      expect(Object.keys(byPlugin)).toHaveLength(7);
      for (const variables of Object.values(byPlugin)) expect(byDoctor).toEqual(variables);
      expect(pluginBytes).toEqual(pluginBytes.map(() => doctorBytes));
    }
    expect(withLongRoster).toBeGreaterThan(LIMIT - 60);
    expect(withLongRoster).toBeLessThanOrEqual(LIMIT);
    expect(counted(longRoster).finding.ok).toBe(true);
    expect(counted(overByOne).pluginBytes[0]).toBe(LIMIT + 1);
    expect(plugin.environmentLimitProblem(counted(overByOne).byPlugin)).toBeDefined();
    expect(counted(overByOne).finding).toMatchObject({ ok: false, detail: expect.stringContaining(`about ${LIMIT + 1} bytes`) });
  });

  it('refuses, at exactly one byte over the limit, naming the functions, the largest settings and, for ROSTER, what to do', () => {
    const fits = { f: { ROSTER: 'r'.repeat(LIMIT - '{"ROSTER":""}'.length) } };
    const over = { f: { ROSTER: 'r'.repeat(LIMIT - '{"ROSTER":""}'.length + 1) } };

    expect(plugin.environmentLimitProblem(fits)).toBeUndefined();
    expect(plugin.environmentLimitProblem(over)).toContain('The settings make the environment of f 4,097 bytes, and Lambda allows each function 4,096');
    expect(plugin.environmentLimitProblem(over)).toContain('`/ide roster add @alice @bob …`');
  });
});

describe('serverless package with a ROSTER too long for Lambda', () => {
  it('stops before building anything, and says what to do', async () => {
    // Prepare: the whole team written into ROSTER by hand, as a deployer upgrading from before `/ide roster` may have it.
    const outDir = path.join(await mkdtemp(path.join(tmpdir(), 'team-ide-env-limit-')), 'package');
    const roster = rosterSetting(realisticMembers(60));
    try {
      // Act: .env.ci's settings, the shell's ROSTER winning over the file's, as with any .env.<stage>.
      const packaging = promisify(execFile)('npx', ['serverless', 'package', '--stage', CI_STAGE, '--package', outDir], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_ACCESS_KEY_ID: 'AKIDFAKEFORTESTS', AWS_SECRET_ACCESS_KEY: 'fake', AWS_REGION: 'eu-west-1', ROSTER: roster },
        maxBuffer: 16 * 1024 * 1024,
      });
      const failure = (await packaging.then(() => undefined, (error: unknown) => error)) as { stdout: string; stderr: string } | undefined;

      // Assess
      expect(failure, 'serverless package succeeded').toBeDefined();
      const output = `${failure?.stdout}\n${failure?.stderr}`;
      expect(output).toMatch(/The settings make the environment of slackCommand, launcher, .* [\d,]+ bytes, and Lambda allows each function 4,096/);
      expect(output).toMatch(/The largest: ROSTER [\d,]+ bytes/);
      expect(output).toContain('`/ide roster add @alice @bob …`');
      expect(await readdir(outDir).catch(() => [])).toEqual([]);
    } finally {
      await rm(path.dirname(outDir), { recursive: true, force: true });
    }
  }, 120_000);
});
