// `tiphys login`, `logout`, `account` and the routing of resource commands, as a person runs them
// (a real process, a real config file), against a stand-in API server that answers as
// docs/api.md says. test/e2e/cli-api.test.ts runs the same against the real server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/tiphys.mjs', import.meta.url));
const PASSWORD = 'right-pa55word';
const SESSION = 'session-token-never-printed';

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body: unknown;
}

describe('tiphys login, logout and account against a stand-in API server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tiphys-login-'));
  const config = join(dir, 'config.json');
  const seen: Seen[] = [];
  let sso = false;
  let base = '';

  const server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = text ? JSON.parse(text) : undefined;
    const authorization = req.headers.authorization;
    seen.push({ method: req.method ?? '', url: req.url ?? '', authorization, body });
    const send = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    const route = `${req.method} ${req.url}`;
    if (route === 'POST /api/v1/session') {
      return body.username === 'admin' && body.password === PASSWORD
        ? send(200, { token: SESSION })
        : send(401, { error: 'invalid username or password' });
    }
    if (route === 'DELETE /api/v1/session') return send(200, {});
    if (route === 'GET /auth/login') {
      return sso
        ? send(302, {}, { location: 'https://idp.example/authorize' })
        : send(404, { error: 'single sign-on is not configured on this server' });
    }
    if (route === 'GET /api/v1/session/userinfo') {
      return send(
        200,
        authorization === 'Bearer sso-token' ? { loggedIn: true, username: 'alice' } : { loggedIn: false },
      );
    }
    if (authorization !== `Bearer ${SESSION}` && authorization !== 'Bearer ci-token') {
      return send(401, { error: 'log in first' });
    }
    if (route === 'GET /api/v1/applications') {
      const app = {
        metadata: { name: 'web', namespace: 'tiphys' },
        spec: { source: { repoURL: 'https://git.example/c' }, destination: { namespace: 'web' } },
        status: { sync: { status: 'Synced' }, health: { status: 'Healthy' } },
      };
      return send(200, { items: [app], total: 1 });
    }
    if (route === 'GET /api/v1/projects') return send(403, { error: 'not allowed to get projects' });
    if (route === 'POST /api/v1/account/tokens') return send(201, { id: 'tok-1', token: 'new-api-token' });
    return send(404, { error: `no route ${route}` });
  });

  /** Runs the CLI with only the environment a test gives it: no kubeconfig, this config file. */
  function tiphys(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
    const env: NodeJS.ProcessEnv = { ...process.env, TIPHYS_CONFIG: config, ...options.env };
    for (const name of ['KUBECONFIG', 'TIPHYS_SERVER', 'TIPHYS_AUTH_TOKEN', 'TIPHYS_INSECURE']) {
      if (!options.env?.[name]) delete env[name];
    }
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(options.input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on('close', (code) => resolve({ code, stdout, stderr })),
    );
  }
  const stored = () => JSON.parse(readFileSync(config, 'utf8'));

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a wrong password is a clear error, exit 1, and nothing is stored', async () => {
    const result = await tiphys(['login', base, '--password-stdin'], { input: 'wrong\n' });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `error: login to ${base} failed: invalid username or password\n`);
    assert.throws(() => statSync(config), /ENOENT/);
  });

  test('without a terminal the password must come from --password-stdin', async () => {
    const result = await tiphys(['login', base]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no password: standard input is not a terminal; pass --password-stdin/);
  });

  test('login stores server and token with mode 0600, and prints neither secret', async () => {
    const result = await tiphys(['login', base, '--password-stdin'], { input: `${PASSWORD}\n` });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `logged in to ${base} as admin (session stored in ${config})\n`);
    assert.deepEqual(stored(), { server: base, token: SESSION });
    assert.equal(statSync(config).mode & 0o777, 0o600);
    assert.deepEqual(seen.at(-1)?.body, { username: 'admin', password: PASSWORD });
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(`${PASSWORD}|${SESSION}`));
  });

  test('once logged in, app list goes to the API server with the token; --kubeconfig does not', async () => {
    const result = await tiphys(['app', 'list']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^NAME\s+CLUSTER\s+NAMESPACE.*\nweb\s+in-cluster\s+web\s+default\s+Synced\s+Healthy/,
    );
    assert.equal(seen.at(-1)?.authorization, `Bearer ${SESSION}`);
    const direct = await tiphys(['app', 'list', '--kubeconfig', join(dir, 'missing-kubeconfig')]);
    assert.equal(direct.code, 1);
    assert.equal(seen.at(-1)?.url, '/api/v1/applications', 'no further request reached the API server');
  });

  test('403 and 401 from the server read as permission denied and log in again', async () => {
    const denied = await tiphys(['proj', 'list']);
    assert.equal(denied.stderr, 'error: permission denied: not allowed to get projects\n');
    assert.equal(denied.code, 1);
    const expired = await tiphys(['app', 'list'], { env: { TIPHYS_AUTH_TOKEN: 'expired' } });
    assert.equal(expired.stderr, `error: not logged in or token expired: run tiphys login ${base}\n`);
  });

  test('account generate-token prints the token alone on stdout, from the CI environment', async () => {
    const result = await tiphys(
      ['account', 'generate-token', '--project', 'team-a', '--role', 'ci', '--expires-in', '24h'],
      { env: { TIPHYS_SERVER: base, TIPHYS_AUTH_TOKEN: 'ci-token' } },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'new-api-token\n');
    assert.match(result.stderr, /token tok-1 created \(no expiry\); it is shown only this once/);
    assert.deepEqual(seen.at(-1), {
      method: 'POST',
      url: '/api/v1/account/tokens',
      authorization: 'Bearer ci-token',
      body: { project: 'team-a', role: 'ci', expiresIn: 86_400 },
    });
  });

  test('logout revokes the session and forgets the token', async () => {
    const result = await tiphys(['logout']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `logged out of ${base}\n`);
    assert.equal(seen.at(-1)?.method, 'DELETE');
    assert.equal(seen.at(-1)?.authorization, `Bearer ${SESSION}`);
    assert.deepEqual(stored(), { server: base });
    assert.equal((await tiphys(['logout'])).stdout, 'not logged in\n');
    const account = await tiphys(['account', 'list-tokens']);
    assert.match(account.stderr, /error: not logged in: run tiphys login SERVER/);
  });

  test('--sso: a clear error without single sign-on; else the pasted token is checked and stored', async () => {
    const off = await tiphys(['login', base, '--sso']);
    assert.equal(
      off.stderr,
      `error: single sign-on at ${base} is not available: single sign-on is not configured on this server\n`,
    );
    sso = true;
    const bad = await tiphys(['login', '--sso'], { input: 'typo\n' });
    assert.match(bad.stderr, new RegExp(`Open ${base}/auth/login and log in`));
    assert.match(bad.stderr, /error: that token is not valid at .*: expired, revoked or not copied whole/);
    const good = await tiphys(['login', '--sso'], { input: 'sso-token\n' });
    assert.equal(good.code, 0, good.stderr);
    assert.equal(good.stdout, `logged in to ${base} as alice (session stored in ${config})\n`);
    assert.deepEqual(stored(), { server: base, token: 'sso-token' });
  });
});
