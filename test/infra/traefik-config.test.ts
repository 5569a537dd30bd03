import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import traefikStatic from '../../infra/host/traefik.yaml';
import traefikDynamic from '../../infra/host/dynamic.yaml';
import { dockerRun, labelsOf, runBootDryRun, type DryRunResult, type StubCall } from './boot-dry-run';
import { SHARED_SCHEMAS_DIR, validateAgainst, type JsonObject } from './schema-validation';
import { labelsToDynamic } from './traefik-labels';

const STATIC_SCHEMA = path.join(SHARED_SCHEMAS_DIR, 'traefik-v3.json');
const FILE_PROVIDER_SCHEMA = path.join(SHARED_SCHEMAS_DIR, 'traefik-v3-file-provider.json');
const CONTAINERS = ['traefik', 'dev-1', 'dev-2', 'dev-5'];

describe('Traefik static configuration', () => {
  let result: DryRunResult;

  beforeAll(async () => {
    result = await runBootDryRun({ slots: ['1', '2', '5'] });
  });

  afterAll(async () => {
    await result?.cleanup();
  });

  it('validates against traefik-v3.json as written', () => {
    // Act
    const errors = validateAgainst(STATIC_SCHEMA, parse(traefikStatic));

    // Assess
    expect(errors).toEqual([]);
  });

  it('validates against traefik-v3.json as the boot renders it, with no placeholder left', async () => {
    // Prepare
    const rendered = await readFile(path.join(result.hostRoot, 'etc/team-ide/traefik/traefik.yaml'), 'utf8');

    // Act
    const errors = validateAgainst(STATIC_SCHEMA, parse(rendered));

    // Assess
    expect(errors).toEqual([]);
    expect(rendered).not.toMatch(/__[A-Z_]+__/);
  });

  it('exposes only labelled containers, redirects HTTP and keeps the API off insecure mode', () => {
    // Act
    const config = parse(traefikStatic);

    // Assess
    expect(config.providers.docker.exposedByDefault).toBe(false);
    expect(config.entryPoints.web.http.redirections.entryPoint).toEqual({ to: 'websecure', scheme: 'https', permanent: true });
    expect(config.api).toEqual({ dashboard: true, insecure: false });
    expect(config.providers.file.filename).toBe('/etc/traefik/dynamic.yaml');
  });

  it('reports a misspelled option', () => {
    // Prepare
    const broken = parse(traefikStatic);
    broken.providers.docker.exposedbydefault = broken.providers.docker.exposedByDefault;
    delete broken.providers.docker.exposedByDefault;

    // Act
    const errors = validateAgainst(STATIC_SCHEMA, broken);

    // Assess
    expect(errors).toContain('/providers/docker must NOT have additional properties (exposedbydefault)');
  });
});

describe('Traefik dynamic configuration and labels', () => {
  let result: DryRunResult;

  beforeAll(async () => {
    result = await runBootDryRun({ slots: ['1', '2', '5'] });
  });

  afterAll(async () => {
    await result?.cleanup();
  });

  function mapped(name: string) {
    return labelsToDynamic(name, labelsOf(dockerRun(result.calls, name) as StubCall), FILE_PROVIDER_SCHEMA);
  }

  it('validates the file provider configuration against traefik-v3-file-provider.json', () => {
    // Act
    const errors = validateAgainst(FILE_PROVIDER_SCHEMA, parse(traefikDynamic));

    // Assess
    expect(errors).toEqual([]);
  });

  it('reads the certificate, key and dashboard users from the directory the boot mounts', () => {
    // Prepare
    const dynamic = parse(traefikDynamic);

    // Assess
    expect(dynamic.tls.certificates).toEqual([
      { certFile: '/etc/traefik/tls/cert.pem', keyFile: '/etc/traefik/tls/key.pem' },
    ]);
    expect(dynamic.http.middlewares['dashboard-auth'].basicAuth.usersFile).toBe('/etc/traefik/dashboard-users');
  });

  it('validates the labels of every container against traefik-v3-file-provider.json', () => {
    for (const name of CONTAINERS) {
      // Act
      const { dynamic, providerLabels, problems } = mapped(name);

      // Assess
      expect(problems, name).toEqual([]);
      expect(validateAgainst(FILE_PROVIDER_SCHEMA, dynamic), name).toEqual([]);
      expect(providerLabels['traefik.enable'], name).toBe('true');
    }
  });

  it('routes each developer’s name to that developer’s container only, on the TLS entry point', () => {
    for (const slot of ['1', '2', '5']) {
      // Act
      const { dynamic } = mapped(`dev-${slot}`);

      // Assess
      expect(dynamic).toEqual({
        http: {
          routers: {
            [`dev-${slot}`]: {
              rule: `Host(\`dev-${slot}.code.example.com\`)`,
              entryPoints: ['websecure'],
              tls: {},
              service: `dev-${slot}`,
            },
          },
          services: { [`dev-${slot}`]: { loadBalancer: { servers: [{ url: `http://dev-${slot}:8080` }] } } },
        },
      });
    }
  });

  it('refers only to entry points, middlewares and services that exist', () => {
    // Prepare
    const entryPoints = Object.keys(parse(traefikStatic).entryPoints);
    const fileMiddlewares = Object.keys(parse(traefikDynamic).http.middlewares).map((name) => `${name}@file`);

    for (const name of CONTAINERS) {
      const { dynamic } = mapped(name);
      const http = dynamic.http as { routers: Record<string, JsonObject>; services?: Record<string, unknown> };
      for (const router of Object.values(http.routers)) {
        // Assess
        expect(entryPoints).toEqual(expect.arrayContaining(router.entryPoints as string[]));
        for (const middleware of [router.middlewares ?? []].flat() as string[]) {
          expect(fileMiddlewares).toContain(middleware);
        }
        const service = String(router.service);
        expect(service === 'api@internal' || Object.keys(http.services ?? {}).includes(service), service).toBe(true);
      }
    }
  });

  it('reports a misspelled label and a label of the wrong type', () => {
    // Prepare
    const labels = {
      'traefik.http.routers.dev-1.rule': 'Host(`dev-1.code.example.com`)',
      'traefik.http.routers.dev-1.service': 'dev-1',
      'traefik.http.routers.dev-1.entrypoint': 'websecure',
      'traefik.http.routers.dev-1.priority': 'high',
    };

    // Act
    const errors = validateAgainst(FILE_PROVIDER_SCHEMA, labelsToDynamic('dev-1', labels, FILE_PROVIDER_SCHEMA).dynamic);

    // Assess
    expect(errors).toEqual(
      expect.arrayContaining([
        '/http/routers/dev-1 must NOT have additional properties (entrypoint)',
        '/http/routers/dev-1/priority must be integer',
      ]),
    );
  });
});
