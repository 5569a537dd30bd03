/**
 * Maps Traefik docker labels onto the dynamic configuration tree of the file
 * provider (`traefik.http.routers.X.rule` → `{ http: { routers: { X: { rule } } } }`),
 * typed as the file-provider schema says, so the labels can be validated
 * with that schema.
 */
import { isObject, readJson, type JsonObject } from './schema-validation';

function resolveRef(schema: JsonObject, root: JsonObject): JsonObject {
  let current = schema;
  for (let depth = 0; typeof current.$ref === 'string' && depth < 20; depth += 1) {
    const pointer = current.$ref.replace(/^#\//, '').split('/');
    let target: unknown = root;
    for (const part of pointer) {
      target = isObject(target) ? target[part] : undefined;
    }
    if (!isObject(target)) {
      throw new Error(`Cannot resolve ${current.$ref}`);
    }
    current = target;
  }
  return current;
}

/** The subschema for one key under a schema, following $ref, pattern and oneOf branches. */
export function childSchema(schema: JsonObject, key: string, root: JsonObject): JsonObject | undefined {
  const resolved = resolveRef(schema, root);
  const properties = resolved.properties;
  if (isObject(properties) && isObject(properties[key])) {
    return properties[key] as JsonObject;
  }
  const patterns = resolved.patternProperties;
  if (isObject(patterns)) {
    for (const [pattern, child] of Object.entries(patterns)) {
      if (new RegExp(pattern).test(key) && isObject(child)) {
        return child;
      }
    }
  }
  if (isObject(resolved.additionalProperties)) {
    return resolved.additionalProperties;
  }
  for (const keyword of ['oneOf', 'anyOf', 'allOf']) {
    const branches = resolved[keyword];
    if (Array.isArray(branches)) {
      for (const branch of branches) {
        const found = isObject(branch) ? childSchema(branch, key, root) : undefined;
        if (found) {
          return found;
        }
      }
    }
  }
  return undefined;
}

function typed(value: string, schema: JsonObject | undefined, root: JsonObject): unknown {
  if (!schema) {
    return value;
  }
  const resolved = resolveRef(schema, root);
  const types = [resolved.type].flat();
  if (types.includes('array')) {
    return value.split(',');
  }
  if (types.includes('boolean')) {
    return value === 'true' ? true : value === 'false' ? false : value;
  }
  if (types.includes('integer') || types.includes('number')) {
    return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  if (types.includes('object') && value === 'true') {
    // `tls=true` turns an option block on with its defaults.
    return {};
  }
  return value;
}

export interface MappedLabels {
  /** The labels as a file-provider dynamic configuration. */
  dynamic: JsonObject;
  /** Labels of the docker provider itself (traefik.enable, traefik.docker.*). */
  providerLabels: Record<string, string>;
  /** Problems found while mapping (bad docker-only values). */
  problems: string[];
}

/**
 * Maps the labels of one container. `loadBalancer.server.port`, which only
 * the docker provider knows, becomes the file provider's
 * `loadBalancer.servers[0].url` pointing at the container.
 */
export function labelsToDynamic(
  containerName: string,
  labels: Record<string, string>,
  fileProviderSchemaFile: string,
): MappedLabels {
  const root = readJson(fileProviderSchemaFile);
  const dynamic: JsonObject = {};
  const providerLabels: Record<string, string> = {};
  const problems: string[] = [];
  for (const [label, value] of Object.entries(labels)) {
    if (!label.startsWith('traefik.')) {
      continue;
    }
    const parts = label.split('.').slice(1);
    if (!['http', 'tcp', 'udp', 'tls'].includes(parts[0] ?? '')) {
      providerLabels[label] = value;
      continue;
    }
    const server = parts.slice(-2).join('.');
    if (parts[1] === 'services' && parts[3] === 'loadBalancer' && (server === 'server.port' || server === 'server.scheme')) {
      if (server === 'server.port' && !(/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535)) {
        problems.push(`${label}: ${value} is not a TCP port`);
      }
      const service = ((dynamic.http ??= {}) as JsonObject).services ??= {};
      const name = parts[2] ?? '';
      const entry = ((service as JsonObject)[name] ??= { loadBalancer: { servers: [{ url: '' }] } }) as {
        loadBalancer: { servers: { url: string }[] };
      };
      const url = new URL(entry.loadBalancer.servers[0]?.url || `http://${containerName}:80`);
      if (server === 'server.port') {
        url.port = value;
      } else {
        url.protocol = `${value}:`;
      }
      entry.loadBalancer.servers = [{ url: url.toString().replace(/\/$/, '') }];
      continue;
    }
    let node: JsonObject = dynamic;
    let schema: JsonObject | undefined = root;
    parts.forEach((part, index) => {
      schema = schema ? childSchema(schema, part, root) : undefined;
      if (index === parts.length - 1) {
        node[part] = typed(value, schema, root);
      } else {
        const next = node[part];
        node = (isObject(next) ? next : (node[part] = {})) as JsonObject;
      }
    });
  }
  return { dynamic, providerLabels, problems };
}
