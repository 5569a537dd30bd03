/**
 * ajv set up as ../shared/schemas/README.md says, for the CloudFormation
 * resource schemas, the Traefik schemas and our own small ones.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** ../shared/schemas, beside the repository. */
export const SHARED_SCHEMAS_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'schemas');
/** Schemas the shared folder lacks (the wait condition types). */
export const LOCAL_SCHEMAS_DIR = path.resolve(__dirname, 'schemas');

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readJson(file: string): JsonObject {
  const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isObject(value)) {
    throw new Error(`${file} does not hold a JSON object`);
  }
  return value;
}

function collectFormats(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    value.forEach((item) => collectFormats(item, into));
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'format' && typeof child === 'string') {
        into.add(child);
      } else {
        collectFormats(child, into);
      }
    }
  }
}

const cache = new Map<string, ValidateFunction>();

/** `\p{L}` and friends mean Unicode classes only with the u flag; every other pattern compiles as before. */
const schemaRegExp = Object.assign((pattern: string, flags: string) => new RegExp(pattern, /\\[pP]\{/.test(pattern) ? `${flags}u` : flags), { code: 'new RegExp' });

/** Some CloudFormation schemas end patterns with Python's `\Z`, which JavaScript spells `$`. */
function translatePythonAnchors(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(translatePythonAnchors);
  } else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'pattern' && typeof value === 'string') node[key] = value.replace(/\\Z$/, '$');
      else translatePythonAnchors(value);
    }
  }
}

/**
 * Compiles a schema file. The top-level $schema is dropped (ajv knows neither
 * the CloudFormation provider meta-schema nor compose's URL form), and the
 * CloudFormation-specific formats (AWS::EC2::Subnet.Id …) are accepted as is.
 */
export function compileSchemaFile(file: string): ValidateFunction {
  const cached = cache.get(file);
  if (cached) {
    return cached;
  }
  const schema = readJson(file);
  delete schema.$schema;
  delete schema.$id;
  translatePythonAnchors(schema);
  // unicodeRegExp off: the CloudFormation schemas carry Python-style escapes (\-) that the u flag rejects;
  // a pattern with Unicode classes (\p{L}) gets the u flag, which it needs to mean what Python reads.
  const ajv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true, logger: false, unicodeRegExp: false, code: { regExp: schemaRegExp } });
  addFormats(ajv);
  const formats = new Set<string>();
  collectFormats(schema, formats);
  for (const format of formats) {
    if (!(format in ajv.formats)) {
      ajv.addFormat(format, true);
    }
  }
  const validate = ajv.compile(schema);
  cache.set(file, validate);
  return validate;
}

/** One line per distinct error (oneOf repeats each once per branch). */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  const lines = (errors ?? []).map((error) => {
    const extra =
      error.keyword === 'additionalProperties'
        ? ` (${String((error.params as { additionalProperty?: unknown }).additionalProperty)})`
        : '';
    return `${error.instancePath || '/'} ${error.message ?? error.keyword}${extra}`;
  });
  return [...new Set(lines)];
}

/** Validates a value against a schema file and returns the distinct error lines. */
export function validateAgainst(file: string, value: unknown): string[] {
  const validate = compileSchemaFile(file);
  return validate(value) ? [] : describeErrors(validate.errors);
}
