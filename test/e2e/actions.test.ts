// Resource actions end to end (docs/actions.md): built-in restart, scale, suspend; a custom Lua
// action from tiphys-cm; the CLI through the API server. And the attacks: a caller without the
// action's RBAC right, an object of another app or project or of no app, and Lua actions that
// try to change which object they write or never end. Real cluster, Git server, controller, API.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { LuaHealthRuntime } from '../../src/adapters/health/lua-runtime.ts';
import type { Controller } from '../../src/controller/controller.ts';
import type { KubeObject } from '../../src/core/manifest/object.ts';
import { recentAuditEvents } from '../../src/server/auth/audit.ts';
import type { AuthService } from '../../src/server/auth/index.ts';
import {
  createApp,
  createProject,
  createToken,
  type Env,
  eventually,
  loginAsAdmin,
  NAMESPACE,
  patchApp,
  readObject,
  startApiServer,
  startEnv,
  startInProcessController,
  waitForApp,
} from './support.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tiphys.mjs');
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

const deployment = (namespace: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${namespace}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: registry.local/web:1}]}
`;
const cronJob = `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: team-a}
spec:
  schedule: "0 1 * * *"
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: Never, containers: [{name: job, image: registry.local/job:1}]}
`;
const settingsMap = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: team-a}
data: {count: "1"}
`;

/** tiphys-cm: custom actions of ConfigMaps, one honest and three that attack. */
const customActions = `discovery.lua: |
  actions = {}
  for _, name in ipairs({"bump", "rename", "move", "spin", "copy", "escape", "clusterwide"}) do actions[name] = {} end
  return actions
definitions:
- name: bump
  action.lua: |
    obj.data.count = tostring(tonumber(obj.data.count) + tonumber(actionParams["by"] or "1"))
    return obj
- name: rename
  action.lua: |
    obj.metadata.name = "tiphys-server-credentials"
    return obj
- name: move
  action.lua: |
    obj.metadata.namespace = "kube-system"
    obj.kind = "Secret"
    return obj
- name: spin
  action.lua: |
    while true do pcall(function() while true do end end) end
- name: copy
  action.lua: |
    copy = {apiVersion = "v1", kind = "ConfigMap", metadata = {name = obj.metadata.name .. "-copy"}, data = obj.data}
    return {{operation = "create", resource = copy}}
- name: escape
  action.lua: |
    copy = {apiVersion = "v1", kind = "ConfigMap", metadata = {name = "planted", namespace = "kube-system"}, data = obj.data}
    return {{operation = "create", resource = copy}}
- name: clusterwide
  action.lua: |
    role = {apiVersion = "rbac.authorization.k8s.io/v1", kind = "ClusterRole", metadata = {name = "planted"}, rules = {}}
    return {{operation = "create", resource = role}}
`;

