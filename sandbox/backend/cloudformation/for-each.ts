/**
 * Fn::ForEach as the AWS::LanguageExtensions transform expands it. The sandbox's
 * CloudFormation expands the launcher's template with the run's slots; the infra tests
 * expand it with sample slots (test/infra/cfn-template.ts re-exports this).
 *
 * It follows the model of AWS's linter, cfn-lint (cfnlint/template/transforms/
 * _language_extensions.py), which is stricter than the one-line summary in the Fn::ForEach
 * reference: `${Id}` and `&{Id}` are replaced in keys and inside Fn::Sub, a `Ref` to the
 * identifier becomes its value, and a Fn::Sub left with nothing to substitute becomes a
 * plain string; any other string is left as it is. So `Ref: 'Name${Id}'` stays a reference
 * to a resource literally named `Name${Id}` (which CloudFormation and cfn-lint refuse),
 * and a template must write `Ref: !Sub 'Name${Id}'`.
 */

type JsonObject = Record<string, unknown>;

/** The loop variables in scope: identifier → current item (outer loops included). */
type LoopValues = Record<string, string>;

const FOR_EACH = 'Fn::ForEach::';

// What cfn-lint counts as a placeholder still to resolve.
const PLACEHOLDER = /[$&]\{[a-zA-Z0-9.:]+\}/;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function replacePlaceholders(text: string, loop: LoopValues): string {
  let result = text;
  for (const [identifier, item] of Object.entries(loop)) {
    const alphanumeric = item.replace(/[^0-9a-zA-Z]+/g, '');
    result = result.split(`\${${identifier}}`).join(item).split(`&{${identifier}}`).join(alphanumeric);
  }
  return result;
}

/** Fn::Sub's string with the loop values in; a Fn::Sub with nothing left to substitute collapses to its string. */
function substituteSub(argument: unknown, loop: LoopValues, lists: Record<string, string[]>, where: string): unknown {
  // `${!Literal}` is no placeholder to cfn-lint, but Fn::Sub must still turn it into `${Literal}`.
  const resolved = (text: string) => !PLACEHOLDER.test(text) && !text.includes('${');
  if (typeof argument === 'string') {
    const text = replacePlaceholders(argument, loop);
    return resolved(text) ? text : { 'Fn::Sub': text };
  }
  if (Array.isArray(argument) && typeof argument[0] === 'string') {
    const text = replacePlaceholders(argument[0], loop);
    if (resolved(text)) return text;
    return { 'Fn::Sub': argument.length === 2 ? [text, walk(argument[1], loop, lists, where)] : [text, ...argument.slice(1)] };
  }
  return { 'Fn::Sub': walk(argument, loop, lists, where) };
}

/** One key/value of a mapping inside a loop, as the transform rewrites it. */
function walkIntrinsic(name: string, argument: unknown, loop: LoopValues, lists: Record<string, string[]>, where: string): unknown | undefined {
  switch (name) {
    case 'Ref': {
      if (typeof argument === 'string') return argument in loop ? loop[argument] : undefined;
      const target = walk(argument, loop, lists, where);
      if (typeof target === 'string' && target in loop) return loop[target];
      return { Ref: target };
    }
    case 'Fn::Sub':
      return substituteSub(argument, loop, lists, where);
    // The condition name of Fn::If is not substituted, only the branches.
    case 'Fn::If':
      return Array.isArray(argument) && argument.length === 3
        ? { 'Fn::If': [argument[0], walk(argument[1], loop, lists, where), walk(argument[2], loop, lists, where)] }
        : undefined;
    // Its argument is data, left exactly as written.
    case 'Fn::ToJsonString':
      return { 'Fn::ToJsonString': argument };
    default:
      return undefined;
  }
}

function collectionItems(collection: unknown, loop: LoopValues, lists: Record<string, string[]>, where: string): string[] {
  if (Array.isArray(collection)) {
    return collection.map((item) => {
      if (isObject(item) && typeof item.Ref === 'string' && item.Ref in loop) return loop[item.Ref] as string;
      if (['string', 'number', 'boolean'].includes(typeof item)) return String(item);
      throw new Error(`${where}: a collection item must be a value or a Ref to an outer loop's identifier`);
    });
  }
  if (isObject(collection) && typeof collection.Ref === 'string') {
    const items = lists[collection.Ref];
    if (!items) {
      throw new Error(`${where}: no values given for the collection parameter ${collection.Ref}`);
    }
    return items;
  }
  throw new Error(`${where}: the collection must be a list or a Ref to a list parameter`);
}

function walk(value: unknown, loop: LoopValues, lists: Record<string, string[]>, where: string): unknown {
  if (Array.isArray(value)) {
    return value.map((entry, index) => walk(entry, loop, lists, `${where}/${index}`));
  }
  if (!isObject(value)) {
    return value;
  }
  const entries = Object.entries(value);
  if (entries.length === 1 && Object.keys(loop).length > 0) {
    const [name, argument] = entries[0] as [string, unknown];
    const rewritten = walkIntrinsic(name, argument, loop, lists, `${where}/${name}`);
    if (rewritten !== undefined) return rewritten;
  }
  const result: JsonObject = {};
  const put = (key: string, entry: unknown): void => {
    if (key in result) {
      throw new Error(`${where}: Fn::ForEach produces the key ${key} twice`);
    }
    result[key] = entry;
  };
  for (const [rawKey, entry] of entries) {
    if (!rawKey.startsWith(FOR_EACH)) {
      const key = replacePlaceholders(rawKey, loop);
      put(key, walk(entry, loop, lists, `${where}/${key}`));
      continue;
    }
    const here = `${where}/${rawKey}`;
    if (!Array.isArray(entry) || entry.length !== 3 || typeof entry[0] !== 'string' || !isObject(entry[2])) {
      throw new Error(`${here}: expected [Identifier, Collection, {OutputKey: OutputValue}]`);
    }
    const [identifier, collection, fragment] = entry as [string, unknown, JsonObject];
    for (const outputKey of Object.keys(fragment)) {
      if (!outputKey.startsWith(FOR_EACH) && !outputKey.includes(`\${${identifier}}`) && !outputKey.includes(`&{${identifier}}`)) {
        throw new Error(`${here}: the output key ${outputKey} must contain \${${identifier}} or &{${identifier}}`);
      }
    }
    for (const item of collectionItems(collection, loop, lists, here)) {
      const copy = walk(fragment, { ...loop, [identifier]: item }, lists, here) as JsonObject;
      for (const [outputKey, outputValue] of Object.entries(copy)) {
        put(outputKey, outputValue);
      }
    }
  }
  return result;
}

/**
 * Expands every Fn::ForEach as the AWS::LanguageExtensions transform does (in cfn-lint's
 * model, above), with the values of the list parameters it loops over. Throws when a loop
 * is malformed or produces a key twice (a slot list with a duplicate, for example).
 */
export function expandForEach(value: unknown, lists: Record<string, string[]>, where = ''): unknown {
  return walk(value, {}, lists, where);
}
