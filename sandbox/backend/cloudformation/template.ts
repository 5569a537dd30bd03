/**
 * What the sandbox's CloudFormation does with a TemplateBody: parse it, check the
 * parameters against their declarations, the capabilities and the Rules (the checks
 * CloudFormation makes before it answers CreateStack), then expand Fn::ForEach, evaluate
 * the conditions, give each resource a physical id, evaluate every property and output
 * (what it does after answering, where a failure rolls the stack back).
 *
 * Only the intrinsic functions and resource attributes a template of this project can use
 * are emulated; anything else is reported as such, never guessed.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { parseCloudFormationYaml } from './cfn-yaml';
import { expandForEach } from './for-each';

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Refused before CreateStack answers: CloudFormation's ValidationError. */
export class TemplateValidationError extends Error {
  override readonly name = 'TemplateValidationError';
}

/** Refused before CreateStack answers: the caller did not acknowledge what the template creates. */
export class InsufficientCapabilitiesError extends Error {
  override readonly name = 'InsufficientCapabilitiesError';
}

/** Found after CreateStack answered (the transform, references, outputs): the stack rolls back with this reason. */
export class TemplateProcessingError extends Error {
  override readonly name = 'TemplateProcessingError';
}

/** A parsed template: the whole document in long form and its parameter declarations. */
export interface Template {
  document: JsonObject;
  parameters: Record<string, JsonObject>;
  transforms: string[];
}

/** A parameter as CreateStack receives it. */
export interface GivenParameter {
  key: string;
  value: string;
}

/** Every declared parameter's value after defaults: lists split, everything else a string. */
export type ParameterValues = Record<string, string | string[]>;

/** Where the stack lives: the pseudo parameters' values. */
export interface StackContext {
  stackName: string;
  stackId: string;
  region: string;
  accountId: string;
}

/** A resource the stack will hold once created. */
export interface PlannedResource {
  logicalId: string;
  type: string;
  physicalId: string;
  /** Properties with every intrinsic evaluated. */
  properties: JsonObject;
  /** `Delete` unless the template says `Retain`, `Snapshot`… */
  deletionPolicy: string;
}

/** What creating the stack produces: its resources in template order, and its outputs. */
export interface StackPlan {
  resources: PlannedResource[];
  outputs: { key: string; value: string; description?: string }[];
}

// CloudFormation's quotas that a slot list can reach (see the README's "Quotas and limits").
const MAX_RESOURCES = 500;
const MAX_OUTPUTS = 200;

/** Parses a TemplateBody; a syntax error is a ValidationError, as CloudFormation answers it. */
export function parseTemplate(body: string): Template {
  let document: unknown;
  try {
    document = parseCloudFormationYaml(body);
  } catch (error) {
    throw new TemplateValidationError(`Template format error: YAML not well-formed. ${(error as Error).message.split('\n')[0]}`);
  }
  if (!isObject(document)) throw new TemplateValidationError('Template format error: the template must be a mapping');
  if (!isObject(document.Resources) || Object.keys(document.Resources).length === 0) {
    throw new TemplateValidationError('Template format error: At least one Resources member must be defined.');
  }
  const parameters = isObject(document.Parameters) ? document.Parameters : {};
  for (const [name, declaration] of Object.entries(parameters)) {
    if (!isObject(declaration) || typeof declaration.Type !== 'string') {
      throw new TemplateValidationError(`Template format error: Every Parameters object must contain a Type member (${name}).`);
    }
  }
  return {
    document,
    parameters: parameters as Record<string, JsonObject>,
    transforms: [document.Transform ?? []].flat().map(String),
  };
}

/**
 * The parameter values after defaults, checked as CloudFormation checks them: unknown
 * keys, missing required values, and each declared constraint, with CloudFormation's
 * wording (the ConstraintDescription when the template gives one).
 */
export function resolveParameters(template: Template, given: readonly GivenParameter[]): ParameterValues {
  const unknown = given.filter(({ key }) => !(key in template.parameters)).map(({ key }) => key);
  if (unknown.length > 0) throw new TemplateValidationError(`Parameters: [${unknown.join(', ')}] do not exist in the template`);
  const values: ParameterValues = {};
  const missing: string[] = [];
  for (const [name, declaration] of Object.entries(template.parameters)) {
    const text = given.find(({ key }) => key === name)?.value ?? (declaration.Default === undefined ? undefined : String(declaration.Default));
    if (text === undefined) {
      missing.push(name);
      continue;
    }
    const problem = constraintProblem(name, declaration, text);
    if (problem) throw new TemplateValidationError(problem);
    values[name] = isListType(String(declaration.Type)) ? text.split(',') : text;
  }
  if (missing.length > 0) throw new TemplateValidationError(`Parameters: [${missing.join(', ')}] must have values`);
  return values;
}

