import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { configPath, normalizeServer, readConfig, resolveApiTarget, writeConfig } from './cli-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'tiphys-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const mode = (path: string) => statSync(path).mode & 0o777;

test('the config path: $TIPHYS_CONFIG, else under $XDG_CONFIG_HOME, else ~/.config', () => {
  assert.equal(configPath({ TIPHYS_CONFIG: '/x/c.json', XDG_CONFIG_HOME: '/y' }), '/x/c.json');
  assert.equal(configPath({ XDG_CONFIG_HOME: '/y' }), '/y/tiphys/config.json');
  assert.match(configPath({}), /\/\.config\/tiphys\/config\.json$/);
});

test('written readable by its owner only, in a folder of its own, and read back', () => {
  const path = join(dir, 'new', 'tiphys', 'config.json');
  writeConfig({ server: 'https://t.example', token: 'secret-token' }, path);
  assert.equal(mode(path), 0o600);
  assert.equal(mode(join(dir, 'new', 'tiphys')), 0o700);
  assert.deepEqual(readConfig(path), { server: 'https://t.example', token: 'secret-token' });
});

test('a file someone opened up is closed again when rewritten', () => {
  const path = join(dir, 'open.json');
  writeFileSync(path, '{}');
  chmodSync(path, 0o644);
  writeConfig({ server: 'https://t.example', token: 't' }, path);
  assert.equal(mode(path), 0o600);
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { server: 'https://t.example', token: 't' });
});

test('an empty config removes the file; an absent file is an empty config', () => {
  const path = join(dir, 'gone.json');
  writeConfig({ server: 'https://t.example' }, path);
  writeConfig({}, path);
  assert.throws(() => statSync(path), /ENOENT/);
  assert.deepEqual(readConfig(path), {});
});

test('a broken file is an error that says what to do; unknown and empty fields are ignored', () => {
  const path = join(dir, 'broken.json');
  writeFileSync(path, '{"server": ');
  assert.throws(() => readConfig(path), /broken\.json is not valid JSON; fix it or delete it/);
  writeFileSync(path, '[]');
  assert.throws(() => readConfig(path), /must hold a JSON object/);
  writeFileSync(path, '{"server": "https://a", "token": "", "insecure": "yes", "other": 1}');
  assert.deepEqual(readConfig(path), { server: 'https://a' });
});

test('server addresses: https unless on loopback, no trailing slash, no credentials', () => {
  assert.equal(normalizeServer('tiphys.example.com'), 'https://tiphys.example.com');
  assert.equal(normalizeServer('localhost:8080'), 'http://localhost:8080');
  assert.equal(normalizeServer('127.0.0.1:8080/'), 'http://127.0.0.1:8080');
  assert.equal(normalizeServer('https://proxy.example/tiphys/'), 'https://proxy.example/tiphys');
  assert.throws(() => normalizeServer('https://u:p@x.example'), /not in the URL/);
  assert.throws(() => normalizeServer('ftp://x.example'), /http or https/);
  assert.throws(() => normalizeServer('https://x.example/?a=1'), /no query/);
});

test('which way a command goes: --kubeconfig, then flags, then the environment, then the login', () => {
  const config = { server: 'https://login.example', token: 'login-token' };
  const none = {};
  // Logged in: the API, unless --kubeconfig says otherwise.
  assert.deepEqual(resolveApiTarget({}, none, config), {
    server: 'https://login.example',
    token: 'login-token',
    insecure: false,
  });
  assert.equal(resolveApiTarget({ kubeconfig: '/k' }, none, config), undefined);
  // Not logged in, nothing said: the kubeconfig, as before logins existed.
  assert.equal(resolveApiTarget({}, none, {}), undefined);
  assert.equal(resolveApiTarget({}, none, { server: 'https://login.example' }), undefined);
  // CI: the environment.
  const ci = { TIPHYS_SERVER: 'ci.example', TIPHYS_AUTH_TOKEN: 'ci-token', TIPHYS_INSECURE: 'true' };
  assert.deepEqual(resolveApiTarget({}, ci, config), {
    server: 'https://ci.example',
    token: 'ci-token',
    insecure: true,
  });
  // Flags beat the environment; the login's token never goes to another server.
  assert.equal(resolveApiTarget({ authToken: 'flag' }, ci, config)?.token, 'flag');
  assert.throws(
    () => resolveApiTarget({ server: 'https://other.example' }, none, config),
    /no token for https:\/\/other\.example: run tiphys login/,
  );
  assert.equal(resolveApiTarget({ server: 'https://login.example/' }, none, config)?.token, 'login-token');
  assert.throws(() => resolveApiTarget({ authToken: 't' }, none, {}), /no API server: pass --server/);
  assert.throws(
    () => resolveApiTarget({ kubeconfig: '/k', server: 'https://x' }, none, {}),
    /either --kubeconfig or --server/,
  );
  // --insecure of the login holds for its server only.
  const insecureLogin = { ...config, insecure: true };
  assert.equal(resolveApiTarget({}, none, insecureLogin)?.insecure, true);
  assert.equal(
    resolveApiTarget({ authToken: 't' }, { TIPHYS_SERVER: 'https://b' }, insecureLogin)?.insecure,
    false,
  );
});
