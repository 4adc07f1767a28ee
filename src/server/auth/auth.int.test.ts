// The auth module against a real API server: the admin account and its one-time initial password,
// sessions (cookie and bearer), logout, API tokens (personal and project), expiry via the `now`
// option, RBAC from the ConfigMap and AppProjects, and no secret in any answer or stored in clear.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { startCluster, type TestCluster } from '../../../testbed/src/cluster.ts';
import { installTiphys, loadKubeConfig } from '../../adapters/kube/install.ts';
import { KubeRest } from '../../adapters/kube/rest.ts';
import { hashPassword, SCRYPT_PARAMETERS, verifyPassword } from '../../domain/accounts/password.ts';
import { type AuthService, createAuthService, ensureAdminAccount, recentAuditEvents } from './index.ts';
import type { RbacAction } from './types.ts';

const NS = 'tiphys';
const run = promisify(execFile);

function project(name: string, policies: string[]) {
  return {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'AppProject',
    metadata: { name, namespace: NS },
    spec: {
      sourceRepos: ['*'],
      destinations: [{ cluster: '*', namespace: '*' }],
      roles: [{ name: 'deployer', policies }],
    },
  };
}

/** Runs `tiphys admin initial-password` as a person would (its own process), capturing its output. */
async function initialPassword(kubeconfig: string): Promise<{ out: string; error?: string }> {
  const bin = fileURLToPath(new URL('../../../bin/tiphys.mjs', import.meta.url));
  const args = [bin, 'admin', 'initial-password', '--kubeconfig', kubeconfig, '-n', NS];
  try {
    const { stdout } = await run(process.execPath, args, { timeout: 60_000 });
    return { out: stdout.trimEnd() };
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return { out: (stdout ?? '').trimEnd(), error: stderr || String(error) };
  }
}

