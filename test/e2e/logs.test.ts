// Pod logs of an app (docs/api.md, "Logs") end to end: on a real node (kubelet, containerd) a
// real log line arrives, by the API, followed, and by the CLI; on kwok's simulated nodes, which
// serve no logs, the answer says so plainly. And the attacks: a caller without `logs`, Pods of
// another project's app or of no app, a credential in what comes back.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import type { Controller } from '../../src/controller/controller.ts';
import { buildServer } from '../../src/server/app.ts';
import { type AuthService, createAuthService, ensureAdminAccount } from '../../src/server/auth/index.ts';
import { pushProbeImage } from '../../testbed/src/node/real-node-kit.ts';
import { startRegistry, type TestRegistry } from '../../testbed/src/registry.ts';
import {
  createApp,
  type Env,
  eventually,
  initialAdminPassword,
  NAMESPACE,
  startEnv,
  startInProcessController,
  waitForApp,
} from './support.ts';
import { ensureUiBuilt, launchBrowser, repoRoot, screenshot, watchConsole } from './ui-support.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tiphys.mjs');
const uiDist = join(repoRoot, 'ui', 'dist');
type Entry = { pod?: string; container?: string; line?: string; error?: string; notice?: string };

/**
 * A Deployment of the probe; `several` adds an init container (`probe lookup` of an address
 * literal prints it and exits, no DNS involved) and a second container serving on 8081.
 */
const deployment = (namespace: string, name: string, image: string, several = false) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 1
${
  several
    ? `      initContainers: [{name: setup, image: "${image}", args: [lookup, 192.0.2.7]}]
`
    : ''
}      containers:
        - {name: probe, image: "${image}", args: [serve, "8080"]}
${
  several
    ? `        - {name: side, image: "${image}", args: [serve, "8081"]}
`
    : ''
}`;

/** A cluster with Tiphys, two team projects (roles viewer: get; reader: get and logs), a server. */
async function setUp(env: Env, files: Record<string, string>, options: { ui?: boolean } = {}) {
  const projects = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/appprojects`;
  for (const name of ['team-a', 'team-b']) {
    await env.rest.request('POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    });
    const rule = (role: string, action: string) =>
      `p, proj:${name}:${role}, applications, ${action}, ${name}/*, allow`;
    await env.rest.request('POST', projects, {
      body: {
        apiVersion: 'tiphys.dev/v1alpha1',
        kind: 'AppProject',
        metadata: { name },
        spec: {
          sourceRepos: ['*'],
          destinations: [{ cluster: 'in-cluster', namespace: name }],
          roles: [
            { name: 'viewer', policies: [rule('viewer', 'get')] },
            { name: 'reader', policies: [rule('reader', 'get'), rule('reader', 'logs')] },
          ],
        },
      },
    });
  }
  const { url: repo } = await env.git.createRepo('logs');
  await env.git.commitFiles('logs', files, 'apps');
  for (const [name, project] of [
    ['a-app', 'team-a'],
    ['b-app', 'team-b'],
  ]) {
    await createApp(env, name, {
      project,
      source: { repoURL: repo, path: project },
      destination: { namespace: project },
      syncPolicy: { automated: {} },
    });
  }
  const kubeConfig = loadKubeConfig(env.cluster.kubeconfigPath);
  await ensureAdminAccount(kubeConfig, NAMESPACE);
  const controller = startInProcessController(env, { pollIntervalMs: 600_000 });
  await controller.start();
  const auth = await createAuthService({ kubeConfig, namespace: NAMESPACE, log: () => {} });
  const server = await buildServer({
    kubeConfig,
    namespace: NAMESPACE,
    auth,
    controller,
    tools: env.tools,
    uiDir: options.ui ? uiDist : '/nonexistent',
  });
  const base = (await server.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
  const adminPassword = await initialAdminPassword(env);
  const login = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: adminPassword }),
  });
  const tokens: Record<string, string> = { admin: ((await login.json()) as { token: string }).token };
  for (const role of ['viewer', 'reader']) {
    const created = await fetch(`${base}/api/v1/account/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ project: 'team-a', role }),
    });
    tokens[role] = ((await created.json()) as { token: string }).token;
  }
  return { controller, auth, server, base, tokens, adminPassword };
}

/** The containers route, as `logs` below (same query, same checks). */
async function containers(base: string, token: string, app: string, query: Record<string, string> = {}) {
  const response = await fetch(
    `${base}/api/v1/applications/${app}/logs/containers?${new URLSearchParams(query)}`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  return { status: response.status, text: await response.text() };
}

async function logs(base: string, token: string, app: string, query: Record<string, string> = {}) {
  const response = await fetch(`${base}/api/v1/applications/${app}/logs?${new URLSearchParams(query)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  const entries =
    response.status === 200
      ? text
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Entry)
      : [];
  return { status: response.status, text, entries };
}

function tiphys(base: string, token: string, args: string[]) {
  const home = mkdtempSync(join(tmpdir(), 'tiphys-logs-cli-'));
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      ...process.env,
      HOME: home,
      TIPHYS_CONFIG: join(home, 'c.json'),
      KUBECONFIG: '/nonexistent',
      TIPHYS_SERVER: base,
      TIPHYS_AUTH_TOKEN: token,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => {
      rmSync(home, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    }),
  );
}

