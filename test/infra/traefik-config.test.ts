import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { RE2JS } from 're2js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import traefikStatic from '../../infra/host/traefik.yaml';
import traefikDynamic from '../../infra/host/dynamic.yaml';
import { readHostFile, runBootDryRun, type DryRunResult } from './boot-dry-run';
import { SHARED_SCHEMAS_DIR, isObject, validateAgainst, type JsonObject } from './schema-validation';

const STATIC_SCHEMA = path.join(SHARED_SCHEMAS_DIR, 'traefik-v3.json');
const FILE_PROVIDER_SCHEMA = path.join(SHARED_SCHEMAS_DIR, 'traefik-v3-file-provider.json');
const SLOTS = ['1', '2', '5'];
const DYNAMIC_DIR = 'etc/team-ide/traefik/dynamic';
const ONE_YEAR = 365 * 24 * 3600;

interface Router {
  rule: string;
  entryPoints: string[];
  middlewares?: string[];
  service: string;
  tls?: JsonObject;
}

/** The file provider's files as the boot wrote them, by name. */
async function dynamicFiles(result: DryRunResult): Promise<Record<string, JsonObject>> {
  const names = await readdir(path.join(result.hostRoot, DYNAMIC_DIR));
  const entries = await Promise.all(names.map(async (name) => [name, parse(await readHostFile(result, `${DYNAMIC_DIR}/${name}`))] as const));
  return Object.fromEntries(entries);
}

/** What Traefik builds from a directory: each file's http elements together; a name given twice is a conflict. */
function merged(files: Record<string, JsonObject>): { routers: Record<string, Router>; middlewares: Record<string, JsonObject>; services: Record<string, JsonObject>; duplicates: string[] } {
  const result = { routers: {}, middlewares: {}, services: {}, duplicates: [] as string[] } as ReturnType<typeof merged>;
  for (const file of Object.values(files)) {
    const http = isObject(file.http) ? file.http : {};
    for (const kind of ['routers', 'middlewares', 'services'] as const) {
      for (const [name, element] of Object.entries((http[kind] ?? {}) as Record<string, never>)) {
        if (name in result[kind]) result.duplicates.push(`${kind}/${name}`);
        result[kind][name] = element;
      }
    }
  }
  return result;
}

/**
 * Whether a router's rule takes a request for `host`, as Traefik v3 decides it: the host
 * lower-cased and without its port (Traefik's canonical host); `Host` compares it whole,
 * `HostRegexp` runs Go's regexp (RE2, which re2js implements) with `MatchString`, which is
 * not anchored: a pattern must carry its own ^ and $. Our rules are one matcher each.
 */