const isListType = (type: string) => type === 'CommaDelimitedList' || type.startsWith('List<');

/** Formats of the AWS-specific parameter types the template uses: CloudFormation checks they exist, the sandbox that they could. */
const AWS_ID_FORMATS: Record<string, RegExp> = {
  'AWS::EC2::VPC::Id': /^vpc-[0-9a-f]{8,17}$/,
  'AWS::EC2::Subnet::Id': /^subnet-[0-9a-f]{8,17}$/,
  'AWS::Route53::HostedZone::Id': /^Z[A-Z0-9]{1,32}$/,
};

function constraintProblem(name: string, declaration: JsonObject, text: string): string | undefined {
  const type = String(declaration.Type);
  const failed = (plain: string) =>
    typeof declaration.ConstraintDescription === 'string' ? `Parameter '${name}' failed to satisfy constraint: ${declaration.ConstraintDescription}` : `Parameter '${name}' ${plain}`;
  const idFormat = AWS_ID_FORMATS[type];
  if (idFormat && !idFormat.test(text)) return `Parameter validation failed: parameter value ${text} for parameter name ${name} does not exist.`;
  if (type === 'Number') {
    if (!/^-?\d+(\.\d+)?$/.test(text)) return `Parameter '${name}' must be a number`;
    if (declaration.MinValue !== undefined && Number(text) < Number(declaration.MinValue)) return failed(`must be a number not less than ${String(declaration.MinValue)}`);
    if (declaration.MaxValue !== undefined && Number(text) > Number(declaration.MaxValue)) return failed(`must be a number not greater than ${String(declaration.MaxValue)}`);
  }
  // For a list, CloudFormation checks each item against AllowedPattern and AllowedValues.
  for (const item of isListType(type) ? text.split(',') : [text]) {
    if (Array.isArray(declaration.AllowedValues) && !declaration.AllowedValues.map(String).includes(item)) return failed('must have values from the AllowedValues list');
    if (typeof declaration.AllowedPattern === 'string' && !new RegExp(`^(?:${declaration.AllowedPattern})$`).test(item)) {
      return failed(`must match pattern ${declaration.AllowedPattern}`);
    }
  }
  if (declaration.MinLength !== undefined && text.length < Number(declaration.MinLength)) return failed(`must contain at least ${String(declaration.MinLength)} characters`);
  if (declaration.MaxLength !== undefined && text.length > Number(declaration.MaxLength)) return failed(`must contain at most ${String(declaration.MaxLength)} characters`);
  return undefined;
}

/** CreateStack's capability check: a macro needs CAPABILITY_AUTO_EXPAND, IAM resources CAPABILITY_IAM. */
export function checkCapabilities(template: Template, capabilities: readonly string[]): void {
  const needed: string[] = [];
  if (template.transforms.length > 0 && !capabilities.includes('CAPABILITY_AUTO_EXPAND')) needed.push('CAPABILITY_AUTO_EXPAND');
  const createsIam = JSON.stringify(template.document.Resources).includes('"AWS::IAM::');
  if (createsIam && !capabilities.includes('CAPABILITY_IAM') && !capabilities.includes('CAPABILITY_NAMED_IAM')) needed.push('CAPABILITY_IAM');
  if (needed.length > 0) throw new InsufficientCapabilitiesError(`Requires capabilities : [${needed.join(', ')}]`);
}

/** The Rules section: a failed assertion refuses the request with its AssertDescription. */
export function checkRules(template: Template, parameters: ParameterValues, context: StackContext): void {
  const rules = isObject(template.document.Rules) ? template.document.Rules : {};
  const evaluator = new Evaluator(template.document, parameters, context, {});
  for (const [ruleName, rule] of Object.entries(rules)) {
    if (!isObject(rule)) continue;
    if (rule.RuleCondition !== undefined && !evaluator.truth(rule.RuleCondition, `Rules/${ruleName}`)) continue;
    for (const assertion of Array.isArray(rule.Assertions) ? rule.Assertions : []) {
      if (isObject(assertion) && !evaluator.truth(assertion.Assert, `Rules/${ruleName}`)) {
        throw new TemplateValidationError(typeof assertion.AssertDescription === 'string' ? assertion.AssertDescription : `Template error: rule ${ruleName} failed`);
      }
    }
  }
}