const podsRunning = (env: Env, namespace: string) =>
  eventually(
    `a Running Pod in ${namespace}`,
    async () => {
      const list = await env.rest.request<{ items: { status?: { phase?: string } }[] }>(
        'GET',
        `/api/v1/namespaces/${namespace}/pods`,
      );
      return list.items.some((p) => p.status?.phase === 'Running') || undefined;
    },
    120_000,
  );

describe('Pod logs on kwok nodes (no kubelet, so no logs)', () => {
  let env: Env;
  let controller: Controller;
  let auth: AuthService;
  let server: FastifyInstance;
  let base: string;
  let tokens: Record<string, string>;

  before(async () => {
    env = await startEnv('logs-kwok');
    ({ controller, auth, server, base, tokens } = await setUp(env, {
      'team-a/web.yaml': deployment('team-a', 'web', 'registry.local/web:1'),
      'team-b/web.yaml': deployment('team-b', 'web', 'registry.local/web:1'),
    }));
    for (const name of ['a-app', 'b-app'])
      await waitForApp(env, name, (a) => a.status?.sync?.status === 'Synced', 'synced', 90_000);
    await podsRunning(env, 'team-a');
    await eventually('the Pod in the resource tree', async () => {
      const tree = await fetch(`${base}/api/v1/applications/a-app/resource-tree`, {
        headers: { authorization: `Bearer ${tokens.admin}` },
      });
      return (
        ((await tree.json()) as { nodes: { kind: string }[] }).nodes.some((n) => n.kind === 'Pod') ||
        undefined
      );
    });
  });
  after(async () => {
    await server?.close();
    auth?.close();
    await controller?.stop();
    await env?.stop();
  });

  test('a log the node cannot serve is an entry saying why, in a 200 answer; the CLI says it too', async () => {
    const answer = await logs(base, tokens.reader, 'a-app', {
      kind: 'Deployment',
      group: 'apps',
      namespace: 'team-a',
      name: 'web',
    });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.entries.length, 1, answer.text);
    const [entry] = answer.entries;
    assert.match(entry.pod ?? '', /^web-/);
    assert.equal(entry.container, 'probe');
    assert.match(entry.error ?? '', /the node did not serve the log/);
    for (const token of Object.values(tokens))
      assert.ok(!answer.text.includes(token), 'no credential in the answer');
    const cli = await tiphys(base, tokens.reader, [
      'app',
      'logs',
      'a-app',
      '--kind',
      'Deployment',
      '--name',
      'web',
    ]);
    assert.equal(cli.code, 1, cli.stderr);
    assert.match(cli.stderr, /web-[\w-]+\/probe: log not available: the node did not serve the log/);
  });

  test('without logs 403; Pods of another project or of no app answer as missing', async () => {
    const viewer = await logs(base, tokens.viewer, 'a-app');
    assert.equal(viewer.status, 403, viewer.text);
    assert.match(viewer.text, /may not logs/);
    const other = await logs(base, tokens.reader, 'b-app');
    const missing = await logs(base, tokens.reader, 'c-app');
    assert.equal(other.status, 404);
    assert.equal(other.text.replace('b-app', 'X'), missing.text.replace('c-app', 'X'));
    const bPods = await env.rest.request<{ items: { metadata: { name: string } }[] }>(
      'GET',
      '/api/v1/namespaces/team-b/pods',
    );
    const probes: Record<string, string>[] = [
      { kind: 'Deployment', group: 'apps', namespace: 'team-b', name: 'web' },
      { kind: 'Pod', namespace: 'team-b', name: bPods.items[0]?.metadata.name ?? 'x' },
      { kind: 'Pod', namespace: 'kube-system', name: 'kube-proxy' },
      { kind: 'Deployment', group: 'apps', namespace: 'team-a', name: 'no-such' },
    ];
    const answers = new Set<string>();
    for (const probe of probes) {
      const answer = await logs(base, tokens.admin, 'a-app', probe);
      answers.add(`${answer.status} ${answer.text}`);
    }
    assert.deepEqual([...answers], ['404 {"error":"no such resource in application \\"a-app\\""}']);
  });

  test('the containers to choose from: needs logs, and tells nothing of another project or object', async () => {
    const mine = await containers(base, tokens.reader, 'a-app', {
      kind: 'Deployment',
      group: 'apps',
      namespace: 'team-a',
      name: 'web',
    });
    assert.equal(mine.status, 200, mine.text);
    const items = (JSON.parse(mine.text) as { items: { pod: string; containers: unknown[] }[] }).items;
    assert.equal(items.length, 1, mine.text);
    assert.match(items[0].pod, /^web-/);
    assert.deepEqual(items[0].containers, [{ name: 'probe', init: false }]);
    // The attacker: without logs, another project's app, objects that are not the app's.
    const viewer = await containers(base, tokens.viewer, 'a-app');
    assert.equal(viewer.status, 403, viewer.text);
    const other = await containers(base, tokens.reader, 'b-app');
    const missing = await containers(base, tokens.reader, 'c-app');
    assert.equal(other.status, 404);
    assert.equal(other.text.replace('b-app', 'X'), missing.text.replace('c-app', 'X'));
    const answers = new Set<string>();
    const probes: Record<string, string>[] = [
      { kind: 'Deployment', group: 'apps', namespace: 'team-b', name: 'web' },
      { kind: 'Pod', namespace: 'kube-system', name: 'kube-proxy' },
    ];
    for (const probe of probes) {
      const answer = await containers(base, tokens.admin, 'a-app', probe);
      answers.add(`${answer.status} ${answer.text}`);
    }
    assert.deepEqual([...answers], ['404 {"error":"no such resource in application \\"a-app\\""}']);
    assert.equal((await containers(base, tokens.reader, 'a-app', { kind: 'Deployment' })).status, 400);
  });
});