function ruleMatches(rule: string, host: string): boolean {
  const canonical = host.toLowerCase().replace(/:\d+$/, '');
  const [, matcher, value] = /^(Host|HostRegexp)\(`([^`]*)`\)$/.exec(rule) ?? [];
  if (matcher === 'Host') return canonical === (value as string).toLowerCase();
  if (matcher === 'HostRegexp') return RE2JS.compile(value as string).test(canonical);
  throw new Error(`rule ${rule} is not one Host or HostRegexp matcher: extend ruleMatches`);
}

/** The routers whose rule takes the host, by name. */
const routersFor = (routers: Record<string, Router>, host: string) => Object.entries(routers).filter(([, router]) => ruleMatches(router.rule, host)).map(([name]) => name);

describe('Traefik static configuration', () => {
  let plain: DryRunResult;
  let withDashboard: DryRunResult;

  beforeAll(async () => {
    [plain, withDashboard] = await Promise.all([
      runBootDryRun({ slots: SLOTS }),
      runBootDryRun({ slots: SLOTS, adminCidr: '203.0.113.7/32' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([plain?.cleanup(), withDashboard?.cleanup()]);
  });

  it('validates against traefik-v3.json as written', () => {
    // Act
    const errors = validateAgainst(STATIC_SCHEMA, parse(traefikStatic));

    // Assess
    expect(errors).toEqual([]);
  });

  it('validates against traefik-v3.json as the boot renders it, with and without the dashboard, with no placeholder left', async () => {
    for (const result of [plain, withDashboard]) {
      // Prepare
      const rendered = await readHostFile(result, 'etc/team-ide/traefik/traefik.yaml');

      // Act
      const errors = validateAgainst(STATIC_SCHEMA, parse(rendered));

      // Assess
      expect(errors).toEqual([]);
      expect(rendered).not.toMatch(/__[A-Z_]+__/);
    }
  });

  it('reads routes from files only, redirects HTTP, and has no API unless there is a dashboard', async () => {
    // Prepare
    const config = parse(traefikStatic);
    const rendered = parse(await readHostFile(plain, 'etc/team-ide/traefik/traefik.yaml'));

    // Assess
    expect(config.providers).toEqual({ file: { directory: '/etc/traefik/dynamic', watch: false } });
    expect(config.entryPoints.web.http.redirections.entryPoint).toEqual({ to: 'websecure', scheme: 'https', permanent: true });
    expect(rendered.api).toBeUndefined();
    expect(Object.keys(rendered.entryPoints)).toEqual(['web', 'websecure']);
    // boot.sh appends the dashboard's entry point to the file: entryPoints must stay last.
    expect(Object.keys(config).at(-1)).toBe('entryPoints');
  });

  it('reports a misspelled option', () => {
    // Prepare
    const broken = parse(traefikStatic);
    broken.providers.file.directroy = broken.providers.file.directory;
    delete broken.providers.file.directory;

    // Act
    const errors = validateAgainst(STATIC_SCHEMA, broken);

    // Assess
    expect(errors).toContain('/providers/file must NOT have additional properties (directroy)');
  });
});

describe('Traefik file provider configuration', () => {
  let plain: DryRunResult;
  let withDashboard: DryRunResult;

  beforeAll(async () => {
    [plain, withDashboard] = await Promise.all([
      runBootDryRun({ slots: SLOTS }),
      runBootDryRun({ slots: SLOTS, adminCidr: '203.0.113.7/32' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([plain?.cleanup(), withDashboard?.cleanup()]);
  });

  it('validates every file against traefik-v3-file-provider.json, as written and as the boot writes them', async () => {
    // Prepare
    const files = { ...(await dynamicFiles(plain)), 'with-dashboard/routes.yaml': (await dynamicFiles(withDashboard))['routes.yaml'] };

    // Assess
    expect(Object.keys(files).sort()).toEqual(['dynamic.yaml', 'routes.yaml', 'with-dashboard/routes.yaml']);
    expect(validateAgainst(FILE_PROVIDER_SCHEMA, parse(traefikDynamic))).toEqual([]);
    for (const [name, file] of Object.entries(files)) {
      expect(validateAgainst(FILE_PROVIDER_SCHEMA, file), name).toEqual([]);
    }
  });

  it('routes exactly the slots of the run, each name and its preview names to its own IDE, over TLS with HSTS', async () => {
    // Act
    const { routers, services, duplicates } = merged(await dynamicFiles(plain));

    // Assess
    expect(duplicates).toEqual([]);
    expect(Object.keys(routers)).toEqual(['dev-1', 'dev-1-previews', 'dev-2', 'dev-2-previews', 'dev-5', 'dev-5-previews']);
    expect(Object.keys(services)).toEqual(['dev-1', 'dev-2', 'dev-5']);
    for (const slot of SLOTS) {
      const ide = { entryPoints: ['websecure'], middlewares: ['hsts'], service: `dev-${slot}`, tls: {} };
      expect(routers[`dev-${slot}`]).toEqual({ rule: `Host(\`dev-${slot}.code.example.com\`)`, ...ide });
      expect(routers[`dev-${slot}-previews`]).toEqual({ rule: `HostRegexp(\`^[0-9]{1,5}\\.dev-${slot}\\.code\\.example\\.com$\`)`, ...ide });
      expect(services[`dev-${slot}`]).toEqual({ loadBalancer: { servers: [{ url: `http://dev-${slot}:8080` }] } });
    }
  });

  it('takes each name to exactly one IDE: dev-1’s preview rule matches no other seat’s names and no other domain', async () => {
    // Prepare
    const { routers } = merged(await dynamicFiles(plain));
    const preview = routers['dev-1-previews']?.rule ?? '';
    const expected: Record<string, string[]> = {
      'dev-1.code.example.com': ['dev-1'],
      '3000.dev-1.code.example.com': ['dev-1-previews'],
      '8080.DEV-1.Code.Example.com:443': ['dev-1-previews'],
      '65535.dev-1.code.example.com': ['dev-1-previews'],
      '3000.dev-2.code.example.com': ['dev-2-previews'],
      '5173.dev-5.code.example.com': ['dev-5-previews'],
      // Not a seat of this run, and not names of ours.
      '3000.dev-3.code.example.com': [],
      '3000.dev-10.code.example.com': [],
      'dev-1.code.example.com.evil.example': [],
      '3000.dev-1.code.example.com.evil.example': [],
      'evil.3000.dev-1.code.example.com': [],
      'a3000.dev-1.code.example.com': [],
      '123456.dev-1.code.example.com': [],
      '3000.dev-1xcode.example.com': [],
      '3000.dev-1.code-example.com': [],
      '.dev-1.code.example.com': [],
      'monitor.code.example.com': [],
    };

    // Act
    const actual = Object.fromEntries(Object.keys(expected).map((host) => [host, routersFor(routers, host)]));

    // Assess
    expect(actual).toEqual(expected);
    // The anchors are what keep other domains out: Traefik's regexp match is a search.
    expect(ruleMatches(preview.replace('^', '').replace('$`', '`'), '3000.dev-1.code.example.com.evil.example')).toBe(true);
  });

  it('sends HSTS for a year and reads the certificate from the directory the boot mounts', () => {
    // Prepare
    const dynamic = parse(traefikDynamic);

    // Assess
    expect(dynamic.http.middlewares.hsts.headers.stsSeconds).toBeGreaterThanOrEqual(ONE_YEAR);
    expect(dynamic.tls.certificates).toEqual([{ certFile: '/etc/traefik/tls/cert.pem', keyFile: '/etc/traefik/tls/key.pem' }]);
  });

  it('routes the dashboard only with ADMIN_CIDR, to the API behind the admins’ allow-list and basic auth', async () => {
    // Act
    const { routers, middlewares, duplicates } = merged(await dynamicFiles(withDashboard));

    // Assess
    expect(duplicates).toEqual([]);
    expect(Object.keys(routers)).toEqual(['dev-1', 'dev-1-previews', 'dev-2', 'dev-2-previews', 'dev-5', 'dev-5-previews', 'dashboard']);
    expect(routers.dashboard).toEqual({
      rule: 'Host(`monitor.code.example.com`)',
      entryPoints: ['dashboard'],
      middlewares: ['admins-only', 'dashboard-auth'],
      service: 'api@internal',
      tls: {},
    });
    // No ipStrategy: the allow-list reads the connection's address, not a header a client could set.
    expect(middlewares['admins-only']).toEqual({ ipAllowList: { sourceRange: ['203.0.113.7/32'] } });
    expect(middlewares['dashboard-auth']).toEqual({ basicAuth: { usersFile: '/etc/traefik/dashboard-users', removeHeader: true } });
  });

  it('refers only to entry points, middlewares and services that exist, and puts no router on plain HTTP', async () => {
    for (const result of [plain, withDashboard]) {
      // Prepare
      const entryPoints = Object.keys(parse(await readHostFile(result, 'etc/team-ide/traefik/traefik.yaml')).entryPoints);
      const { routers, middlewares, services } = merged(await dynamicFiles(result));

      for (const [name, router] of Object.entries(routers)) {
        // Assess
        expect(entryPoints, name).toEqual(expect.arrayContaining(router.entryPoints));
        expect(router.entryPoints, name).not.toContain('web');
        expect(Object.keys(middlewares), name).toEqual(expect.arrayContaining(router.middlewares ?? []));
        expect(router.service === 'api@internal' || router.service in services, name).toBe(true);
      }
    }
  });

  it('reports a misspelled route option and a value of the wrong type', async () => {
    // Prepare
    const routes = (await dynamicFiles(plain))['routes.yaml'] as { http: { routers: Record<string, JsonObject> } };
    const router = routes.http.routers['dev-1'] as JsonObject;
    router.entrypoint = router.entryPoints;
    delete router.entryPoints;
    router.priority = 'high';

    // Act
    const errors = validateAgainst(FILE_PROVIDER_SCHEMA, routes);

    // Assess
    expect(errors).toEqual(
      expect.arrayContaining([
        '/http/routers/dev-1 must NOT have additional properties (entrypoint)',
        '/http/routers/dev-1/priority must be integer',
      ]),
    );
  });
});