/**
 * Everything CloudFormation works out once it has accepted the stack: the expanded
 * resources with physical ids and evaluated properties, and the outputs. Throws a
 * `TemplateProcessingError` whose message is the stack's status reason.
 */
export function planStack(template: Template, parameters: ParameterValues, context: StackContext): StackPlan {
  const lists = Object.fromEntries(Object.entries(parameters).filter((entry): entry is [string, string[]] => Array.isArray(entry[1])));
  let document: JsonObject;
  try {
    document = expandForEach(template.document, lists) as JsonObject;
  } catch (error) {
    throw new TemplateProcessingError(`Transform AWS::LanguageExtensions failed with: ${(error as Error).message}`);
  }
  try {
    return planExpanded(document, parameters, context);
  } catch (error) {
    throw new TemplateProcessingError(`Template error: ${(error as Error).message}`);
  }
}

function planExpanded(document: JsonObject, parameters: ParameterValues, context: StackContext): StackPlan {
  const declared = document.Resources as JsonObject;
  const physical: Record<string, PhysicalResource> = {};
  const evaluator = new Evaluator(document, parameters, context, physical);
  const active = Object.entries(declared).filter(([logicalId, resource]) => {
    if (!isObject(resource) || typeof resource.Type !== 'string') throw new Error(`resource ${logicalId} has no Type`);
    return resource.Condition === undefined || evaluator.condition(String(resource.Condition), `Resources/${logicalId}`);
  }) as [string, JsonObject & { Type: string }][];
  if (active.length > MAX_RESOURCES) throw new Error(`the template holds ${active.length} resources; a stack holds at most ${MAX_RESOURCES}`);
  for (const [logicalId, resource] of active) physical[logicalId] = physicalResource(logicalId, resource.Type, context);
  // Names given in the properties become the physical ids, as CloudFormation uses them.
  for (const [logicalId, resource] of active) {
    const name = isObject(resource.Properties) ? resource.Properties.Name : undefined;
    if (name !== undefined) nameResource(physical[logicalId] as PhysicalResource, String(evaluator.evaluate(name, `Resources/${logicalId}/Properties/Name`)), context);
  }
  for (const [logicalId, resource] of active) checkDeletionPolicy(logicalId, resource.Type, resource.DeletionPolicy);
  const resources = active.map(([logicalId, resource]) => ({
    logicalId,
    type: resource.Type,
    physicalId: (physical[logicalId] as PhysicalResource).ref,
    properties: (evaluator.evaluate(resource.Properties ?? {}, `Resources/${logicalId}/Properties`) ?? {}) as JsonObject,
    // The LanguageExtensions transform lets DeletionPolicy be an intrinsic function too.
    deletionPolicy: String(evaluator.evaluate(resource.DeletionPolicy ?? 'Delete', `Resources/${logicalId}/DeletionPolicy`)),
  }));
  const outputs: StackPlan['outputs'] = [];
  for (const [key, output] of Object.entries(isObject(document.Outputs) ? document.Outputs : {})) {
    if (!isObject(output)) throw new Error(`output ${key} must be a mapping with a Value`);
    if (output.Condition !== undefined && !evaluator.condition(String(output.Condition), `Outputs/${key}`)) continue;
    const value = evaluator.evaluate(output.Value, `Outputs/${key}/Value`);
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`output ${key} does not evaluate to a string`);
    outputs.push({ key, value: String(value), ...(typeof output.Description === 'string' ? { description: output.Description } : {}) });
  }
  if (outputs.length > MAX_OUTPUTS) throw new Error(`the template has ${outputs.length} outputs; a stack holds at most ${MAX_OUTPUTS}`);
  return { resources, outputs };
}