describe('Pod logs on a real node', () => {
  let env: Env;
  let registry: TestRegistry;
  let controller: Controller;
  let auth: AuthService;
  let server: FastifyInstance;
  let base: string;
  let tokens: Record<string, string>;
  let adminPassword: string;

  before(async () => {
    ensureUiBuilt();
    registry = await startRegistry();
    const image = await pushProbeImage(registry, 'logs/probe', 'v1');
    env = await startEnv('logs-real', { realNode: true });
    await env.cluster.trustRegistry(registry);
    ({ controller, auth, server, base, tokens, adminPassword } = await setUp(
      env,
      {
        'team-a/web.yaml': deployment('team-a', 'web', image.ref, true),
        'team-b/web.yaml': deployment('team-b', 'web', image.ref),
      },
      { ui: true },
    ));
    await waitForApp(env, 'a-app', (a) => a.status?.sync?.status === 'Synced', 'synced', 120_000);
    await podsRunning(env, 'team-a');
  });
  after(async () => {
    await server?.close();
    auth?.close();
    await controller?.stop();
    await env?.stop();
    await registry?.stop();
  });

  test('a real log line arrives through the API, followed, and through the CLI', async () => {
    const serving = /^probe web-[\w-]+: serving HTTP on :8080$/;
    const answer = await eventually(
      'the probe log line',
      async () => {
        const got = await logs(base, tokens.reader, 'a-app');
        return got.entries.some((e) => serving.test(e.line ?? '')) ? got : undefined;
      },
      60_000,
    );
    assert.ok(
      answer.entries.every((e) => e.error === undefined),
      answer.text,
    );
    for (const token of Object.values(tokens)) assert.ok(!answer.text.includes(token));

    // Followed: the line arrives and the stream stays open until the client closes it.
    const response = await fetch(
      `${base}/api/v1/applications/a-app/logs?follow=true&kind=Deployment&group=apps&namespace=team-a&name=web`,
      { headers: { authorization: `Bearer ${tokens.reader}` } },
    );
    assert.equal(response.status, 200);
    const body = Readable.fromWeb(response.body as never);
    body.on('error', () => {});
    let followed = false;
    for await (const line of createInterface({ input: body })) {
      followed = serving.test((JSON.parse(line) as Entry).line ?? '');
      if (followed) break;
    }
    assert.ok(followed, 'the followed stream carried the line');
    body.destroy();

    const cli = await tiphys(base, tokens.reader, [
      'app',
      'logs',
      'a-app',
      '--kind',
      'Deployment',
      '--name',
      'web',
      '--tail',
      '5',
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^web-[\w-]+\/probe probe web-[\w-]+: serving HTTP on :8080$/m);
  });

  test('UI: the Logs tab reads one container (an init one too), the previous run, a tail and a since', async () => {
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(60_000);
    const errors = watchConsole(page);
    try {
      await page.goto(base);
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill(adminPassword);
      await page.getByRole('button', { name: 'Log in', exact: true }).click();
      await page.locator('.topnav .user', { hasText: 'admin' }).waitFor();
      await page.goto(`${base}/#/applications/a-app`);
      await page.locator('.node[data-kind="Deployment"]').click();
      const panel = page.getByRole('complementary', { name: 'Deployment web' });
      await panel.getByRole('tab', { name: 'Logs' }).click();
      const lines = panel.locator('.log-lines');
      // At first every regular container, followed (the init container is asked for by name).
      await lines.filter({ hasText: ':8080' }).filter({ hasText: ':8081' }).waitFor();
      const container = panel.getByLabel('Container');
      await container.locator('option', { hasText: 'setup (init)' }).waitFor({ state: 'attached' });
      assert.deepEqual(await container.locator('option').allTextContents(), [
        'All containers',
        'setup (init)',
        'probe',
        'side',
      ]);

      await container.selectOption('setup');
      await lines.filter({ hasText: '[192.0.2.7]' }).filter({ hasNotText: 'serving HTTP' }).waitFor();

      await container.selectOption('probe');
      await panel.getByLabel('Tail').selectOption('100');
      const asked = page.waitForRequest((r) => r.url().includes('sinceSeconds='));
      await panel.getByLabel('Since').selectOption({ label: '7 days' });
      assert.deepEqual(
        Object.fromEntries(new URL((await asked).url()).searchParams),
        {
          group: 'apps',
          kind: 'Deployment',
          namespace: 'team-a',
          name: 'web',
          container: 'probe',
          follow: 'true',
          tailLines: '100',
          sinceSeconds: '604800',
        },
        'the options the page asked the API for',
      );
      await lines
        .filter({ hasText: /serving HTTP on :8080/ })
        .filter({ hasNotText: ':8081' })
        .waitFor();

      // The probe never restarted: the previous run's absence is said plainly, not an error page.
      await panel.getByLabel('Previous run').check();
      await panel
        .getByText(/Logs not available: web-[\w-]+\/probe: no previous run of the container to show/)
        .waitFor();
      assert.equal(await panel.getByLabel('Follow').isChecked(), false, 'a previous run is not followed');
      assert.equal(await panel.locator('.error-box').count(), 0, 'no error box');
      await screenshot(page, 'ui-logs-options');
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