describe('resource actions', () => {
  let env: Env;
  let controller: Controller;
  let auth: AuthService;
  let server: FastifyInstance;
  let base: string;
  const tokens: Record<string, string> = {};
  const home = mkdtempSync(join(tmpdir(), 'tiphys-actions-cli-'));

  const call = async (token: string, path: string, init: RequestInit = {}) => {
    const response = await fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    const text = await response.text();
    return { status: response.status, text, json: JSON.parse(text || '{}') as Record<string, unknown> };
  };
  const query = (r: { group?: string; kind: string; namespace: string; name: string }) =>
    new URLSearchParams({
      group: r.group ?? '',
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
    }).toString();
  const run = (
    token: string,
    app: string,
    ref: Parameters<typeof query>[0],
    action: string,
    params?: unknown,
  ) =>
    call(token, `/api/v1/applications/${app}/resource/actions?${query(ref)}`, {
      method: 'POST',
      body: JSON.stringify({ action, ...(params ? { params } : {}) }),
    });
  const web = (namespace = 'team-a') => ({ group: 'apps', kind: 'Deployment', namespace, name: 'web' });
  const settings = { kind: 'ConfigMap', namespace: 'team-a', name: 'settings' };
  const read = (path: string) => env.rest.request<KubeObject>('GET', path);
  const readWeb = (namespace = 'team-a') => read(`/apis/apps/v1/namespaces/${namespace}/deployments/web`);
  const readSettings = () => read('/api/v1/namespaces/team-a/configmaps/settings');

  function tiphys(args: string[], token: string) {
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
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      out += chunk;
    });
    return new Promise<{ code: number | null; out: string }>((resolve) =>
      child.on('close', (code) => resolve({ code, out })),
    );
  }

  before(async () => {
    env = await startEnv('actions');
    const dir = mkdtempSync(join(tmpdir(), 'actions-repo-'));
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a', 'web.yaml'), deployment('team-a'));
    writeFileSync(join(dir, 'a', 'nightly.yaml'), cronJob);
    writeFileSync(join(dir, 'a', 'settings.yaml'), settingsMap);
    writeFileSync(join(dir, 'b', 'web.yaml'), deployment('team-b'));
    const repo = (await env.git.createRepo('actions', dir)).url;
    rmSync(dir, { recursive: true, force: true });
    for (const name of ['team-a', 'team-b']) {
      await env.rest.request('POST', '/api/v1/namespaces', {
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      });
      await createProject(env, name, {
        sourceRepos: ['*'],
        destinations: [{ cluster: 'in-cluster', namespace: name }],
        roles: [
          { name: 'viewer', policies: [`p, proj:${name}:viewer, applications, get, ${name}/*, allow`] },
          {
            name: 'restarter',
            policies: [
              `p, proj:${name}:restarter, applications, get, ${name}/*, allow`,
              `p, proj:${name}:restarter, applications, action/apps/Deployment/restart, ${name}/*, allow`,
              `p, proj:${name}:restarter, applications, action//ConfigMap/*, ${name}/*, allow`,
            ],
          },
        ],
      });
    }
    // In team-a's namespace but made by hand: no app tracks it.
    await env.rest.request('POST', '/apis/apps/v1/namespaces/team-a/deployments', {
      body: {
        ...(await import('yaml')).parse(deployment('team-a')),
        metadata: { name: 'handmade', namespace: 'team-a' },
      },
    });
    await env.rest.request('POST', `/api/v1/namespaces/${NAMESPACE}/configmaps`, {
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'tiphys-cm' },
        data: { 'resource.customizations.actions.ConfigMap': customActions },
      },
    });
    for (const [name, project, path] of [
      ['a-app', 'team-a', 'a'],
      ['b-app', 'team-b', 'b'],
    ]) {
      await createApp(env, name, {
        project,
        source: { repoURL: repo, path },
        destination: { namespace: project },
        syncPolicy: { automated: {} },
      });
    }
    controller = startInProcessController(env, { pollIntervalMs: 600_000 });
    await controller.start();
    for (const name of ['a-app', 'b-app']) {
      await waitForApp(
        env,
        name,
        (a) =>
          a.status?.sync?.status === 'Synced' &&
          (a.status.resources ?? []).every((r) => r.status === 'Synced'),
        'synced',
        90_000,
      );
      // Manual from here: what an action changes is not put back by an automated sync.
      await patchApp(env, name, { spec: { syncPolicy: null } });
    }
    ({ server, auth, base } = await startApiServer(env, { server: { controller } }));
    tokens.admin = await loginAsAdmin(env, base);
    for (const role of ['viewer', 'restarter'])
      tokens[role] = await createToken(base, tokens.admin, { project: 'team-a', role });
  });

  after(async () => {
    await server?.close();
    auth?.close();
    await controller?.stop();
    await env?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  test('built-in actions: list, restart, scale, suspend; each run is audited', async () => {
    const listed = await call(tokens.viewer, `/api/v1/applications/a-app/resource/actions?${query(web())}`);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(
      (listed.json.actions as { name: string }[]).map((a) => a.name),
      ['restart', 'scale'],
    );

    const restarted = await run(tokens.restarter, 'a-app', web(), 'restart');
    assert.equal(restarted.status, 200, restarted.text);
    const template = (await readWeb()).spec as {
      template: { metadata: { annotations?: Record<string, string> } };
    };
    assert.match(template.template.metadata.annotations?.[RESTARTED_AT] ?? '', /^\d{4}-\d\d-\d\dT/);
    const audit = recentAuditEvents().find(
      (e) => e.action === 'action/apps/Deployment/restart' && e.result === 'success',
    );
    assert.ok(audit, JSON.stringify(recentAuditEvents().slice(-5)));
    assert.match(audit.object, /^team-a\/a-app Deployment team-a\/web$/);

    const scaled = await run(tokens.admin, 'a-app', web(), 'scale', [{ name: 'replicas', value: '3' }]);
    assert.equal(scaled.status, 200, scaled.text);
    assert.equal(((await readWeb()).spec as { replicas: number }).replicas, 3);
    const bad = await run(tokens.admin, 'a-app', web(), 'scale', [{ name: 'replicas', value: 'lots' }]);
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.text, /replicas must be a whole number/);

    const nightly = { group: 'batch', kind: 'CronJob', namespace: 'team-a', name: 'nightly' };
    assert.equal((await run(tokens.admin, 'a-app', nightly, 'suspend')).status, 200);
    const cron = await read('/apis/batch/v1/namespaces/team-a/cronjobs/nightly');
    assert.equal((cron.spec as { suspend: boolean }).suspend, true);
    const again = await run(tokens.admin, 'a-app', nightly, 'suspend');
    assert.equal(again.status, 400, 'suspend of a suspended CronJob is disabled');
  });

  test('a caller without the action right gets 403, audited as denied; nothing changes', async () => {
    const before = await readWeb();
    const viewer = await run(tokens.viewer, 'a-app', web(), 'restart');
    assert.equal(viewer.status, 403, viewer.text);
    const scale = await run(tokens.restarter, 'a-app', web(), 'scale', [{ name: 'replicas', value: '0' }]);
    assert.equal(scale.status, 403, scale.text);
    assert.equal((await readWeb()).metadata.resourceVersion, before.metadata.resourceVersion);
    assert.ok(
      recentAuditEvents().some((e) => e.action === 'action/apps/Deployment/scale' && e.result === 'denied'),
    );
  });

  test('objects of another app, another project or no app answer exactly as a missing object', async () => {
    const before = await readWeb('team-b');
    const answers: string[] = [];
    for (const ref of [
      web('team-b'), // another project's object, through a-app
      { ...web(), name: 'handmade' }, // in the namespace, tracked by no app
      { ...web(), name: 'no-such-thing' },
    ]) {
      const response = await run(tokens.restarter, 'a-app', ref, 'restart');
      answers.push(`${response.status} ${response.text}`);
    }
    // Not even the admin reaches an object outside the app through it.
    for (const ref of [
      web('team-b'),
      { group: '', kind: 'Secret', namespace: NAMESPACE, name: 'tiphys-cm' },
    ]) {
      const response = await run(tokens.admin, 'a-app', ref, 'restart');
      answers.push(`${response.status} ${response.text}`);
    }
    assert.equal(new Set(answers).size, 1, answers.join('\n'));
    assert.match(answers[0], /^404 /);
    // Another project's app answers as an app that does not exist.
    const other = await run(tokens.restarter, 'b-app', web('team-b'), 'restart');
    const missing = await run(tokens.restarter, 'c-app', web('team-b'), 'restart');
    assert.equal(other.status, 404);
    assert.equal(other.text.replace('b-app', 'X'), missing.text.replace('c-app', 'X'));
    assert.equal((await readWeb('team-b')).metadata.resourceVersion, before.metadata.resourceVersion);
    const handmade = await read('/apis/apps/v1/namespaces/team-a/deployments/handmade');
    assert.equal(
      (handmade.spec as { template: { metadata: { annotations?: unknown } } }).template.metadata.annotations,
      undefined,
    );
  });

  test('custom Lua actions run sandboxed: a rename, a move, an endless loop, a create elsewhere change nothing; a create in place works', async () => {
    const listed = await call(
      tokens.restarter,
      `/api/v1/applications/a-app/resource/actions?${query(settings)}`,
    );
    assert.deepEqual(
      (listed.json.actions as { name: string }[]).map((a) => a.name),
      ['bump', 'clusterwide', 'copy', 'escape', 'move', 'rename', 'spin'],
    );
    const bumped = await run(tokens.restarter, 'a-app', settings, 'bump', [{ name: 'by', value: '41' }]);
    assert.equal(bumped.status, 200, bumped.text);
    assert.deepEqual((await readSettings()).data, { count: '42' });
    const version = (await readSettings()).metadata.resourceVersion;
    const causes: Record<string, RegExp> = {
      rename: /changed metadata\.name/,
      move: /changed (kind|metadata\.namespace)/,
      spin: /stopped after \d+ instructions/,
      escape:
        /would create ConfigMap planted in namespace "kube-system"; an action creates only in the namespace of ConfigMap team-a\/settings/,
      clusterwide: /would create ClusterRole planted: a cluster-scoped kind/,
    };
    for (const [action, cause] of Object.entries(causes)) {
      const response = await run(tokens.restarter, 'a-app', settings, action);
      assert.equal(response.status, 409, `${action}: ${response.text}`);
      assert.match((JSON.parse(response.text) as { error: string }).error, cause);
    }
    assert.equal((await readSettings()).metadata.resourceVersion, version);
    const secrets = await env.rest.request<{ items: KubeObject[] }>(
      'GET',
      '/api/v1/namespaces/kube-system/secrets',
    );
    assert.ok(!secrets.items.some((s) => s.metadata.name === 'settings'));
    for (const path of [
      '/api/v1/namespaces/kube-system/configmaps/planted',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles/planted',
    ]) {
      assert.equal(await readObject(env, path), undefined, `${path} was created`);
    }
    // Argo CD's create operation, in the object's own namespace: a new object no app owns.
    const copied = await run(tokens.restarter, 'a-app', settings, 'copy');
    assert.equal(copied.status, 200, copied.text);
    const copy = await readObject(env, '/api/v1/namespaces/team-a/configmaps/settings-copy');
    assert.deepEqual((copy as { data?: unknown } | undefined)?.data, { count: '42' });
    assert.equal(copy?.metadata.annotations?.['tiphys.dev/tracking-id'], undefined);
  });

  test("a runaway action script does not hold the API server's event loop: other requests are answered meanwhile", async () => {
    // A server whose VM lets a script run for ten minutes: nothing but close() ends it here.
    const lua = new LuaHealthRuntime({
      limits: { instructions: 1e15, timeoutMs: 600_000 },
      hardTimeoutMs: 1_200_000,
    });
    const second = await startApiServer(env, { server: { controller, lua } });
    try {
      const admin = await loginAsAdmin(env, second.base);
      const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
      let answered = false;
      const spinning = fetch(`${second.base}/api/v1/applications/a-app/resource/actions?${query(settings)}`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ action: 'spin' }),
      }).then(async (response) => {
        answered = true;
        return { status: response.status, text: await response.text() };
      });
      // Once the VM has the script (the request went through auth and reads first), ask again.
      await eventually('the action script running', async () => lua.busy);
      const app = await fetch(`${second.base}/api/v1/applications/a-app`, { headers });
      assert.equal(app.status, 200);
      const tree = await fetch(`${second.base}/api/v1/applications/a-app/resource-tree`, { headers });
      assert.equal(tree.status, 200);
      assert.equal(answered, false, 'the action is still running while the other requests were answered');
      lua.close();
      const spun = await spinning;
      assert.equal(spun.status, 409, spun.text);
      assert.match(spun.text, /the Lua VM stopped/);
      assert.deepEqual((await readSettings()).data, { count: '42' }, 'nothing changed');
    } finally {
      await second.server.close();
      second.auth.close();
    }
  });

  test('the CLI lists and runs actions through the API server', async () => {
    const listed = await tiphys(
      ['app', 'actions', 'list', 'a-app', '--kind', 'Deployment', '--name', 'web'],
      tokens.restarter,
    );
    assert.equal(listed.code, 0, listed.out);
    assert.match(listed.out, /restart\s+false\s+builtin/);
    const before = (await readWeb()).metadata.resourceVersion;
    const ran = await tiphys(
      ['app', 'actions', 'run', 'a-app', 'restart', '--kind', 'Deployment', '--name', 'web'],
      tokens.restarter,
    );
    assert.equal(ran.code, 0, ran.out);
    assert.match(ran.out, /restart of Deployment team-a\/web done/);
    assert.notEqual((await readWeb()).metadata.resourceVersion, before);
    const refused = await tiphys(
      [
        'app',
        'actions',
        'run',
        'a-app',
        'scale',
        '--kind',
        'Deployment',
        '--name',
        'web',
        '--param',
        'replicas=0',
      ],
      tokens.viewer,
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.out, /may not action\/apps\/Deployment\/scale/);
  });
});
