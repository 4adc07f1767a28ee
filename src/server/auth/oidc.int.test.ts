// Single sign-on end to end: a real OpenID provider (oidc-provider) on 127.0.0.1 with a PKCE
// public client and accounts carrying a `groups` claim, the login driven with plain fetch as a
// browser would (redirects followed by hand, the provider's login and consent forms posted), and
// the resulting session's groups mapped to roles by the `tiphys-rbac` ConfigMap. And
// `tiphys login --sso` whole: the CLI as a child process prints the login URL, the scripted browser
// follows it through the provider and back to the CLI's loopback listener, and the session the
// CLI stored works; a return_to that is not a loopback http URL is refused.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import Provider from 'oidc-provider';
import { startCluster, type TestCluster } from '../../../testbed/src/cluster.ts';
import { freePorts } from '../../../testbed/src/ports.ts';
import { installTiphys, loadKubeConfig } from '../../adapters/kube/install.ts';
import { KubeRest } from '../../adapters/kube/rest.ts';
import { type AuthService, createAuthService } from './index.ts';
import type { Identity } from './types.ts';

const NS = 'tiphys';
const BIN = fileURLToPath(new URL('../../../bin/tiphys.mjs', import.meta.url));
const ACCOUNTS: Record<string, string[]> = { alice: ['my-group', 'devs'], bob: ['devs', 'admin'] };

/** Cookies per origin, enough for one scripted browser. */
class CookieJar {
  private readonly jars = new Map<string, Map<string, string>>();
  store(url: string, response: Response): void {
    const jar = this.jars.get(new URL(url).origin) ?? new Map<string, string>();
    this.jars.set(new URL(url).origin, jar);
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair.indexOf('=');
      const [name, value] = [pair.slice(0, index).trim(), pair.slice(index + 1).trim()];
      if (value === '' || /max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
  }
  header(url: string): string {
    return [...(this.jars.get(new URL(url).origin) ?? [])].map(([n, v]) => `${n}=${v}`).join('; ');
  }
  get(url: string, name: string): string | undefined {
    return this.jars.get(new URL(url).origin)?.get(name);
  }
}

describe('single sign-on with a real OpenID provider', () => {
  let cluster: TestCluster;
  let rest: KubeRest;
  let auth: AuthService;
  let app: FastifyInstance;
  let provider: Server;
  let base = '';
  const home = mkdtempSync(join(tmpdir(), 'tiphys-oidc-cli-'));

  /** Requests without following redirects, keeping cookies. */
  async function request(jar: CookieJar, url: string, form?: Record<string, string>): Promise<Response> {
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: jar.header(url),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    jar.store(url, response);
    return response;
  }

  /**
   * Logs in as `login` from /auth/login: follows redirects, answers the provider's login and
   * consent forms, and stops at the first answer of Tiphys's callback.
   */
  async function ssoLogin(jar: CookieJar, login: string, start = `${base}/auth/login`): Promise<Response> {
    let url = start;
    for (let step = 0; step < 20; step++) {
      const response = await request(jar, url);
      if (url.startsWith(`${base}/auth/callback`)) return response;
      if (response.status >= 300 && response.status < 400) {
        url = new URL(response.headers.get('location') ?? '', url).href;
        continue;
      }
      const html = await response.text();
      assert.equal(response.status, 200, html.slice(0, 300));
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      const form: Record<string, string> =
        prompt === 'login' ? { prompt, login, password: 'any' } : { prompt: prompt ?? '' };
      const posted = await request(jar, url, form);
      assert.equal(posted.status, 303, `posting the ${prompt} form`);
      url = new URL(posted.headers.get('location') ?? '', url).href;
    }
    throw new Error('the login did not reach the callback');
  }

  const sessionIdentity = async (jar: CookieJar) => {
    const response = await request(jar, `${base}/api/v1/session/userinfo`);
    return (await response.json()) as { loggedIn: boolean; username?: string; groups?: string[] };
  };

  before(async () => {
    const [providerPort, appPort] = await freePorts(2);
    const issuer = `http://127.0.0.1:${providerPort}`;
    base = `http://127.0.0.1:${appPort}`;
    const oidc = new Provider(issuer, {
      clients: [
        {
          client_id: 'tiphys',
          token_endpoint_auth_method: 'none',
          redirect_uris: [`${base}/auth/callback`],
          response_types: ['code'],
          grant_types: ['authorization_code'],
        },
      ],
      claims: { openid: ['sub'], groups: ['groups'] },
      cookies: { keys: ['oidc-test-cookie-key'] },
      findAccount: async (_ctx: unknown, id: string) => ({
        accountId: id,
        claims: async () => ({ sub: id, groups: ACCOUNTS[id] ?? [] }),
      }),
    });
    provider = createServer(oidc.callback());
    await new Promise<void>((resolve) => provider.listen(providerPort, '127.0.0.1', resolve));

    cluster = await startCluster({ name: 'auth-oidc' });
    await installTiphys({ kubeconfigPath: cluster.kubeconfigPath });
    const kubeConfig = loadKubeConfig(cluster.kubeconfigPath);
    rest = new KubeRest(kubeConfig);
    await rest.request('POST', `/api/v1/namespaces/${NS}/configmaps`, {
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'tiphys-rbac' },
        data: { 'policy.csv': 'g, my-group, role:admin\n', scopes: '[groups]' },
      },
    });
    auth = await createAuthService({
      kubeConfig,
      namespace: NS,
      log: () => {},
      oidc: {
        issuer,
        clientId: 'tiphys',
        redirectUrl: `${base}/auth/callback`,
        scopes: ['openid', 'groups'],
      },
    });
    app = Fastify();
    auth.registerRoutes(app);
    app.get('/whoami', async (req) => {
      const identity = await auth.authenticate(req);
      return { identity: identity ?? null, admin: await auth.enforce(identity, 'clusters', 'delete', 'c1') };
    });
    await app.listen({ port: appPort, host: '127.0.0.1' });
  });
  after(async () => {
    rmSync(home, { recursive: true, force: true });
    await app?.close();
    auth?.close();
    rest?.close();
    provider?.closeAllConnections();
    await new Promise((resolve) => provider?.close(resolve));
    await cluster?.stop();
  });