/** The resource types CloudFormation can snapshot (its DeletionPolicy reference). */
const SNAPSHOT_TYPES = ['AWS::EC2::Volume', 'AWS::ElastiCache::CacheCluster', 'AWS::ElastiCache::ReplicationGroup', 'AWS::Neptune::DBCluster', 'AWS::RDS::DBCluster', 'AWS::RDS::DBInstance', 'AWS::Redshift::Cluster', 'AWS::DocDB::DBCluster'];

function checkDeletionPolicy(logicalId: string, type: string, policy: unknown): void {
  if (policy === undefined || isObject(policy)) return;
  if (!['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot'].includes(String(policy))) throw new Error(`resource ${logicalId} has an invalid DeletionPolicy ${String(policy)}`);
  if (policy === 'Snapshot' && !SNAPSHOT_TYPES.includes(type)) throw new Error(`resource ${logicalId}: ${type} does not support DeletionPolicy Snapshot`);
}

/**
 * Every check CreateStack and the creation make, at once, with no stack kept: the
 * sandbox runs it at start, so a broken template is one line then, not a failed run later.
 */
export function checkTemplate(body: string, given: readonly GivenParameter[], capabilities: readonly string[], context: StackContext): StackPlan {
  const template = parseTemplate(body);
  const parameters = resolveParameters(template, given);
  checkCapabilities(template, capabilities);
  checkRules(template, parameters, context);
  return planStack(template, parameters, context);
}

/** A resource's Ref value and the Fn::GetAtt attributes the sandbox gives it. */
interface PhysicalResource {
  type: string;
  ref: string;
  attributes: Record<string, string>;
}

const hex = (length: number) => randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
const upperAlphanumeric = (length: number) => Array.from({ length }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[randomInt(36)]).join('');

function physicalResource(logicalId: string, type: string, context: StackContext): PhysicalResource {
  const generatedName = `${context.stackName}-${logicalId}-${upperAlphanumeric(12)}`;
  const arn = (service: string, resource: string) => `arn:aws:${service}:${context.region}:${context.accountId}:${resource}`;
  switch (type) {
    case 'AWS::EC2::Instance':
      // Nothing runs: the address is the loopback, where nothing answers either.
      return { type, ref: `i-${hex(17)}`, attributes: { PublicIp: '127.0.0.1', PrivateIp: '127.0.0.1', PublicDnsName: 'localhost', PrivateDnsName: 'localhost', AvailabilityZone: `${context.region}a` } };
    case 'AWS::EC2::Volume': {
      const id = `vol-${hex(17)}`;
      return { type, ref: id, attributes: { VolumeId: id } };
    }
    case 'AWS::EC2::SecurityGroup': {
      const id = `sg-${hex(17)}`;
      return { type, ref: id, attributes: { GroupId: id } };
    }
    case 'AWS::IAM::Role':
      return { type, ref: generatedName, attributes: { Arn: `arn:aws:iam::${context.accountId}:role/${generatedName}`, RoleId: `AROA${upperAlphanumeric(17)}` } };
    case 'AWS::IAM::InstanceProfile':
      return { type, ref: generatedName, attributes: { Arn: `arn:aws:iam::${context.accountId}:instance-profile/${generatedName}` } };
    case 'AWS::SecretsManager::Secret': {
      const secretArn = arn('secretsmanager', `secret:${generatedName}-${randomSuffix()}`);
      return { type, ref: secretArn, attributes: { Id: secretArn } };
    }
    case 'AWS::CloudFormation::WaitConditionHandle':
      // A presigned S3 URL in AWS; here nothing would ever signal it.
      return { type, ref: `https://cloudformation-waitcondition-${context.region}.s3.amazonaws.com/sandbox/${logicalId}`, attributes: {} };
    case 'AWS::CloudFormation::WaitCondition':
      return { type, ref: arn('cloudformation', `waitcondition/${logicalId}`), attributes: { Data: '{}' } };
    default:
      return { type, ref: generatedName, attributes: {} };
  }
}

