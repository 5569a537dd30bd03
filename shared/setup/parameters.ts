import { GetParametersCommand, paginateDescribeParameters, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { parseBundle } from '../certificate/certificate-bundle';
import { HTPASSWD_LINE } from './dashboard-credential';
import { describeAwsError, fail, type Finding, isAccessDenied, pass } from './findings';
import { PARAMETERS, type ParameterKey, type ParameterSpec } from './stage';

/** A stored parameter as the caller reads it: decrypted, with its type and key. */
export interface StoredParameter {
  value: string;
  type: string;
  keyId: string | undefined;
}

/** GetParameters takes at most 10 names a call. */
const NAMES_PER_CALL = 10;

/** The default key of SecureStrings: the functions' and the host's roles decrypt with it through SSM, without a KMS grant. */
export const DEFAULT_PARAMETER_KEY = 'alias/aws/ssm';

/**
 * The parameters that exist among `names`, decrypted with the caller's rights. Their keys come
 * from DescribeParameters, which may answer short or empty pages before the end: it is
 * paged until it gives no NextToken.
 */
export async function readParameters(ssm: SSMClient, names: readonly string[]): Promise<Map<string, StoredParameter>> {
  const found = new Map<string, StoredParameter>();
  for (let start = 0; start < names.length; start += NAMES_PER_CALL) {
    const { Parameters } = await ssm.send(new GetParametersCommand({ Names: names.slice(start, start + NAMES_PER_CALL), WithDecryption: true }));
    for (const parameter of Parameters ?? []) found.set(parameter.Name ?? '', { value: parameter.Value ?? '', type: parameter.Type ?? '', keyId: undefined });
  }
  if (found.size === 0) return found;
  const pages = paginateDescribeParameters({ client: ssm }, { ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [...found.keys()] }] });
  for await (const page of pages) {
    for (const metadata of page.Parameters ?? []) {
      const parameter = found.get(metadata.Name ?? '');
      if (parameter) parameter.keyId = metadata.KeyId;
    }
  }
  return found;
}

/**
 * Stores a secret as a SecureString with the default key. Intelligent-Tiering keeps it a free
 * standard parameter while it fits in 4 KB and makes it advanced when not (a long certificate
 * chain): Parameter Store decides per write.
 */
export async function storeSecureString(ssm: SSMClient, name: string, value: string, description: string): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', Overwrite: true, Tier: 'Intelligent-Tiering', Description: `team-ide: ${description}` }));
}

/** What a value of each parameter must look like; undefined when it does. */
const CONTENT_PROBLEMS: Record<ParameterKey, (value: string) => string | undefined> = {
  signingSecret: (value) => (value.trim() !== '' && !/\s|^xox/.test(value) ? undefined : 'is not a Slack signing secret (from the app\'s Basic Information page, not a token)'),
  botToken: (value) => (value.startsWith('xoxb-') ? undefined : 'is not a bot token (xoxb-…)'),
  certificate: (value) => {
    const parsed = parseBundle(value);
    return 'problem' in parsed ? `is no certificate bundle: ${parsed.problem}` : undefined;
  },
  acmeAccountKey: (value) => (/-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/.test(value) ? undefined : 'holds no PEM private key'),
  dashboardUsers: (value) => (HTPASSWD_LINE.test(value.trim()) ? undefined : 'is not one htpasswd bcrypt line (admin:$2…)'),
};

/**
 * One finding per parameter: it exists, is a SecureString the caller can decrypt, holds what
 * its reader expects, and uses the default key. Why reading as the caller is enough: each
 * role is granted ssm:GetParameters on exactly these names by infra/deploy-resources.yml
 * (checked by IAM simulation in the tests), and the default key needs no KMS grant; a
 * customer-managed key would, and no role has one.
 */
export function checkParameters(names: Record<ParameterKey, string>, stored: Map<string, StoredParameter>, stage: { certificateMode: 'acme' | 'own'; dashboard: boolean }): Finding[] {
  const needed = (spec: ParameterSpec) => spec.neededFor === undefined || (spec.neededFor === 'acme' ? stage.certificateMode === 'acme' : stage.dashboard);
  return PARAMETERS.filter(needed).map((spec) => checkParameter(spec, names[spec.key], stored.get(names[spec.key]), stage.certificateMode));
}

function checkParameter(spec: ParameterSpec, name: string, parameter: StoredParameter | undefined, certificateMode: 'acme' | 'own'): Finding {
  const check = `SSM ${name}`;
  // What the certificate function keeps is stored by it, not by setup: it runs after each deploy and daily.
  const byCertificateFunction = spec.key === 'acmeAccountKey' || (spec.key === 'certificate' && certificateMode === 'acme');
  const store = byCertificateFunction
    ? 'run the certificate function (it runs after `npm run deploy` and daily; `npx serverless invoke -f certificate --stage <stage>` runs it now) and read its answer or logs'
    : `store ${spec.description} with \`npm run setup\``;
  if (!parameter) return fail(check, `does not exist, so ${spec.readers} cannot read ${spec.description}.`, `${store}.`);
  if (parameter.type !== 'SecureString') return fail(check, `is a ${parameter.type}, so ${spec.description} is stored unencrypted.`, `delete it and ${store} (a SecureString).`);
  const problem = CONTENT_PROBLEMS[spec.key](parameter.value);
  if (problem) return fail(check, `${problem}.`, `${store}.`);
  if (parameter.keyId !== undefined && parameter.keyId !== DEFAULT_PARAMETER_KEY) {
    return fail(check, `is encrypted with ${parameter.keyId}, which ${spec.readers} may not decrypt (their roles have no kms:Decrypt).`, `${store} (it uses ${DEFAULT_PARAMETER_KEY}).`);
  }
  return pass(check, `SecureString (${DEFAULT_PARAMETER_KEY}) readable by ${spec.readers}.`);
}

/** A finding for when the caller may not read the parameters at all. */
export function parameterAccessFinding(error: unknown): Finding | undefined {
  if (!isAccessDenied(error)) return undefined;
  return fail('SSM parameters', `cannot read them (${describeAwsError(error)}).`, 'use credentials allowed ssm:GetParameters, ssm:DescribeParameters and kms:Decrypt on the default aws/ssm key.');
}
