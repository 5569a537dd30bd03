/**
 * Previews against a real code-server: the version the image pins, started with exactly the
 * flags and environment the boot gives dev-1 (taken from the boot's dry run), on loopback.
 * Traefik's part (which names reach which IDE) is checked in test/infra/traefik-config.test.ts;
 * this is code-server's: a preview name reaches the developer's app only with their session
 * cookie, and that cookie is scoped so that dev-1's previews get it and dev-2's do not.
 */
import { request as httpRequest, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { CookieJar } from 'tough-cookie';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type BootsCodeServer, CODE_SERVER_INSTALL_HINT, installedCodeServer, startBootsCodeServer } from '../helpers/code-server';
import { freePorts } from '../helpers/local-servers';

const installed = installedCodeServer();
const inCi = Boolean(process.env.CI);
const DOMAIN = 'example.test';

if (!installed && !inCi) {
  console.warn(`code-server is not installed: skipping the previews test against a real code-server (${CODE_SERVER_INSTALL_HINT}). CI fails instead.`);
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request to the local code-server as Traefik forwards it: the browser's Host header kept. */
function send(port: number, host: string, options: { path?: string; method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: options.path ?? '/', method: options.method ?? 'GET', headers: { host, ...options.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('previews against a real code-server', () => {
  it.runIf(inCi)('has code-server installed in CI', () => {
    expect(installed, `CI must install code-server: ${CODE_SERVER_INSTALL_HINT}`).toBeDefined();
  });

  describe.skipIf(!installed)(`code-server ${installed?.version ?? ''} started as the boot starts dev-1`, () => {
    let app: Server;
    let codeServer: BootsCodeServer | undefined;
    let codeServerPort: number;
    let appPort: number;
    let password: string;
    let flags: string[];
    const seenByApp: { url: string; cookie: string }[] = [];
    const jar = new CookieJar();
    const log = () => codeServer?.log() ?? '';

    beforeAll(async () => {
      [appPort] = (await freePorts(1)) as [number];
      app = createServer((req, res) => {
        seenByApp.push({ url: req.url ?? '', cookie: req.headers.cookie ?? '' });
        res.setHeader('content-type', 'text/plain');
        res.end('hello from the developer\'s app');
      });
      await new Promise<void>((resolve) => app.listen(appPort, '127.0.0.1', resolve));
      // What the boot runs for dev-1 of a run under example.test, with previews on: on loopback and in a folder of the test's own.
      codeServer = await startBootsCodeServer(installed!, DOMAIN);
      ({ port: codeServerPort, password, flags } = codeServer);
    }, 150_000);

    afterAll(async () => {
      await codeServer?.stop();
      await new Promise((resolve) => app?.close(resolve));
    });

    it('runs with the boot’s flags: proxying dev-1’s preview names, its Ports panel on the public address', () => {
      onTestFailed(() => console.error(log()));
      expect(flags).toEqual(['--bind-addr', '0.0.0.0:8080', '--auth', 'password', '--disable-telemetry', '--disable-update-check', '--proxy-domain', `dev-1.${DOMAIN}`, '/home/coder/project']);
      expect(log()).toContain(`{{port}}.dev-1.${DOMAIN}`);
      expect(log()).toContain(`Using proxy URI in PORTS tab: https://{{port}}.dev-1.${DOMAIN}`);
      expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    });

    it('refuses a preview without the session cookie: the login page for a browser, 401 otherwise, and the app sees nothing', async () => {
      // Act: first what the boot's check-previews step asks through Traefik: /healthz, which code-server does not count as use.
      const bootCheck = await send(codeServerPort, `8080.dev-1.${DOMAIN}`, { path: '/healthz' });
      const stillUnopened = JSON.parse((await send(codeServerPort, `dev-1.${DOMAIN}`, { path: '/healthz' })).body) as unknown;
      const browser = await send(codeServerPort, `${appPort}.dev-1.${DOMAIN}`, { path: '/index.html', headers: { accept: 'text/html' } });
      const login = await send(codeServerPort, `${appPort}.dev-1.${DOMAIN}`, { path: `/login?to=/index.html`, headers: { accept: 'text/html' } });
      const script = await send(codeServerPort, `${appPort}.dev-1.${DOMAIN}`, { path: '/api/data' });

      // Assess
      expect(browser.status).toBe(302);
      expect(browser.headers.location).toMatch(/^\.\/login\?to=/);
      expect(login.status).toBe(200);
      expect(login.body).toContain('type="password"');
      expect(script.status).toBe(401);
      expect(bootCheck.status).toBe(401);
      expect(stillUnopened).toEqual({ status: 'expired', lastHeartbeat: 0 });
      expect(seenByApp).toEqual([]);
    });

    it('signs in at dev-1 with the password from its env file, and scopes the cookie to dev-1 and its previews only', async () => {
      // Act
      const answer = await send(codeServerPort, `dev-1.${DOMAIN}`, {
        path: '/login',
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ password }).toString(),
      });
      for (const cookie of [answer.headers['set-cookie'] ?? []].flat()) await jar.setCookie(cookie, `https://dev-1.${DOMAIN}/login`);

      // Assess: as a browser's cookie store (RFC 6265) sends it.
      expect(answer.status).toBe(302);
      expect(answer.headers['set-cookie']).toEqual([expect.stringMatching(new RegExp(`^code-server-session=[^;]+; Domain=dev-1\\.${DOMAIN.replace('.', '\\.')}; Path=/; SameSite=Lax$`))]);
      expect(await jar.getCookieString(`https://dev-1.${DOMAIN}/`)).toMatch(/^code-server-session=/);
      expect(await jar.getCookieString(`https://3000.dev-1.${DOMAIN}/`)).toMatch(/^code-server-session=/);
      expect(await jar.getCookieString(`https://${appPort}.dev-1.${DOMAIN}/`)).toMatch(/^code-server-session=/);
      expect(await jar.getCookieString(`https://3000.dev-2.${DOMAIN}/`)).toBe('');
      expect(await jar.getCookieString(`https://dev-2.${DOMAIN}/`)).toBe('');
      expect(await jar.getCookieString(`https://${DOMAIN}/`)).toBe('');
      expect(await jar.getCookieString(`https://dev-1.${DOMAIN}.evil.example/`)).toBe('');
    });

    it('takes a signed-in developer to their app on its port, and keeps the session cookie from the app', async () => {
      // Prepare
      const cookie = await jar.getCookieString(`https://${appPort}.dev-1.${DOMAIN}/`);

      // Act
      const answer = await send(codeServerPort, `${appPort}.dev-1.${DOMAIN}`, { path: '/some/page?x=1', headers: { accept: 'text/html', cookie: `${cookie}; theme=dark` } });

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.body).toBe('hello from the developer\'s app');
      expect(seenByApp).toEqual([{ url: '/some/page?x=1', cookie: 'theme=dark' }]);
    });

    it('proxies only dev-1’s own preview names: dev-2’s, even with dev-1’s cookie, never reach an app', async () => {
      // Prepare
      const cookie = await jar.getCookieString(`https://${appPort}.dev-1.${DOMAIN}/`);
      const before = seenByApp.length;

      // Act
      const answer = await send(codeServerPort, `${appPort}.dev-2.${DOMAIN}`, { path: '/', headers: { accept: 'text/html', cookie } });

      // Assess: code-server answers for itself (its editor), not with the app.
      expect(answer.body).not.toContain('hello from the developer');
      expect(seenByApp).toHaveLength(before);
    });
  });
});