/** Secrets Manager appends six random characters to every secret's name in its ARN. */
const randomSuffix = () => Array.from({ length: 6 }, () => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'[randomInt(52)]).join('');

function nameResource(resource: PhysicalResource, name: string, context: StackContext): void {
  if (resource.type === 'AWS::SecretsManager::Secret') {
    resource.ref = `arn:aws:secretsmanager:${context.region}:${context.accountId}:secret:${name}-${randomSuffix()}`;
    resource.attributes.Id = resource.ref;
  } else if (resource.type === 'AWS::Route53::RecordSet') {
    resource.ref = name.replace(/\.$/, '');
  } else if (resource.type === 'AWS::SSM::Parameter') {
    resource.ref = name;
  }
}

const NO_VALUE = Symbol('AWS::NoValue');

/** Evaluates intrinsic functions against the parameters, pseudo parameters, conditions and physical resources. */
class Evaluator {
  private readonly conditionValues = new Map<string, boolean>();

  constructor(
    private readonly document: JsonObject,
    private readonly parameters: ParameterValues,
    private readonly context: StackContext,
    private readonly resources: Record<string, PhysicalResource>,
  ) {}

  condition(name: string, where: string): boolean {
    const known = this.conditionValues.get(name);
    if (known !== undefined) return known;
    const conditions = isObject(this.document.Conditions) ? this.document.Conditions : {};
    if (!(name in conditions)) throw new Error(`${where}: the condition ${name} is not defined`);
    const value = this.truth(conditions[name], `Conditions/${name}`);
    this.conditionValues.set(name, value);
    return value;
  }

  truth(node: unknown, where: string): boolean {
    const value = this.evaluate(node, where);
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new Error(`${where}: a condition must evaluate to true or false`);
  }

  evaluate(node: unknown, where: string): unknown {
    const value = this.walk(node, where);
    return value === NO_VALUE ? undefined : value;
  }

  private walk(node: unknown, where: string): unknown {
    if (Array.isArray(node)) return node.map((item, index) => this.walk(item, `${where}/${index}`)).filter((item) => item !== NO_VALUE);
    if (!isObject(node)) return node;
    const keys = Object.keys(node);
    const name = keys.length === 1 ? keys[0] : undefined;
    if (name !== undefined && (name === 'Ref' || name === 'Condition' || name.startsWith('Fn::'))) return this.intrinsic(name, node[name], `${where}/${name}`);
    const result: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      const walked = this.walk(value, `${where}/${key}`);
      if (walked !== NO_VALUE) result[key] = walked;
    }
    return result;
  }

  private intrinsic(name: string, argument: unknown, where: string): unknown {
    const list = (count: number) => {
      if (!Array.isArray(argument) || argument.length !== count) throw new Error(`${where}: ${name} takes a list of ${count}`);
      return argument;
    };
    switch (name) {
      case 'Ref':
        return this.ref(String(argument), where);
      case 'Condition':
        return this.condition(String(argument), where);
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = list(3);
        return this.walk(this.condition(String(condition), where) ? whenTrue : whenFalse, where);
      }
      case 'Fn::Equals': {
        const [left, right] = list(2).map((item) => this.walk(item, where));
        return JSON.stringify(left) === JSON.stringify(right) || String(left) === String(right);
      }
      case 'Fn::Not':
        return !this.truth(list(1)[0], where);
      case 'Fn::And':
        return (argument as unknown[]).every((item) => this.truth(item, where));
      case 'Fn::Or':
        return (argument as unknown[]).some((item) => this.truth(item, where));
      case 'Fn::Sub':
        return this.substitute(argument, where);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument) ? argument.map(String) : String(argument).split(/\.(.*)/s);
        return this.attribute(String(logicalId), String(attribute), where);
      }
      case 'Fn::Join': {
        const [delimiter, items] = list(2);
        const values = this.walk(items, where);
        if (!Array.isArray(values)) throw new Error(`${where}: Fn::Join needs a list`);
        return values.map(String).join(String(delimiter));
      }
      case 'Fn::Split': {
        const [delimiter, text] = list(2);
        return String(this.walk(text, where)).split(String(delimiter));
      }
      case 'Fn::Select': {
        const [index, items] = list(2);
        const values = this.walk(items, where);
        const position = Number(this.walk(index, where));
        if (!Array.isArray(values) || !(position >= 0 && position < values.length)) throw new Error(`${where}: Fn::Select cannot select nonexistent value at index ${position}`);
        return values[position];
      }
      case 'Fn::Base64':
        return Buffer.from(String(this.walk(argument, where))).toString('base64');
      case 'Fn::ToJsonString':
        return JSON.stringify(this.walk(argument, where));
      case 'Fn::Length': {
        const values = this.walk(argument, where);
        if (!Array.isArray(values)) throw new Error(`${where}: Fn::Length needs a list`);
        return values.length;
      }
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((zone) => `${this.context.region}${zone}`);
      default:
        throw new Error(`${where}: the sandbox does not emulate ${name}`);
    }
  }

  private ref(name: string, where: string): unknown {
    if (name === 'AWS::NoValue') return NO_VALUE;
    const pseudo: Record<string, unknown> = {
      'AWS::StackName': this.context.stackName,
      'AWS::StackId': this.context.stackId,
      'AWS::Region': this.context.region,
      'AWS::AccountId': this.context.accountId,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::NotificationARNs': [],
    };
    if (name in pseudo) return pseudo[name];
    if (name in this.parameters) return this.parameters[name];
    const resource = this.resources[name];
    if (resource) return resource.ref;
    // cfn-lint reports the same reference as E6101; the hint is the sandbox's own.
    const hint = /[$&]\{/.test(name) ? ` (Fn::ForEach replaces \${Id} only in keys, inside Fn::Sub and in a Ref to the identifier itself: write Ref: !Sub '${name}')` : '';
    throw new Error(`${where}: Unresolved resource dependencies [${name}] in the template${hint}`);
  }

  private attribute(logicalId: string, attribute: string, where: string): string {
    const resource = this.resources[logicalId];
    if (!resource) throw new Error(`${where}: Fn::GetAtt names the resource ${logicalId}, which the template does not create`);
    const value = resource.attributes[attribute];
    if (value === undefined) {
      const emulated = Object.keys(resource.attributes);
      throw new Error(`${where}: the sandbox emulates no attribute ${attribute} of ${resource.type}${emulated.length > 0 ? ` (only ${emulated.join(', ')})` : ''}`);
    }
    return value;
  }

  private substitute(argument: unknown, where: string): string {
    const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
    if (typeof text !== 'string' || !isObject(variables)) throw new Error(`${where}: Fn::Sub takes a string, or [string, {variables}]`);
    const own = Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, this.walk(value, `${where}/${key}`)]));
    // ${!Literal} stays as ${Literal}; ${Name} and ${Resource.Attribute} are replaced.
    return text.replace(/\$\{(!?)([^}]*)\}/g, (_match, literal: string, variable: string) => {
      if (literal) return `\${${variable}}`;
      if (variable in own) return String(own[variable]);
      const dot = variable.indexOf('.');
      if (dot > 0 && !variable.startsWith('AWS::')) return this.attribute(variable.slice(0, dot), variable.slice(dot + 1), where);
      const value = this.ref(variable, where);
      return Array.isArray(value) ? value.join(',') : String(value);
    });
  }
}