describe('auth against a real cluster', () => {
  let cluster: TestCluster;
  let rest: KubeRest;
  let auth: AuthService;
  let app: FastifyInstance;
  let clock = Date.now();
  let password = '';
  let adminToken = '';
  const logLines: string[] = [];
  const secrets: string[] = [];
  /** Every response body except logins and token creations, for the "no secret in any answer" check. */
  const bodies: string[] = [];

  const call = async (options: InjectOptions & { bearer?: string; cookie?: string }, keepBody = true) => {
    const headers: Record<string, string> = { ...(options.headers as Record<string, string>) };
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    if (options.cookie) headers.cookie = options.cookie;
    const response = await app.inject({ ...options, headers });
    if (keepBody) bodies.push(response.body);
    return response;
  };
  // A login answers with its session token, as a token creation does: those bodies are not checked.
  const login = (username: string, pw: string) =>
    call({ method: 'POST', url: '/api/v1/session', payload: { username, password: pw } }, false);
  const probe = (bearer: string | undefined, path: string, action: RbacAction = 'sync') =>
    call({ method: 'GET', url: `/probe/${path}?action=${action}`, bearer }).then((r) => r.statusCode);
  const createToken = async (bearer: string, payload: object) => {
    const response = await call({ method: 'POST', url: '/api/v1/account/tokens', bearer, payload }, false);
    const body = response.json() as { id: string; token: string; expiresAt?: string; error?: string };
    if (body.token) secrets.push(body.token);
    return { status: response.statusCode, ...body };
  };
  const secretData = async (name: string) => {
    const secret = await rest.request<{ data?: Record<string, string> }>(
      'GET',
      `/api/v1/namespaces/${NS}/secrets/${name}`,
    );
    return Object.values(secret.data ?? {})
      .map((v) => Buffer.from(v, 'base64').toString('utf8'))
      .join('\n');
  };

  before(async () => {
    cluster = await startCluster({ name: 'auth' });
    await installTiphys({ kubeconfigPath: cluster.kubeconfigPath });
    const kubeConfig = loadKubeConfig(cluster.kubeconfigPath);
    rest = new KubeRest(kubeConfig);
    assert.deepEqual(await ensureAdminAccount(kubeConfig, NS), { created: true });
    assert.deepEqual(await ensureAdminAccount(kubeConfig, NS), { created: false });
    const projects = `/apis/tiphys.dev/v1alpha1/namespaces/${NS}/appprojects`;
    await rest.request('POST', projects, {
      body: project('team-a', ['p, proj:team-a:deployer, applications, sync, team-a/*, allow']),
    });
    await rest.request('POST', projects, { body: project('team-b', []) });
    auth = await createAuthService({
      kubeConfig,
      namespace: NS,
      now: () => clock,
      log: (l) => logLines.push(l),
    });
    app = Fastify();
    auth.registerRoutes(app);
    app.get<{ Params: { project: string; app: string }; Querystring: { action: RbacAction } }>(
      '/probe/:project/:app',
      async (req, reply) => {
        const identity = await auth.authenticate(req);
        if (!identity) return reply.code(401).send({ error: 'log in first' });
        const object = `${req.params.project}/${req.params.app}`;
        const allowed = await auth.enforce(identity, 'applications', req.query.action, object);
        auth.audit({
          identity,
          action: req.query.action,
          resource: 'applications',
          object,
          result: allowed ? 'success' : 'denied',
        });
        return allowed ? { subject: identity.subject } : reply.code(403).send({ error: 'not allowed' });
      },
    );
    await app.ready();
  });
  after(async () => {
    await app?.close();
    auth?.close();
    rest?.close();
    await cluster?.stop();
  });

  test('admin initial-password prints the password once, then says it is gone', async () => {
    const first = await initialPassword(cluster.kubeconfigPath);
    assert.equal(first.error, undefined);
    password = first.out.trim();
    assert.match(password, /^[A-Za-z0-9_-]{24}$/);
    secrets.push(password);
    const second = await initialPassword(cluster.kubeconfigPath);
    assert.equal(second.out, '');
    assert.match(second.error ?? '', /initial admin password is gone/);
    const stored = await secretData('tiphys-secret');
    assert.match(stored, /^scrypt\$/m);
    assert.ok(!stored.includes(password), 'only the hash is stored');
  });

  test('the admin logs in with the initial password; a wrong one is 401', async () => {
    assert.equal((await login('admin', 'wrong-password')).statusCode, 401);
    assert.equal((await login('nobody', password)).statusCode, 401);
    assert.equal((await login('admin', '')).statusCode, 400);
    const response = await login('admin', password);
    assert.equal(response.statusCode, 200);
    adminToken = (response.json() as { token: string }).token;
    secrets.push(adminToken);
    const [cookie, csrf] = response.headers['set-cookie'] as string[];
    assert.match(cookie, /^tiphys\.token=[^;]+; Path=\/; Max-Age=86400; HttpOnly; SameSite=Lax$/);
    assert.match(
      csrf,
      /^tiphys\.csrf=[\w-]{32}; Path=\/; Max-Age=86400; SameSite=Strict$/,
      'the double-submit token',
    );
    const cookieHeader = cookie.split(';')[0];

    assert.equal(await probe(adminToken, 'team-b/x'), 200, 'bearer');
    const viaCookie = await call({
      method: 'GET',
      url: '/probe/team-b/x?action=delete',
      cookie: cookieHeader,
    });
    assert.equal(viaCookie.statusCode, 200, 'cookie');
    const info = await call({ method: 'GET', url: '/api/v1/session/userinfo', cookie: cookieHeader });
    assert.deepEqual(info.json(), { loggedIn: true, username: 'admin', groups: [] });
    assert.deepEqual((await call({ method: 'GET', url: '/api/v1/session/userinfo' })).json(), {
      loggedIn: false,
    });
    assert.equal(await probe(undefined, 'team-a/x', 'get'), 401);
    assert.equal(await probe('not.a.token', 'team-a/x', 'get'), 401);
  });

  test('logout revokes that session only', async () => {
    const other = (await login('admin', password).then((r) => r.json())) as { token: string };
    secrets.push(other.token);
    assert.equal(await probe(other.token, 'team-a/x'), 200);
    const out = await call({
      method: 'DELETE',
      url: '/api/v1/session',
      cookie: `tiphys.token=${other.token}`,
    });
    assert.equal(out.statusCode, 200);
    assert.match(String(out.headers['set-cookie']), /^tiphys\.token=; Path=\/; Max-Age=0/);
    assert.equal(await probe(other.token, 'team-a/x'), 401);
    assert.equal(await probe(adminToken, 'team-a/x'), 200);
  });

  test('an API token works until revoked; the list never shows token values', async () => {
    const created = await createToken(adminToken, { description: 'ci', expiresIn: 3600 });
    assert.equal(created.status, 201);
    assert.ok(created.expiresAt && Date.parse(created.expiresAt) > clock);
    assert.equal(await probe(created.token, 'team-b/x', 'delete'), 200);
    const list = await call({ method: 'GET', url: '/api/v1/account/tokens', bearer: adminToken });
    const items = (list.json() as { items: { id: string; owner: string; description?: string }[] }).items;
    assert.deepEqual(
      items.map((i) => [i.id, i.owner, i.description]),
      [[created.id, 'admin', 'ci']],
    );
    assert.equal(await createToken(created.token, {}).then((r) => r.status), 403, 'no tokens from tokens');
    const revoked = await call({
      method: 'DELETE',
      url: `/api/v1/account/tokens/${created.id}`,
      bearer: adminToken,
    });
    assert.equal(revoked.statusCode, 200);
    assert.equal(await probe(created.token, 'team-b/x'), 401);
    const again = await call({
      method: 'DELETE',
      url: `/api/v1/account/tokens/${created.id}`,
      bearer: adminToken,
    });
    assert.equal(again.statusCode, 404);
  });

  test('an expired token is refused', async () => {
    const created = await createToken(adminToken, { expiresIn: 60 });
    assert.equal(await probe(created.token, 'team-a/x'), 200);
    clock += 61_000;
    assert.equal(await probe(created.token, 'team-a/x'), 401);
  });

  test('a project token syncs in its project only, and cannot see or revoke others', async () => {
    assert.equal((await createToken(adminToken, { project: 'team-a' })).status, 400);
    assert.equal((await createToken(adminToken, { project: 'team-a', role: 'nope' })).status, 404);
    assert.equal((await createToken(adminToken, { project: 'missing', role: 'deployer' })).status, 404);
    const personal = await createToken(adminToken, { description: 'admin-owned' });
    const ci = await createToken(adminToken, { project: 'team-a', role: 'deployer', expiresIn: 3600 });
    assert.equal(ci.status, 201);
    assert.equal(await probe(ci.token, 'team-a/x'), 200);
    assert.equal(await probe(ci.token, 'team-b/x'), 403);
    assert.equal(await probe(ci.token, 'team-a/x', 'delete'), 403);
    const list = await call({ method: 'GET', url: '/api/v1/account/tokens', bearer: ci.token });
    assert.deepEqual(list.json(), { items: [] });
    const del = await call({
      method: 'DELETE',
      url: `/api/v1/account/tokens/${personal.id}`,
      bearer: ci.token,
    });
    assert.equal(del.statusCode, 403);
  });

  test('the tiphys-rbac ConfigMap is re-read when it changes', async () => {
    const ci = await createToken(adminToken, { project: 'team-a', role: 'deployer' });
    assert.equal(await probe(ci.token, 'team-b/x', 'get'), 403);
    await rest.request('POST', `/api/v1/namespaces/${NS}/configmaps`, {
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'tiphys-rbac' },
        data: { 'policy.default': 'role:readonly' },
      },
    });
    clock += 5_000;
    assert.equal(await probe(ci.token, 'team-b/x', 'get'), 200);
    assert.equal(await probe(ci.token, 'team-b/x', 'sync'), 403);
  });

  test('failed logins are rate-limited per username', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await login('admin', `guess-${i}`)).statusCode, 401);
    const limited = await login('admin', password);
    assert.equal(limited.statusCode, 429, 'even the right password waits');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    clock += 61_000;
    assert.equal((await login('admin', password)).statusCode, 200);
  });

  test('a password stored with an older scrypt cost is hashed again at the next login', async () => {
    const old = await hashPassword(password, { n: 16384, r: 8, p: 1 });
    await rest.request('PATCH', `/api/v1/namespaces/${NS}/secrets/tiphys-secret`, {
      body: { data: { 'admin.password': Buffer.from(old).toString('base64') } },
      contentType: 'application/merge-patch+json',
    });
    const storedHash = async () => {
      const secret = await rest.request<{ data: Record<string, string> }>(
        'GET',
        `/api/v1/namespaces/${NS}/secrets/tiphys-secret`,
      );
      return Buffer.from(secret.data['admin.password'], 'base64').toString('utf8');
    };
    assert.equal((await login('admin', 'not-it')).statusCode, 401);
    assert.equal(await storedHash(), old, 'a wrong password upgrades nothing');
    assert.equal((await login('admin', password)).statusCode, 200);
    const upgraded = await storedHash();
    const { n, r, p } = SCRYPT_PARAMETERS;
    assert.ok(upgraded.startsWith(`scrypt$${n}$${r}$${p}$`), upgraded.split('$').slice(0, 4).join('$'));
    assert.equal(await verifyPassword(password, upgraded), true);
    assert.equal((await login('admin', password)).statusCode, 200);
  });

  test('sessions end after 24 hours', async () => {
    clock += 25 * 60 * 60 * 1000;
    assert.equal(await probe(adminToken, 'team-a/x', 'get'), 401);
  });

  test('no secret in any answer, in the stored Secrets or in the audit trail', async () => {
    assert.ok(secrets.length >= 6);
    const stored = [
      await secretData('tiphys-secret'),
      await secretData('tiphys-api-tokens'),
      JSON.stringify(
        await rest.request('GET', `/api/v1/namespaces/${NS}/configmaps/tiphys-revoked-sessions`),
      ),
    ];
    const audit = JSON.stringify(recentAuditEvents(1000));
    assert.match(audit, /"action":"login"/);
    for (const secret of secrets) {
      for (const body of bodies)
        assert.ok(!body.includes(secret), `a response contains a secret: ${body.slice(0, 80)}`);
      for (const text of [...stored, ...logLines, audit]) assert.ok(!text.includes(secret));
    }
  });
});
