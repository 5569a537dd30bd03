/**
 * Fn::ForEach as the AWS::LanguageExtensions transform expands it. The sandbox's
 * CloudFormation expands the launcher's template with the run's slots; the infra tests
 * expand it with sample slots (test/infra/cfn-template.ts re-exports this).
 */

type JsonObject = Record<string, unknown>;

const FOR_EACH = 'Fn::ForEach::';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function substituteIdentifier(value: unknown, identifier: string, item: string): unknown {
  if (typeof value === 'string') {
    const alphanumeric = item.replace(/[^A-Za-z0-9]/g, '');
    return value.split(`\${${identifier}}`).join(item).split(`&{${identifier}}`).join(alphanumeric);
  }
  if (Array.isArray(value)) {
    return value.map((entry) => substituteIdentifier(entry, identifier, item));
  }
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'Ref' && value.Ref === identifier) {
      return item;
    }
    return Object.fromEntries(
      Object.entries(value).map(([key, entry]) => [
        substituteIdentifier(key, identifier, item) as string,
        substituteIdentifier(entry, identifier, item),
      ]),
    );
  }
  return value;
}

function collectionItems(collection: unknown, lists: Record<string, string[]>, where: string): string[] {
  if (Array.isArray(collection)) {
    return collection.map(String);
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

/**
 * Expands every Fn::ForEach as the AWS::LanguageExtensions transform does, with the
 * values of the list parameters it loops over. Throws when a loop is malformed or
 * produces a key twice (a slot list with a duplicate, for example).
 */
export function expandForEach(value: unknown, lists: Record<string, string[]>, where = ''): unknown {
  if (Array.isArray(value)) {
    return value.map((entry, index) => expandForEach(entry, lists, `${where}/${index}`));
  }
  if (!isObject(value)) {
    return value;
  }
  const result: JsonObject = {};
  const put = (key: string, entry: unknown): void => {
    if (key in result) {
      throw new Error(`${where}: Fn::ForEach produces the key ${key} twice`);
    }
    result[key] = entry;
  };
  for (const [key, entry] of Object.entries(value)) {
    if (!key.startsWith(FOR_EACH)) {
      put(key, expandForEach(entry, lists, `${where}/${key}`));
      continue;
    }
    const loop = `${where}/${key}`;
    if (!Array.isArray(entry) || entry.length !== 3 || typeof entry[0] !== 'string' || !isObject(entry[2])) {
      throw new Error(`${loop}: expected [Identifier, Collection, {OutputKey: OutputValue}]`);
    }
    const [identifier, collection, fragment] = entry as [string, unknown, JsonObject];
    for (const outputKey of Object.keys(fragment)) {
      if (!outputKey.includes(`\${${identifier}}`) && !outputKey.includes(`&{${identifier}}`)) {
        throw new Error(`${loop}: the output key ${outputKey} must contain \${${identifier}} or &{${identifier}}`);
      }
    }
    for (const item of collectionItems(collection, lists, loop)) {
      const copy = expandForEach(substituteIdentifier(fragment, identifier, item), lists, loop);
      for (const [outputKey, outputValue] of Object.entries(copy as JsonObject)) {
        put(outputKey, outputValue);
      }
    }
  }
  return result;
}
