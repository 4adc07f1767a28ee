// `tiphys login`, `logout`, `account` and the routing of resource commands, as a person runs them
// (a real process, a real config file), against a stand-in API server that answers as
// docs/api.md says. test/e2e/cli-api.test.ts runs the same against the real server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
    if (req.method === 'GET' && req.url?.startsWith('/auth/login?')) {
      const query = new URL(req.url, base).searchParams;
      if (!/^http:\/\/127\.0\.0\.1:\d+\/callback$/.test(query.get('return_to') ?? '')) {
        return send(400, { error: 'return_to must be an http URL on 127.0.0.1 or localhost' });
      }
      return sso
        ? send(302, {}, { location: 'https://idp.example/authorize' })
        : send(404, { error: 'single sign-on is not configured on this server' });
    }
    if (route === 'POST /api/v1/session') {
      return body.username === 'admin' && body.password === PASSWORD
        ? send(200, { token: SESSION })
        : send(401, { error: 'invalid username or password' });
    }
    if (route === 'DELETE /api/v1/session') return send(200, {});
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
  const writeConfigFile = (value: object) => writeFileSync(config, JSON.stringify(value), { mode: 0o600 });

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

  /**
   * `tiphys login --sso` as a child process, with an `xdg-open` that only notes the URL: `url` is
   * the login address the CLI prints, for the test to play the browser with.
   */
  function ssoChild(args: string[]) {
    const bin = join(dir, 'bin');
    const opened = join(dir, 'opened');
    rmSync(opened, { force: true });
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf %s "$1" > '${opened}'\n`, { mode: 0o755 });
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
    let seenUrl: (url: URL) => void;
    const url = new Promise<URL>((resolve) => {
      seenUrl = resolve;
    });
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const printed = /^ {2}(http:\S+)$/m.exec(stderr)?.[1];
      if (printed) seenUrl(new URL(printed));
    });
    const result = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on('close', (code) => resolve({ code, stdout, stderr })),
    );
    const openedUrl = async () => {
      for (let i = 0; i < 100 && !existsSync(opened); i++) await new Promise((r) => setTimeout(r, 50));
      return readFileSync(opened, 'utf8');
    };
    return { url: Promise.race([url, result.then((r) => assert.fail(r.stderr))]), result, openedUrl };
  }

  /** What the browser gets at the CLI's listener after the server's redirect. */
  const browserBack = async (url: URL, params: Record<string, string>) => {
    const target = new URL(url.searchParams.get('return_to') ?? '');
    for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
    const response = await fetch(target, { redirect: 'manual' });
    return { status: response.status, text: await response.text() };
  };

  test('--sso: a clear error without single sign-on, and no --password-stdin with it', async () => {
    const off = await tiphys(['login', base, '--sso']);
    assert.equal(
      off.stderr,
      `error: single sign-on at ${base} is not available: single sign-on is not configured on this server\n`,
    );
    assert.equal(off.code, 1);
    const mixed = await tiphys(['login', base, '--sso', '--password-stdin'], { input: 'x\n' });
    assert.match(mixed.stderr, /--sso logs in through the browser/);
    const badTimeout = await tiphys(['login', base, '--sso', '--sso-timeout', 'soon']);
    assert.match(badTimeout.stderr, /--sso-timeout must be a whole number of seconds/);
  });

  test('--sso: the browser comes back to a loopback listener; only its own nonce counts', async () => {
    sso = true;
    const run = ssoChild(['--sso']);
    const url = await run.url;
    assert.equal(url.origin + url.pathname, `${base}/auth/login`);
    const returnTo = new URL(url.searchParams.get('return_to') ?? '');
    assert.match(returnTo.href, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const nonce = url.searchParams.get('cli_state') ?? '';
    assert.match(nonce, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(await run.openedUrl(), url.href, 'xdg-open was given the login URL');

    const other = await fetch(new URL('/elsewhere', returnTo));
    assert.equal(other.status, 404);
    const forged = await browserBack(url, { token: 'sso-token', cli_state: 'not-the-nonce-of-this-login' });
    assert.equal(forged.status, 400, 'a foreign answer is refused, and the CLI keeps waiting');
    const back = await browserBack(url, { token: 'sso-token', cli_state: nonce });
    assert.equal(back.status, 200);
    assert.match(back.text, /You are logged in to Tiphys; you can close this tab/);
    const result = await run.result;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `logged in to ${base} as alice (session stored in ${config})\n`);
    assert.deepEqual(stored(), { server: base, token: 'sso-token' });
    assert.equal(seen.at(-1)?.url, '/api/v1/session/userinfo');
    assert.equal(seen.at(-1)?.authorization, 'Bearer sso-token');
    assert.doesNotMatch(result.stdout + result.stderr, /sso-token/);
  });

  test('--sso: an invalid token, an error from the server or no answer in time is exit 1', async () => {
    writeConfigFile({ server: base });
    const invalid = ssoChild(['--sso']);
    const url = await invalid.url;
    const nonce = url.searchParams.get('cli_state') ?? '';
    const page = await browserBack(url, { token: 'typo', cli_state: nonce });
    assert.equal(page.status, 502);
    assert.match(page.text, /Login failed/);
    const invalidResult = await invalid.result;
    assert.equal(invalidResult.code, 1);
    assert.match(invalidResult.stderr, /error: the session .* sent back is not valid there/);
    assert.deepEqual(stored(), { server: base }, 'nothing stored');

    const refused = ssoChild([base, '--sso']);
    const refusedUrl = await refused.url;
    await browserBack(refusedUrl, {
      error: 'the identity provider refused the login: access_denied',
      cli_state: refusedUrl.searchParams.get('cli_state') ?? '',
    });
    const refusedResult = await refused.result;
    assert.equal(refusedResult.code, 1);
    assert.match(
      refusedResult.stderr,
      /error: single sign-on at .* failed: the identity provider refused the login: access_denied\n$/,
    );

    const slow = await ssoChild([base, '--sso', '--sso-timeout', '1']).result;
    assert.equal(slow.code, 1);
    assert.match(slow.stderr, /error: no single sign-on answer within 1 s; run tiphys login --sso again\n$/);
    assert.deepEqual(stored(), { server: base });
  });
});