/** The character classes of Secrets Manager's password generator, each with the option that leaves it out. */
const CHARACTER_CLASSES = [
  { exclude: 'ExcludeLowercase', characters: 'abcdefghijklmnopqrstuvwxyz' },
  { exclude: 'ExcludeUppercase', characters: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' },
  { exclude: 'ExcludeNumbers', characters: '0123456789' },
  { exclude: 'ExcludePunctuation', characters: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~' },
] as const;

/**
 * A password as `GenerateSecretString` describes it, from a CSPRNG (crypto.randomInt), like
 * Secrets Manager's GetRandomPassword: every included class at least once when
 * RequireEachIncludedType holds (its default).
 */
export function generatePassword(options: JsonObject): string {
  if (options.SecretStringTemplate !== undefined || options.GenerateStringKey !== undefined) {
    throw new Error('the sandbox generates plain-string secrets only (no SecretStringTemplate)');
  }
  const length = Number(options.PasswordLength ?? 32);
  const excluded = new Set(String(options.ExcludeCharacters ?? ''));
  const classes = CHARACTER_CLASSES.filter(({ exclude }) => options[exclude] !== true)
    .map(({ characters }) => [...characters].filter((character) => !excluded.has(character)).join(''))
    .concat(options.IncludeSpace === true ? [' '] : [])
    .filter((characters) => characters.length > 0);
  const alphabet = classes.join('');
  if (alphabet.length === 0 || !(length >= 1 && length <= 4096)) throw new Error('GenerateSecretString leaves nothing to generate a password from');
  const requireEach = options.RequireEachIncludedType !== false;
  for (;;) {
    const password = Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
    if (!requireEach || length < classes.length || classes.every((characters) => [...password].some((character) => characters.includes(character)))) return password;
  }
}

