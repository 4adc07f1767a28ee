// API fuzzing from the OpenAPI document: schemathesis (from PyPI; `npm test` installs it) sends
// generated requests to every operation as admin and fails on any 5xx.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ensureSchemathesis, schemathesisBin } from '../../scripts/test-setup.ts';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import { buildServer } from '../../src/server/app.ts';
import { type AuthService, createAuthService, ensureAdminAccount } from '../../src/server/auth/index.ts';
import { createExamplesRepo, type Env, initialAdminPassword, NAMESPACE, startEnv } from './support.ts';

let env: Env;
let auth: AuthService;
let server: FastifyInstance;
let base: string;
let token: string;

before(async () => {
  ensureSchemathesis();
  env = await startEnv('fuzz');
  const kubeConfig = loadKubeConfig(env.cluster.kubeconfigPath);
  await ensureAdminAccount(kubeConfig, NAMESPACE);
  auth = await createAuthService({ kubeConfig, namespace: NAMESPACE, log: () => {} });
  server = await buildServer({ kubeConfig, namespace: NAMESPACE, auth, tools: env.tools, log: () => {} });
  base = await server.listen({ port: 0, host: '127.0.0.1' });
  const password = await initialAdminPassword(env);
  const login = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  // If login broke, every fuzzed request would get 401 and find nothing to fail on.
  assert.equal(login.status, 200, await login.clone().text());
  token = ((await login.json()) as { token: string }).token;
  assert.ok(token, 'the login answered a token');
  // Something for the generated requests to find.
  const repo = await createExamplesRepo(env);
  const created = await fetch(`${base}/api/v1/applications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      metadata: { name: 'guestbook' },
      spec: { source: { repoURL: repo, path: 'guestbook' }, destination: { namespace: 'default' } },
    }),
  });
  assert.equal(created.status, 201, await created.text());
});

after(async () => {
  await server?.close();
  auth?.close();
  await env?.stop();
});

test('no generated request to any operation of the OpenAPI document gets a 5xx', async () => {
  const args = [
    'run',
    `${base}/api/openapi.json`,
    '--checks',
    'not_a_server_error',
    '--header',
    `Authorization: Bearer ${token}`,
    '--max-examples',
    process.env.TIPHYS_FUZZ_EXAMPLES ?? '15',
    '--workers',
    '2',
    '--request-timeout',
    '20',
    '--generation-deterministic',
    // Hypothesis's health checks judge the generation of data (too slow, too much filtered), not
    // the API: on a busy 2-core machine `too_slow` fails a run whose every request passed.
    '--suppress-health-check',
    'all',
    '--exclude-path-regex',
    '/stream/',
  ];
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      schemathesisBin,
      args,
      { timeout: 480_000, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) =>
        resolve({
          code: typeof error?.code === 'number' ? error.code : error ? 1 : 0,
          output: `${stdout}\n${stderr}`,
        }),
    );
  });
  // What went wrong (failures, errors) is listed before the summary, which only counts it.
  const errors = /={3,} (?:FAILURES|ERRORS) ={3,}([\s\S]*?)={3,} SUMMARY ={3,}/.exec(output)?.[1] ?? '';
  const summary = `${errors.trim().split('\n').slice(0, 60).join('\n')}\n${output.split('\n').slice(-40).join('\n')}`;
  assert.doesNotMatch(output, /Server error/i, summary);
  assert.equal(code, 0, summary);
  // Make sure it really exercised the API: many operations, many generated cases.
  const operations = Number(/Tested: (\d+)/.exec(output)?.[1] ?? 0);
  assert.ok(operations >= 20, `operations tested: ${operations}\n${summary}`);
  if (process.env.TIPHYS_TEST_LOG) console.error(summary);
});
