// Single sign-on end to end: a real OpenID provider (oidc-provider) on 127.0.0.1 with a PKCE
// public client and accounts carrying a `groups` claim, the login driven with plain fetch as a
// browser would (redirects followed by hand, the provider's login and consent forms posted), and
// the resulting session's groups mapped to roles by the `tiphys-rbac` ConfigMap.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import Provider from 'oidc-provider';
import { startCluster, type TestCluster } from '../../../testbed/src/cluster.ts';
import { freePorts } from '../../../testbed/src/ports.ts';
import { installTiphys, loadKubeConfig } from '../../adapters/kube/install.ts';
import { KubeRest } from '../../adapters/kube/rest.ts';
import { type AuthService, createAuthService } from './index.ts';
import type { Identity } from './types.ts';

const NS = 'tiphys';
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
  async function ssoLogin(jar: CookieJar, login: string): Promise<Response> {
    let url = `${base}/auth/login`;
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
});
