'use strict';
/**
 * A local serverless plugin (serverless.yml `plugins:`): stops `serverless package` and
 * `serverless deploy` before anything is built when a function's environment would be larger
 * than the 4 KB Lambda allows each function. Otherwise CloudFormation finds out halfway
 * through the deploy and rolls it back ("Lambda was unable to configure your environment
 * variables because the environment variables you have provided exceeded the 4KB limit.
 * String measured: {…}"). As that message shows, Lambda measures the variables as one JSON
 * object, quotes and commas included, so this does too: a few hundred bytes more than
 * names and values alone (what cfn-lint's E3697 adds up).
 *
 * Every setting is a variable of every function (serverless.yml `provider.environment`); the
 * long one is ROSTER, which a deployer may have written by hand with the whole team in it.
 */
const LIMIT_BYTES = 4096;

/** A stand-in for the account id in the values CloudFormation fills in: all are 12 digits. */
const ACCOUNT_ID = '123456789012';

/**
 * The longest value CloudFormation can give a `Ref` or `Fn::GetAtt` of a resource of ours, by
 * the resource's type, when the template leaves it to CloudFormation. Its generated names are
 * at most as long as IAM allows: 64 characters for a role, 128 for an instance profile. SQS
 * writes a queue's URL with the host it was created through: `sqs.<region>.amazonaws.com`,
 * FIPS, China's `.com.cn`, the legacy `<region>.queue.amazonaws.com`; none is longer than
 * `sqs-fips.<region>.amazonaws.com.cn`. The longest partition is `aws-us-gov`.
 */
const LONGEST_VALUE = {
  'AWS::SQS::Queue': {
    Ref: (properties, region) => `https://sqs-fips.${region}.amazonaws.com.cn/${ACCOUNT_ID}/${properties.QueueName ?? 'q'.repeat(80)}`,
  },
  'AWS::IAM::Role': {
    Arn: (properties) => `arn:aws-us-gov:iam::${ACCOUNT_ID}:role${properties.Path ?? '/'}${properties.RoleName ?? 'r'.repeat(64)}`,
  },
  'AWS::IAM::InstanceProfile': {
    Ref: (properties) => properties.InstanceProfileName ?? 'p'.repeat(128),
  },
};

/** A variable's value as Lambda will get it, at its longest when CloudFormation fills it in. */
function longestValue(name, value, resources, region) {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const [logicalId, attribute] = value?.Ref !== undefined ? [value.Ref, 'Ref'] : Array.isArray(value?.['Fn::GetAtt']) ? value['Fn::GetAtt'] : [];
  const resource = resources[logicalId];
  const longest = resource && LONGEST_VALUE[resource.Type]?.[attribute];
  if (!longest) {
    throw new Error(`cannot tell how long ${name} (${JSON.stringify(value)}) will be once deployed: add its longest value to LONGEST_VALUE in scripts/serverless-environment-limit.cjs`);
  }
  return longest(resource.Properties ?? {}, region);
}

/** Bytes Lambda counts for these variables: their JSON object, in UTF-8. */
function environmentBytes(variables) {
  return Buffer.byteLength(JSON.stringify(variables), 'utf8');
}

/**
 * Each function's variables as Lambda will get them (the provider's, then the function's
 * own), with the values CloudFormation fills in at their longest.
 */
function deployedEnvironments({ providerEnvironment = {}, functions, resources = {}, region }) {
  return Object.fromEntries(
    Object.entries(functions).map(([key, definition]) => {
      const variables = { ...providerEnvironment, ...(definition.environment ?? {}) };
      return [key, Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, longestValue(name, value, resources, region)]))];
    }),
  );
}

const bytes = (count) => count.toLocaleString('en-US');

/** What to tell the deployer about the functions over the limit; undefined when every one fits. */
function environmentLimitProblem(environments) {
  const over = Object.entries(environments)
    .map(([key, variables]) => ({ key, variables, size: environmentBytes(variables) }))
    .filter(({ size }) => size > LIMIT_BYTES);
  if (over.length === 0) return undefined;
  const largest = over.reduce((worst, next) => (next.size > worst.size ? next : worst));
  const biggest = Object.entries(largest.variables)
    .map(([name, value]) => ({ name, size: environmentBytes({ [name]: value }) - 2 }))
    .sort((a, b) => b.size - a.size)
    .slice(0, 3);
  const lines = [
    `The settings make the environment of ${over.map(({ key }) => key).join(', ')} ${bytes(largest.size)} bytes, and Lambda allows each function ${bytes(LIMIT_BYTES)} (it counts the variables as JSON: names, values, quotes and commas), so the deploy would fail.`,
    `The largest: ${biggest.map(({ name, size }) => `${name} ${bytes(size)} bytes`).join(', ')}; ${bytes(largest.size - LIMIT_BYTES)} bytes have to go.`,
  ];
  if (biggest[0]?.name === 'ROSTER') {
    lines.push(
      'ROSTER is the roster only until the first `/ide roster add` or `remove` stores the team\'s own in SSM (README, "The roster"); from then on it is not read.',
      'Keep ROSTER to a few people (the leads), deploy, and add the others in Slack: `/ide roster add @alice @bob …`.',
      'If `/ide roster` already stored the roster, shortening ROSTER loses nobody. If not, those added again get the lowest free seats, and each finds their saved work, which is kept by Slack id.',
    );
  }
  return lines.join('\n');
}

class EnvironmentLimit {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      // Before serverless-esbuild builds anything (before:package:createDeploymentArtifacts).
      'package:initialize': () => this.check(),
      // `serverless deploy function` sends the function's configuration without packaging.
      'deploy:function:initialize': () => this.check(),
    };
  }

  check() {
    const { service } = this.serverless;
    const problem = environmentLimitProblem(
      deployedEnvironments({
        providerEnvironment: service.provider.environment,
        functions: service.functions ?? {},
        resources: service.resources?.Resources ?? {},
        region: service.provider.region,
      }),
    );
    if (problem) throw new this.serverless.classes.Error(problem);
  }
}

module.exports = EnvironmentLimit;
module.exports.LIMIT_BYTES = LIMIT_BYTES;
module.exports.environmentBytes = environmentBytes;
module.exports.deployedEnvironments = deployedEnvironments;
module.exports.environmentLimitProblem = environmentLimitProblem;