  test('/auth/login redirects to the provider with state and PKCE, keeping them in a signed cookie', async () => {
    const jar = new CookieJar();
    const response = await request(jar, `${base}/auth/login`);
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location') ?? '');
    assert.equal(location.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(location.searchParams.get('code_challenge'));
    assert.ok(location.searchParams.get('state'));
    assert.equal(location.searchParams.get('redirect_uri'), `${base}/auth/callback`);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('tiphys.oidc='));
    assert.match(cookie ?? '', /Path=\/auth; Max-Age=600; HttpOnly; SameSite=Lax/);
  });

  test('a user in my-group logs in by SSO and is admin through g, my-group, role:admin', async () => {
    const jar = new CookieJar();
    const callback = await ssoLogin(jar, 'alice');
    assert.equal(callback.status, 302, await callback.clone().text());
    assert.equal(callback.headers.get('location'), '/');
    assert.ok(jar.get(base, 'tiphys.token'), 'session cookie set');
    assert.equal(jar.get(base, 'tiphys.oidc'), undefined, 'login state cookie cleared');
    assert.deepEqual(await sessionIdentity(jar), {
      loggedIn: true,
      username: 'alice',
      groups: ['my-group', 'devs'],
    });
    const who = (await (await request(jar, `${base}/whoami`)).json()) as {
      identity: Identity;
      admin: boolean;
    };
    assert.equal(who.identity.kind, 'sso');
    assert.equal(who.admin, true);
  });

