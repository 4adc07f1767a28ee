// The CLI through the API server, as a person and a CI pipeline use it: `tiphys login` with the
// admin password, then app, proj, repo, cluster and account commands with no kubeconfig at all
// (no KUBECONFIG, a HOME without ~/.kube), a project-role token in TIPHYS_SERVER and
// TIPHYS_AUTH_TOKEN, revoked, and logout. A real cluster, Git server, controller and API server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import type { Controller } from '../../src/controller/controller.ts';
import type { Application } from '../../src/core/model/application.ts';
import { buildServer } from '../../src/server/app.ts';
import { type AuthService, createAuthService, ensureAdminAccount } from '../../src/server/auth/index.ts';
import {
  createExamplesRepo,
  type Env,
  initialAdminPassword,
  NAMESPACE,
  startEnv,
  startInProcessController,
} from './support.ts';

const BIN = fileURLToPath(new URL('../../bin/tiphys.mjs', import.meta.url));
const REPO_PASSWORD = 'repo-pa55word-never-shown';
const CLUSTER_TOKEN = 'cluster-token-never-shown';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('tiphys CLI through the API server', () => {
  let env: Env;
  let controller: Controller;
  let auth: AuthService;
  let server: FastifyInstance;
  let base: string;
  let repo: string;
  let adminPassword: string;
  const home = mkdtempSync(join(tmpdir(), 'tiphys-cli-api-'));
  const config = join(home, 'tiphys.json');
  /** Every secret the CLI must never print unasked: checked against all output at the end. */
  const secrets: string[] = [REPO_PASSWORD, CLUSTER_TOKEN];
  const outputs: string[] = [];

  /** `tiphys …` as its own process, with no way to reach the cluster but the API server. */
  function tiphys(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, HOME: home, TIPHYS_CONFIG: config };
    for (const name of ['KUBECONFIG', 'TIPHYS_SERVER', 'TIPHYS_AUTH_TOKEN', 'TIPHYS_INSECURE']) {
      delete childEnv[name];
    }
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...childEnv, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(options.input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    return new Promise<Result>((resolve) =>
      child.on('close', (code) => {
        outputs.push(stdout, stderr);
        resolve({ code, stdout, stderr });
      }),
    );
  }
  const ok = async (args: string[], options?: Parameters<typeof tiphys>[1]) => {
    const result = await tiphys(args, options);
    assert.equal(result.code, 0, `tiphys ${args.join(' ')}:\n${result.stderr}${result.stdout}`);
    return result;
  };
  const storedConfig = () => JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>;

  before(async () => {
    env = await startEnv('cli-api');
    repo = await createExamplesRepo(env);
    const kubeConfig = loadKubeConfig(env.cluster.kubeconfigPath);
    await ensureAdminAccount(kubeConfig, NAMESPACE);
    controller = startInProcessController(env, { pollIntervalMs: 10_000 });
    await controller.start();
    auth = await createAuthService({ kubeConfig, namespace: NAMESPACE, log: () => {} });
    server = await buildServer({
      kubeConfig,
      namespace: NAMESPACE,
      auth,
      controller,
      tools: env.tools,
      uiDir: '/nonexistent',
    });
    base = (await server.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
    adminPassword = await initialAdminPassword(env);
    secrets.push(adminPassword);
  });

  after(async () => {
    await server?.close();
    auth?.close();
    await controller?.stop();
    await env?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  test('a wrong password is a clear error and exit 1', async () => {
    const result = await tiphys(['login', base, '--password-stdin'], { input: 'not-the-password\n' });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `error: login to ${base} failed: invalid username or password\n`);
    assert.throws(() => statSync(config), /ENOENT/);
  });

  test('login with the admin password writes the config file, mode 0600, with the token', async () => {
    const result = await ok(['login', base, '--password-stdin'], { input: `${adminPassword}\n` });
    assert.equal(result.stdout, `logged in to ${base} as admin (session stored in ${config})\n`);
    assert.equal(statSync(config).mode & 0o777, 0o600);
    const stored = storedConfig();
    assert.equal(stored.server, base);
    assert.equal(typeof stored.token, 'string');
    secrets.push(stored.token as string);
  });

  test('app create, wait, list, set, sync, diff, history, rollback and refresh go through the API', async () => {
    await ok([
      ...['app', 'create', 'guestbook', '--repo', repo, '--path', 'guestbook'],
      ...[
        '--dest-namespace',
        'guestbook',
        '--sync-policy',
        'automated',
        '--sync-option',
        'CreateNamespace=true',
      ],
    ]);
    const waited = await ok(['app', 'wait', 'guestbook', '--timeout', '120']);
    assert.equal(waited.stdout, 'application "guestbook": Synced, Healthy\n');
    const listed = JSON.parse((await ok(['app', 'list', '-o', 'json'])).stdout) as Application[];
    assert.deepEqual(
      listed.map((a) => [a.metadata.name, a.status?.sync?.status]),
      [['guestbook', 'Synced']],
    );
    // set: a read-modify-PUT through the API, with its conflict retries.
    const set = await ok(['app', 'set', 'guestbook', '--self-heal', '-o', 'json']);
    assert.equal((JSON.parse(set.stdout) as Application).spec.syncPolicy?.automated?.selfHeal, true);
    const synced = await ok(['app', 'sync', 'guestbook', '--timeout', '120']);
    assert.match(synced.stdout, /Succeeded/);
    await ok(['app', 'diff', 'guestbook']);
    const history = JSON.parse((await ok(['app', 'history', 'guestbook', '-o', 'json'])).stdout) as {
      id: number;
    }[];
    assert.ok(history.length >= 2, JSON.stringify(history));
    const rollback = await ok([
      'app',
      'rollback',
      'guestbook',
      String(history[0].id),
      '--wait',
      '--timeout',
      '120',
    ]);
    assert.match(rollback.stdout, /rollback of application "guestbook" to history \d+ \(\w+\) requested/);
    assert.match(rollback.stderr, /automated sync of "guestbook" is now off/);
    assert.equal(
      (await ok(['app', 'refresh', 'guestbook'])).stdout,
      'refresh requested for application "guestbook"\n',
    );
    const missing = await tiphys(['app', 'get', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found/);
  });

  test('repo and cluster commands go through the API; credentials never come back', async () => {
    const url = 'https://git.example.com/team/private.git';
    await ok(['repo', 'add', url, '--username', 'ci', '--password', REPO_PASSWORD, '--name', 'private']);
    const repos = JSON.parse((await ok(['repo', 'list', '-o', 'json'])).stdout);
    assert.deepEqual(repos, [
      { url, name: 'private', username: 'ci', hasCredentials: true, insecure: false },
    ]);
    await ok(['repo', 'rm', url]);
    assert.deepEqual(JSON.parse((await ok(['repo', 'list', '-o', 'json'])).stdout), []);
    await ok([
      ...['cluster', 'add', 'remote', '--server', 'https://127.0.0.1:1', '--token', CLUSTER_TOKEN],
      '--skip-check',
    ]);
    const clusters = JSON.parse((await ok(['cluster', 'list', '-o', 'json'])).stdout) as { name: string }[];
    assert.deepEqual(
      clusters.map((c) => c.name),
      ['in-cluster', 'remote'],
    );
    await ok(['cluster', 'rm', 'remote']);
  });

  test('a project role token in TIPHYS_SERVER/TIPHYS_AUTH_TOKEN works until it is revoked', async () => {
    await ok([
      ...['proj', 'create', 'ci', '--source-repo', '*', '--dest', 'in-cluster,ci-*'],
      '--role',
      'deployer:get,sync',
    ]);
    const project = JSON.parse((await ok(['proj', 'get', 'ci', '-o', 'json'])).stdout);
    assert.deepEqual(project.spec.roles, [
      {
        name: 'deployer',
        policies: [
          'p, proj:ci:deployer, applications, get, ci/*, allow',
          'p, proj:ci:deployer, applications, sync, ci/*, allow',
        ],
      },
    ]);
    await ok([
      ...['app', 'create', 'ci-web', '--repo', repo, '--path', 'guestbook', '--project', 'ci'],
      ...['--dest-namespace', 'ci-web'],
    ]);
    const generated = await ok([
      ...['account', 'generate-token', '--project', 'ci', '--role', 'deployer'],
      ...['--expires-in', '1h', '--description', 'pipeline'],
    ]);
    const token = generated.stdout.trim();
    assert.match(token, /^\S{40,}$/);
    const id = /token (\S+) created \(expires /.exec(generated.stderr)?.[1];
    assert.ok(id, generated.stderr);

    // The pipeline: no config file, only the environment.
    const ci = { TIPHYS_SERVER: base, TIPHYS_AUTH_TOKEN: token, TIPHYS_CONFIG: join(home, 'none.json') };
    const seen = JSON.parse((await ok(['app', 'list', '-o', 'json'], { env: ci })).stdout) as Application[];
    assert.deepEqual(
      seen.map((a) => a.metadata.name),
      ['ci-web'],
      'the role sees its project’s apps only',
    );
    // An app outside its project is, to the role, as absent as one that does not exist.
    const denied = await tiphys(['app', 'sync', 'guestbook', '--async'], { env: ci });
    assert.equal(denied.code, 1);
    assert.equal(denied.stderr, 'error: application "guestbook" not found in namespace tiphys\n');

    const listed = await ok(['account', 'list-tokens']);
    assert.match(listed.stdout, new RegExp(`${id}\\s+proj:ci:deployer\\s+admin\\s+pipeline`));
    assert.equal((await ok(['account', 'revoke-token', id])).stdout, `token ${id} revoked\n`);
    const revoked = await tiphys(['app', 'list'], { env: ci });
    assert.equal(revoked.code, 1);
    assert.equal(revoked.stderr, `error: not logged in or token expired: run tiphys login ${base}\n`);

    // A project in use is refused, with the apps named; once they are gone it can be deleted.
    const inUse = await tiphys(['proj', 'delete', 'ci']);
    assert.match(inUse.stderr, /project "ci" is used by 1 application\(s\): ci-web/);
    await ok(['app', 'delete', 'ci-web', '--wait', '--timeout', '60']);
    await ok(['proj', 'delete', 'ci']);
  });

  test('logout revokes the session and removes the token', async () => {
    const token = storedConfig().token as string;
    assert.equal((await ok(['logout'])).stdout, `logged out of ${base}\n`);
    assert.deepEqual(storedConfig(), { server: base });
    const response = await fetch(`${base}/api/v1/session/userinfo`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.deepEqual(await response.json(), { loggedIn: false });
  });

  test('no secret was printed that the person did not ask for', () => {
    const printed = outputs.join('\n');
    // The scan means something only over the output of the commands that handled each secret:
    // many commands ran, and the listings of the repository and cluster given secrets are in it.
    assert.ok(outputs.length >= 2 * 15, `only ${outputs.length / 2} commands ran`);
    assert.ok(secrets.length >= 4, `secrets collected: ${secrets.length}`);
    assert.match(printed, /"name": "private"/, 'the repo list of the repository given a password');
    assert.match(printed, /"name": "remote"/, 'the cluster list of the cluster given a token');
    for (const secret of secrets) assert.ok(!printed.includes(secret), 'a secret appeared in the output');
  });
});
