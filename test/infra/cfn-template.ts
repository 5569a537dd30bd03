/**
 * Offline checks of a CloudFormation template in long form (see cfn-yaml.ts):
 * Fn::ForEach expansion, resource Properties against the registry schemas
 * with intrinsic functions stood in for, and references that must resolve.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ErrorObject } from 'ajv';
import {
  LOCAL_SCHEMAS_DIR,
  SHARED_SCHEMAS_DIR,
  compileSchemaFile,
  describeErrors,
  isObject,
  readJson,
  type JsonObject,
} from './schema-validation';

// Fn::ForEach lives with the sandbox's CloudFormation, which expands the launcher's template with it.
export { expandForEach } from '../../sandbox/backend/cloudformation/for-each';

export const PSEUDO_PARAMETERS = [
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
] as const;

const RESOURCE_ATTRIBUTES = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'Metadata',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'CreationPolicy',
  'UpdatePolicy',
]);

function section(template: JsonObject, name: string): JsonObject {
  const value = template[name];
  return isObject(value) ? value : {};
}

/** The function name of an intrinsic ({ Ref } or { 'Fn::…' }), or undefined. */
export function intrinsicName(value: unknown): string | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  const keys = Object.keys(value);
  const key = keys[0];
  if (keys.length !== 1 || key === undefined) {
    return undefined;
  }
  return key === 'Ref' || key === 'Condition' || key.startsWith('Fn::') ? key : undefined;
}

const NO_VALUE = Symbol('AWS::NoValue');

interface Standins {
  value: unknown;
  intrinsicPaths: string[];
}

function placeholderFor(name: string, argument: unknown, parameters: JsonObject): unknown {
  if (name === 'Ref' && typeof argument === 'string') {
    const parameter = parameters[argument];
    const type = isObject(parameter) ? String(parameter.Type) : '';
    if (type === 'Number') {
      return 1;
    }
    if (type.startsWith('List<') || type === 'CommaDelimitedList' || argument === 'AWS::NotificationARNs') {
      return ['placeholder'];
    }
    return 'placeholder';
  }
  if (name === 'Fn::Split' || name === 'Fn::GetAZs' || name === 'Fn::Cidr') {
    return ['placeholder'];
  }
  return 'placeholder';
}

/**
 * Replaces intrinsics by values a schema accepts, taking one side of every
 * Fn::If, and records where they were: errors at those paths are not errors
 * of the template. Ref AWS::NoValue removes the property or item.
 */