  test('a personal token made from an SSO session expires after a week unless the request says otherwise', async () => {
    const jar = new CookieJar();
    assert.equal((await ssoLogin(jar, 'alice')).status, 302);
    const create = async (body: object) => {
      const response = await fetch(`${base}/api/v1/account/tokens`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${jar.get(base, 'tiphys.token')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      const created = (await response.json()) as { expiresAt?: string; error?: string };
      assert.equal(response.status, 201, created.error);
      return created.expiresAt ? Date.parse(created.expiresAt) : undefined;
    };
    const week = 7 * 24 * 60 * 60 * 1000;
    const started = Date.now();
    const byDefault = await create({ description: 'made from SSO' });
    assert.ok(byDefault !== undefined, 'a default expiry');
    assert.ok(
      byDefault >= started + week - 1000 && byDefault <= Date.now() + week,
      new Date(byDefault).toISOString(),
    );
    const asked = await create({ expiresIn: 3600 });
    assert.ok(asked !== undefined && asked <= Date.now() + 3_600_000);
  });

  test('a user outside my-group is not admin, and a group named admin grants nothing', async () => {
    const jar = new CookieJar();
    assert.equal((await ssoLogin(jar, 'bob')).status, 302);
    assert.deepEqual(await sessionIdentity(jar), { loggedIn: true, username: 'bob', groups: ['devs'] });
    const who = (await (await request(jar, `${base}/whoami`)).json()) as { admin: boolean };
    assert.equal(who.admin, false);
  });

  test('a callback without the login cookie, or with a forged state, is refused', async () => {
    const stray = await request(new CookieJar(), `${base}/auth/callback?code=x&state=y`);
    assert.equal(stray.status, 400);
    const jar = new CookieJar();
    await request(jar, `${base}/auth/login`);
    const forged = await request(jar, `${base}/auth/callback?code=x&state=not-the-state`);
    assert.equal(forged.status, 401);
    assert.equal(jar.get(base, 'tiphys.token'), undefined);
    const denied = await request(jar, `${base}/auth/callback?error=access_denied`);
    assert.equal(denied.status, 401);
  });

  /** `tiphys login ARGS` as its own process with its own config file; `url` is the URL it prints. */
  function cliLogin(args: string[], config: string) {
    // An xdg-open that does nothing: this test is the browser.
    const bin = join(home, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'xdg-open'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TIPHYS_CONFIG: config,
      PATH: `${bin}:${process.env.PATH}`,
    };
    for (const name of ['KUBECONFIG', 'TIPHYS_SERVER', 'TIPHYS_AUTH_TOKEN', 'TIPHYS_INSECURE'])
      delete env[name];
    const child = spawn(process.execPath, [BIN, 'login', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let printed: (url: string) => void;
    const url = new Promise<string>((resolve) => {
      printed = resolve;
    });
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const found = /^ {2}(http:\S+)$/m.exec(stderr)?.[1];
      if (found) printed(found);
    });
    const result = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on('close', (code) => resolve({ code, stdout, stderr })),
    );
    return {
      url: Promise.race([url, result.then((r) => assert.fail(`no URL printed: ${r.stderr}`))]),
      result,
    };
  }

  test('tiphys login --sso: browser to the provider and back to the CLI, which stores a working session', async () => {
    const config = join(home, 'alice.json');
    const cli = cliLogin([base, '--sso'], config);
    const printed = new URL(await cli.url);
    assert.equal(printed.origin + printed.pathname, `${base}/auth/login`);
    const returnTo = printed.searchParams.get('return_to') ?? '';
    assert.match(returnTo, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const nonce = printed.searchParams.get('cli_state') ?? '';

    const jar = new CookieJar();
    const callback = await ssoLogin(jar, 'alice', printed.href);
    assert.equal(callback.status, 302, await callback.clone().text());
    assert.equal(jar.get(base, 'tiphys.token'), undefined, 'the browser gets no session of its own');
    assert.equal(jar.get(base, 'tiphys.oidc'), undefined, 'login state cookie cleared');
    assert.equal(callback.headers.get('referrer-policy'), 'no-referrer');
    const back = new URL(callback.headers.get('location') ?? '');
    assert.equal(back.origin + back.pathname, returnTo);
    assert.equal(back.searchParams.get('cli_state'), nonce);
    const token = back.searchParams.get('token') ?? '';
    assert.ok(token, 'the session token goes to the CLI');

    const page = await request(jar, back.href);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /You are logged in to Tiphys; you can close this tab/);
    const result = await cli.result;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `logged in to ${base} as alice (session stored in ${config})\n`);
    assert.ok(!(result.stdout + result.stderr).includes(token), 'the token is never printed');

    const stored = JSON.parse(readFileSync(config, 'utf8')) as { server: string; token: string };
    assert.deepEqual(stored, { server: base, token });
    const withToken = async (path: string) =>
      (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${stored.token}` } })).json();
    assert.deepEqual(await withToken('/api/v1/session/userinfo'), {
      loggedIn: true,
      username: 'alice',
      groups: ['my-group', 'devs'],
    });
    const who = (await withToken('/whoami')) as { identity: Identity; admin: boolean };
    assert.equal(who.identity.kind, 'sso');
    assert.equal(who.admin, true);
  });

  test('a refused login is handed to the CLI as an error; it stores nothing and exits 1', async () => {
    const config = join(home, 'refused.json');
    const cli = cliLogin([base, '--sso'], config);
    const printed = await cli.url;
    const jar = new CookieJar();
    const login = await request(jar, printed);
    assert.equal(login.status, 302);
    const denied = await request(jar, `${base}/auth/callback?error=access_denied`);
    assert.equal(denied.status, 302);
    const back = new URL(denied.headers.get('location') ?? '');
    assert.equal(back.searchParams.get('token'), null);
    assert.equal(back.searchParams.get('cli_state'), new URL(printed).searchParams.get('cli_state'));
    const page = await request(jar, back.href);
    assert.equal(page.status, 401);
    const result = await cli.result;
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /error: single sign-on at .* failed: the identity provider refused the login: access_denied/,
    );
    assert.throws(() => readFileSync(config), /ENOENT/);
  });

  test('/auth/login refuses a return_to that is not a loopback http URL, or one without cli_state', async () => {
    const nonce = 'n'.repeat(32);
    for (const returnTo of [
      'http://evil.example/callback',
      'https://127.0.0.1:8000/callback',
      'http://127.0.0.1.evil.example/callback',
      'http://localhost@evil.example/callback',
      'http://user:pw@127.0.0.1:8000/callback',
      'javascript:alert(1)',
      '//127.0.0.1:8000/callback',
      '/callback',
      '',
    ]) {
      const jar = new CookieJar();
      const query = new URLSearchParams({ return_to: returnTo, cli_state: nonce });
      const response = await request(jar, `${base}/auth/login?${query}`);
      assert.equal(response.status, 400, returnTo);
      assert.match(
        ((await response.json()) as { error: string }).error,
        /return_to must be an http URL on 127\.0\.0\.1/,
      );
      assert.equal(jar.get(base, 'tiphys.oidc'), undefined, 'no login started');
    }
    for (const cliState of [undefined, 'short', 'has spaces in it, sixteen+']) {
      const query = new URLSearchParams({ return_to: 'http://127.0.0.1:8000/callback' });
      if (cliState !== undefined) query.set('cli_state', cliState);
      const response = await request(new CookieJar(), `${base}/auth/login?${query}`);
      assert.equal(response.status, 400, String(cliState));
    }
    for (const ok of [
      'http://127.0.0.1:8000/callback',
      'http://localhost:8000/cb?x=1',
      'http://[::1]:8000/',
    ]) {
      const query = new URLSearchParams({ return_to: ok, cli_state: nonce });
      assert.equal((await request(new CookieJar(), `${base}/auth/login?${query}`)).status, 302, ok);
    }
  });
});