export function standInIntrinsics(value: unknown, parameters: JsonObject, branch: 0 | 1): Standins {
  const intrinsicPaths: string[] = [];
  const walk = (node: unknown, pointer: string): unknown => {
    const name = intrinsicName(node);
    if (name !== undefined) {
      const argument = (node as JsonObject)[name];
      if (name === 'Ref' && argument === 'AWS::NoValue') {
        return NO_VALUE;
      }
      if (name === 'Fn::If' && Array.isArray(argument) && argument.length === 3) {
        return walk(argument[branch + 1], pointer);
      }
      intrinsicPaths.push(pointer);
      return placeholderFor(name, argument, parameters);
    }
    if (Array.isArray(node)) {
      const items: unknown[] = [];
      for (const entry of node) {
        const walked = walk(entry, `${pointer}/${items.length}`);
        if (walked !== NO_VALUE) {
          items.push(walked);
        }
      }
      return items;
    }
    if (isObject(node)) {
      const result: JsonObject = {};
      for (const [key, entry] of Object.entries(node)) {
        const walked = walk(entry, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
        if (walked !== NO_VALUE) {
          result[key] = walked;
        }
      }
      return result;
    }
    return node;
  };
  return { value: walk(value, ''), intrinsicPaths };
}

/** The schema file of a resource type, shared first, then test/infra/schemas. */
export function schemaFileFor(type: string): string | undefined {
  const name = `${type.toLowerCase().replace(/::/g, '-')}.json`;
  const candidates = [path.join(SHARED_SCHEMAS_DIR, 'cloudformation', name), path.join(LOCAL_SCHEMAS_DIR, name)];
  return candidates.find((file) => existsSync(file));
}

function isUnderIntrinsic(error: ErrorObject, intrinsicPaths: readonly string[]): boolean {
  return intrinsicPaths.some(
    (pointer) => error.instancePath === pointer || error.instancePath.startsWith(`${pointer}/`),
  );
}

/**
 * Validates every resource of an expanded template: known attributes, a
 * schema for its type, Properties against it (both sides of every Fn::If),
 * and no read-only property set. Returns problems as `LogicalId: message`.
 */
export function validateResources(template: JsonObject): string[] {
  const parameters = section(template, 'Parameters');
  const problems: string[] = [];
  for (const [logicalId, resource] of Object.entries(section(template, 'Resources'))) {
    if (!isObject(resource) || typeof resource.Type !== 'string') {
      problems.push(`${logicalId}: has no Type`);
      continue;
    }
    for (const attribute of Object.keys(resource)) {
      if (!RESOURCE_ATTRIBUTES.has(attribute)) {
        problems.push(`${logicalId}: unknown resource attribute ${attribute}`);
      }
    }
    const file = schemaFileFor(resource.Type);
    if (!file) {
      problems.push(`${logicalId}: no schema for ${resource.Type}`);
      continue;
    }
    const properties = resource.Properties ?? {};
    const readOnly = ((readJson(file).readOnlyProperties as string[] | undefined) ?? []).map((pointer) =>
      pointer.replace(/^\/properties\//, ''),
    );
    for (const property of Object.keys(isObject(properties) ? properties : {})) {
      if (readOnly.includes(property)) {
        problems.push(`${logicalId}: ${property} is read-only`);
      }
    }
    const validate = compileSchemaFile(file);
    for (const branch of [0, 1] as const) {
      const { value, intrinsicPaths } = standInIntrinsics(properties, parameters, branch);
      if (validate(value)) {
        continue;
      }
      const errors = (validate.errors ?? []).filter((error) => !isUnderIntrinsic(error, intrinsicPaths));
      for (const line of describeErrors(errors)) {
        problems.push(`${logicalId}: ${line}`);
      }
    }
  }
  return [...new Set(problems)];
}

function subVariables(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
    const inner = match[1] ?? '';
    if (!inner.startsWith('!')) {
      names.push(inner.trim());
    }
  }
  return names;
}

/** Attribute names a resource type exposes to Fn::GetAtt, from its schema. */
function attributesOf(type: string): string[] | undefined {
  const file = schemaFileFor(type);
  if (!file) {
    return undefined;
  }
  const readOnly = (readJson(file).readOnlyProperties as string[] | undefined) ?? [];
  return readOnly.map((pointer) => pointer.replace(/^\/properties\//, '').replace(/\//g, '.'));
}

/**
 * Every Ref, Fn::GetAtt, Fn::Sub variable, DependsOn and condition name must
 * name something that exists. Run on an expanded template: a ForEach
 * identifier left over is then an error too.
 */
export function findBrokenReferences(template: JsonObject): string[] {
  const parameters = new Set(Object.keys(section(template, 'Parameters')));
  const resources = section(template, 'Resources');
  const conditions = new Set(Object.keys(section(template, 'Conditions')));
  const referable = new Set<string>([...parameters, ...Object.keys(resources), ...PSEUDO_PARAMETERS]);
  const problems: string[] = [];

  const checkGetAtt = (target: string, attribute: string, where: string): void => {
    const resource = resources[target];
    if (!isObject(resource)) {
      problems.push(`${where}: Fn::GetAtt names no resource ${target}`);
      return;
    }
    const attributes = attributesOf(String(resource.Type));
    if (attributes && !attributes.includes(attribute)) {
      problems.push(`${where}: ${String(resource.Type)} has no attribute ${attribute}`);
    }
  };

  const walk = (node: unknown, where: string): void => {
    const name = intrinsicName(node);
    const argument = name === undefined ? undefined : (node as JsonObject)[name];
    if (name === 'Ref') {
      if (typeof argument !== 'string' || !referable.has(argument)) {
        problems.push(`${where}: Ref names nothing: ${JSON.stringify(argument)}`);
      }
      return;
    }
    if (name === 'Condition' || name === 'Fn::If') {
      const conditionName = name === 'Condition' ? argument : Array.isArray(argument) ? argument[0] : undefined;
      if (typeof conditionName !== 'string' || !conditions.has(conditionName)) {
        problems.push(`${where}: ${name} names no condition ${JSON.stringify(conditionName)}`);
      }
      if (name === 'Fn::If' && Array.isArray(argument)) {
        argument.slice(1).forEach((entry, index) => walk(entry, `${where}/Fn::If/${index + 1}`));
      }
      return;
    }
    if (name === 'Fn::GetAtt') {
      if (Array.isArray(argument) && typeof argument[0] === 'string' && typeof argument[1] === 'string') {
        checkGetAtt(argument[0], argument[1], where);
      } else {
        problems.push(`${where}: Fn::GetAtt must be [Resource, Attribute]`);
      }
      return;
    }
    if (name === 'Fn::Sub') {
      const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
      const own = new Set(isObject(variables) ? Object.keys(variables) : []);
      if (isObject(variables)) {
        walk(variables, `${where}/Fn::Sub/1`);
      }
      for (const variable of subVariables(String(text))) {
        const [target = '', ...attribute] = variable.split('.');
        if (own.has(variable)) {
          continue;
        }
        if (attribute.length > 0) {
          checkGetAtt(target, attribute.join('.'), where);
        } else if (!referable.has(target)) {
          problems.push(`${where}: Fn::Sub names nothing: \${${variable}}`);
        }
      }
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((entry, index) => walk(entry, `${where}/${index}`));
    } else if (isObject(node)) {
      for (const [key, entry] of Object.entries(node)) {
        walk(entry, `${where}/${key}`);
      }
    }
  };

  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isObject(resource)) {
      continue;
    }
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    for (const dependency of dependsOn) {
      if (typeof dependency !== 'string' || !(dependency in resources)) {
        problems.push(`Resources/${logicalId}: DependsOn names no resource ${JSON.stringify(dependency)}`);
      }
    }
    if (resource.Condition !== undefined && !conditions.has(String(resource.Condition))) {
      problems.push(`Resources/${logicalId}: Condition names no condition ${String(resource.Condition)}`);
    }
    walk(resource.Properties, `Resources/${logicalId}/Properties`);
  }
  walk(template.Conditions, 'Conditions');
  walk(template.Outputs, 'Outputs');
  walk(template.Rules, 'Rules');
  return problems;
}
