// Tenancy: an AppProject is a wall. One test per class of attack (issue 7), each acting as a
// tenant on the testbed and asserting that the cluster is untouched and the reason is shown.
// Each class has its own `describe` with its own set-up, so the classes stay independent.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { stringify } from 'yaml';
import { parseRepoURL } from '../../src/adapters/git/validate.ts';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import { Controller } from '../../src/controller/controller.ts';
import type { KubeObject } from '../../src/core/manifest/object.ts';
import type { Application } from '../../src/core/model/application.ts';
import type { AuthService } from '../../src/server/auth/index.ts';
import {
  type ConnectProxy,
  PROXIED_HOST,
  proxiedKubeconfig,
  startConnectProxy,
} from '../../testbed/src/connect-proxy.ts';
import { type GitServer, startGitServer } from '../../testbed/src/git-server.ts';
import { type SshGitServer, startSshGitServer } from '../../testbed/src/ssh-git-server.ts';
import {
  conditionText,
  type RecordingListener,
  repoOfFiles,
  startRecordingListener,
} from './attacker-kit.ts';
import {
  createApp,
  createProject,
  createToken,
  type Env,
  eventually,
  getApp,
  initialAdminPassword,
  loginAsAdmin,
  NAMESPACE,
  patchApp,
  readObject,
  startApiServer,
  startEnv,
  startInProcessController,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';

// ---------------------------------------------------------------------------------------------
// Class 1: write outside the project.
// ---------------------------------------------------------------------------------------------
// (class 1 tests below)

const configMap = (namespace: string, name: string, annotations?: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n${
    annotations
      ? `  annotations:\n${Object.entries(annotations)
          .map(([k, v]) => `    ${k}: ${v}\n`)
          .join('')}`
      : ''
  }data:\n  payload: tenant-payload\n`;
const refusedCondition = (app: Application, message: string) =>
  (app.status?.conditions ?? []).find((c) => c.type === 'ProjectViolation' && c.message.includes(message));

describe('Class 1: an app cannot write outside its project', () => {
  let env: Env;
  let controller: Controller;
  let auth: AuthService;
  let server: FastifyInstance;
  let base: string;
  let token: string;
  let repo: string;

  /** An API call as the admin: the refusal must hold even for a caller allowed to see everything. */
  async function api(path: string): Promise<{ status: number; text: string }> {
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, text: await response.text() };
  }

  /**
   * The condition names the object and the rule; the API's diff refuses with it (409), and so do
   * the manifests of an object the project permits (`allowed`): the render as a whole is refused.
   * The manifests of the refused object itself answer as a missing object (404, class 3). No
   * answer shows the rendered content or the live object.
   */
  async function assertRefused(
    name: string,
    refusal: string,
    object: { kind: string; namespace: string; name: string },
    allowed?: { kind: string; name: string },
  ) {
    const app = await waitForApp(
      env,
      name,
      (a) => Boolean(refusedCondition(a, refusal)),
      `refused: ${refusal}`,
    );
    assert.equal(app.status?.operationState, undefined, 'no sync was started');
    assert.equal(app.status?.sync?.status, 'Unknown');
    const manifests = (o: { kind: string; namespace: string; name: string }) =>
      `/api/v1/applications/${name}/manifests?kind=${o.kind}&namespace=${o.namespace}&name=${o.name}`;
    const expected: [string, number][] = [
      [`/api/v1/applications/${name}/diff`, 409],
      [manifests(object), 404],
    ];
    if (allowed) expected.push([manifests({ ...allowed, namespace: 'team-a' }), 409]);
    for (const [path, status] of expected) {
      const response = await api(path);
      assert.equal(response.status, status, `${path}: ${response.text}`);
      if (status === 409)
        assert.ok(response.text.includes(refusal), `${path} names the refusal: ${response.text}`);
      assert.ok(!response.text.includes('tenant-payload'), `${path} serves no content: ${response.text}`);
      assert.ok(
        !response.text.includes('admin-only-value'),
        `${path} reveals no live object: ${response.text}`,
      );
    }
  }

  before(async () => {
    env = await startEnv('tenancy-write');
    for (const namespace of ['team-a', 'other']) {
      await env.rest.request('POST', '/api/v1/namespaces', {
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      });
    }
    // An object the platform team owns, with the name a tenant's Git also uses: a dry run
    // against it would reveal its content in a diff.
    await env.rest.request('POST', '/api/v1/namespaces/kube-system/configmaps', {
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'platform-settings' },
        data: { payload: 'admin-only-value' },
      },
    });
    await createProject(env, 'team-a', {
      sourceRepos: ['*'],
      destinations: [{ cluster: 'in-cluster', namespace: 'team-a' }],
    });
    repo = (await env.git.createRepo('tenant')).url;
    await env.git.commitFiles(
      'tenant',
      {
        'plain/allowed.yaml': configMap('team-a', 'plain-allowed'),
        'plain/kube-system.yaml': configMap('kube-system', 'platform-settings'),
        'rolebinding/allowed.yaml': configMap('team-a', 'rolebinding-allowed'),
        'rolebinding/binding.yaml': [
          'apiVersion: rbac.authorization.k8s.io/v1',
          'kind: RoleBinding',
          'metadata:',
          '  name: tenant-admin',
          '  namespace: other',
          'roleRef:',
          '  apiGroup: rbac.authorization.k8s.io',
          '  kind: ClusterRole',
          '  name: cluster-admin',
          'subjects:',
          '- kind: ServiceAccount',
          '  name: default',
          '  namespace: team-a',
          '',
        ].join('\n'),
        'kustomize/kustomization.yaml': 'namespace: kube-system\nresources:\n- cm.yaml\n',
        'kustomize/cm.yaml': configMap('team-a', 'kustomized').replace('  namespace: team-a\n', ''),
        'helm/Chart.yaml': 'apiVersion: v2\nname: tenant\nversion: 0.1.0\n',
        'helm/templates/allowed.yaml': configMap('team-a', 'helm-allowed'),
        'helm/templates/hard-coded.yaml': configMap('kube-system', 'helm-hard-coded'),
        'hook/allowed.yaml': configMap('team-a', 'hook-allowed'),
        'hook/hook.yaml': configMap('other', 'hook-elsewhere', { 'argocd.argoproj.io/hook': 'PreSync' }),
      },
      'a tenant writes outside its project',
    );
    controller = startInProcessController(env);
    await controller.start();
    ({ server, auth, base } = await startApiServer(env, { server: { controller } }));
    token = await loginAsAdmin(env, base);
  });

  after(async () => {
    await server?.close();
    auth?.close();
    await controller?.stop();
    await env?.stop();
  });

  const tenantApp = (name: string, path: string, automated = true) =>
    createApp(env, name, {
      project: 'team-a',
      source: { repoURL: repo, path },
      destination: { namespace: 'team-a' },
      ...(automated ? { syncPolicy: { automated: { prune: true, selfHeal: true } } } : {}),
    });

  test('a ConfigMap in kube-system is refused, and neither it nor the rest of the sync is written', async () => {
    await tenantApp('plain', 'plain');
    await assertRefused(
      'plain',
      'ConfigMap kube-system/platform-settings: namespace kube-system is not a destination of project team-a',
      { kind: 'ConfigMap', namespace: 'kube-system', name: 'platform-settings' },
      { kind: 'ConfigMap', name: 'plain-allowed' },
    );
    const platform = (await readObject(
      env,
      '/api/v1/namespaces/kube-system/configmaps/platform-settings',
    )) as {
      data?: Record<string, string>;
      metadata: { managedFields?: { manager?: string }[]; annotations?: Record<string, string> };
    };
    assert.deepEqual(platform.data, { payload: 'admin-only-value' });
    assert.equal(platform.metadata.annotations?.['tiphys.dev/tracking-id'], undefined);
    assert.ok(!(platform.metadata.managedFields ?? []).some((f) => f.manager === 'tiphys'));
    assert.equal(await readObject(env, '/api/v1/namespaces/team-a/configmaps/plain-allowed'), undefined);
  });

  test("the refusal is one Warning Event, shown by the API's events route, not one per reconcile", async () => {
    type Listed = { items: { reason: string; type: string; message: string; count: number }[] };
    const refusedEvents = async () => {
      const response = await api('/api/v1/applications/plain/events');
      assert.equal(response.status, 200, response.text);
      return (JSON.parse(response.text) as Listed).items.filter((e) => e.reason === 'ProjectRefused');
    };
    await eventually('the ProjectRefused event', async () => (await refusedEvents()).length > 0);
    const before = await getApp(env, 'plain');
    controller.refresh('plain');
    await waitForApp(
      env,
      'plain',
      (a) => a.status?.reconciledAt !== before.status?.reconciledAt,
      'looked at again',
    );
    await controller.queue.idle();
    const refused = await refusedEvents();
    assert.equal(refused.length, 1, JSON.stringify(refused));
    assert.equal(refused[0].type, 'Warning');
    assert.equal(refused[0].count, 1, 'the same refusal is not recorded at every reconcile');
    assert.match(
      refused[0].message,
      /ConfigMap kube-system\/platform-settings: namespace kube-system is not a destination/,
    );
  });

  test('a RoleBinding to cluster-admin in another namespace is refused', async () => {
    await tenantApp('rolebinding', 'rolebinding');
    await assertRefused(
      'rolebinding',
      'RoleBinding other/tenant-admin: namespace other is not a destination of project team-a',
      { kind: 'RoleBinding', namespace: 'other', name: 'tenant-admin' },
      { kind: 'ConfigMap', name: 'rolebinding-allowed' },
    );
    const bindings = '/apis/rbac.authorization.k8s.io/v1/namespaces/other/rolebindings/tenant-admin';
    assert.equal(await readObject(env, bindings), undefined);
    assert.equal(
      await readObject(env, '/api/v1/namespaces/team-a/configmaps/rolebinding-allowed'),
      undefined,
    );
  });

  test('a Kustomize `namespace: kube-system` is refused', async () => {
    await tenantApp('kustomized', 'kustomize');
    await assertRefused(
      'kustomized',
      'ConfigMap kube-system/kustomized: namespace kube-system is not a destination of project team-a',
      { kind: 'ConfigMap', namespace: 'kube-system', name: 'kustomized' },
    );
    assert.equal(await readObject(env, '/api/v1/namespaces/kube-system/configmaps/kustomized'), undefined);
  });

  test('a Helm template with a hard-coded namespace is refused', async () => {
    await tenantApp('charted', 'helm');
    await assertRefused(
      'charted',
      'ConfigMap kube-system/helm-hard-coded: namespace kube-system is not a destination of project team-a',
      { kind: 'ConfigMap', namespace: 'kube-system', name: 'helm-hard-coded' },
      { kind: 'ConfigMap', name: 'helm-allowed' },
    );
    assert.equal(
      await readObject(env, '/api/v1/namespaces/kube-system/configmaps/helm-hard-coded'),
      undefined,
    );
    assert.equal(await readObject(env, '/api/v1/namespaces/team-a/configmaps/helm-allowed'), undefined);
  });

  test('a hook in another namespace is refused before any phase runs', async () => {
    await tenantApp('hooked', 'hook');
    await assertRefused(
      'hooked',
      'ConfigMap other/hook-elsewhere: namespace other is not a destination of project team-a',
      { kind: 'ConfigMap', namespace: 'other', name: 'hook-elsewhere' },
      { kind: 'ConfigMap', name: 'hook-allowed' },
    );
    assert.equal(await readObject(env, '/api/v1/namespaces/other/configmaps/hook-elsewhere'), undefined);
    assert.equal(await readObject(env, '/api/v1/namespaces/team-a/configmaps/hook-allowed'), undefined);
  });

  test('a sync of an explicitly requested bad revision is refused, though the target revision is fine', async () => {
    const bad = await env.git.commitFiles(
      'tenant',
      {
        'explicit/allowed.yaml': configMap('team-a', 'explicit-allowed'),
        'explicit/elsewhere.yaml': configMap('kube-system', 'explicit-elsewhere'),
      },
      'a bad commit',
    );
    await env.git.commitFiles('tenant', { 'explicit/elsewhere.yaml': null }, 'the bad object removed again');
    await tenantApp('explicit', 'explicit', false);
    await waitForApp(
      env,
      'explicit',
      (a) => a.status?.sync?.status === 'OutOfSync',
      'compared (HEAD is fine)',
    );
    const sync = await fetch(`${base}/api/v1/applications/explicit/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ revision: bad }),
    });
    assert.equal(sync.status, 202, await sync.text());
    const refusal =
      'ConfigMap kube-system/explicit-elsewhere: namespace kube-system is not a destination of project team-a';
    const app = await waitForApp(
      env,
      'explicit',
      (a) =>
        a.status?.operationState?.phase === 'Error' &&
        (a.status.operationState.message ?? '').includes(refusal) &&
        refusedCondition(a, refusal) !== undefined,
      'the operation refused, with a ProjectViolation condition',
    );
    assert.match(app.status?.operationState?.message ?? '', new RegExp(refusal));
    // Later reconciles compare the target revision, which is fine: the refusal stays the latest
    // word on the operation, so its condition stays.
    const since = app.status?.reconciledAt ?? '';
    const later = await eventually('explicit: a later reconcile', async () => {
      controller.refresh('explicit');
      const current = await getApp(env, 'explicit');
      return (current.status?.reconciledAt ?? '') > since ? current : undefined;
    });
    assert.ok(
      refusedCondition(later, refusal),
      `the ProjectViolation condition is kept; conditions: ${JSON.stringify(later.status?.conditions)}`,
    );
    assert.equal(
      await readObject(env, '/api/v1/namespaces/kube-system/configmaps/explicit-elsewhere'),
      undefined,
    );
    assert.equal(await readObject(env, '/api/v1/namespaces/team-a/configmaps/explicit-allowed'), undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// Class 2: touch objects the app does not own.
// ---------------------------------------------------------------------------------------------
// (class 2 tests below)

/** A ConfigMap manifest, with annotations. */
function configMapYaml(
  name: string,
  data: Record<string, string>,
  annotations: Record<string, string> = {},
): string {
  const notes = Object.entries(annotations)
    .map(([k, v]) => `    ${k}: "${v}"\n`)
    .join('');
  const values = Object.entries(data)
    .map(([k, v]) => `  ${k}: "${v}"\n`)
    .join('');
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${notes ? `  annotations:\n${notes}` : ''}data:\n${values}`;
}

describe('class 2: an app touches only the objects it owns', () => {
  let env: Env;
  let controller: Controller;
  let repo: string;
  const ns = 'team-a';
  const cmPath = (name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;
  const operationDone = (a: Application) =>
    a.status?.operationState?.phase === 'Succeeded' || a.status?.operationState?.phase === 'Failed';
  const files: Record<string, string> = {
    // A PreSync hook (BeforeHookCreation by default) named like an object nobody gave to Tiphys.
    'hook-named-like-precious/cm.yaml': configMapYaml('hooker-cm', { v: '1' }),
    'hook-named-like-precious/hook.yaml': configMapYaml(
      'precious',
      { v: 'hook' },
      { 'argocd.argoproj.io/hook': 'PreSync' },
    ),
    'owner/owned.yaml': configMapYaml('owned', { v: 'owner' }),
    'replacer/owned.yaml': configMapYaml(
      'owned',
      { v: 'replacer' },
      { 'argocd.argoproj.io/sync-options': 'Replace=true' },
    ),
    'strict/owned.yaml': configMapYaml('owned', { v: 'strict' }),
    'left/both.yaml': configMapYaml('both', { v: 'same' }),
    'left/left-only.yaml': configMapYaml('left-only', { v: 'left' }),
    'right/both.yaml': configMapYaml('both', { v: 'same' }),
    'twin-a/twin.yaml': configMapYaml('twin', { v: 'same' }),
    'twin-b/twin.yaml': configMapYaml('twin', { v: 'same' }),
    'twin-b/twin-b-only.yaml': configMapYaml('twin-b-only', { v: 'b' }),
    'victim/victim-cm.yaml': configMapYaml('victim-cm', { v: 'victim' }),
  };

  /** Creates an app of the default project in team-a and runs one sync to its end. */
  async function syncApp(
    name: string,
    path: string,
    extra: Record<string, unknown> = {},
  ): Promise<Application> {
    await createApp(env, name, {
      source: { repoURL: repo, path },
      destination: { namespace: ns },
      ...extra,
    });
    return runSync(name, {});
  }

  async function runSync(name: string, sync: Record<string, unknown>): Promise<Application> {
    const before = (await getApp(env, name)).status?.operationState?.startedAt;
    await patchApp(env, name, { operation: { sync, initiatedBy: { username: 'tenant' } } });
    return waitForApp(
      env,
      name,
      (a) =>
        a.status?.operationState?.startedAt !== before &&
        operationDone(a) &&
        !('operation' in a && a.operation),
      'the sync to end',
    );
  }

  async function deleteWithCascade(name: string): Promise<void> {
    await patchApp(env, name, { metadata: { finalizers: ['resources-finalizer.tiphys.dev'] } });
    await env.rest.request(
      'DELETE',
      `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications/${name}`,
    );
    await eventually(`Application ${name} to be gone`, async () => {
      try {
        await getApp(env, name);
        return undefined;
      } catch (error) {
        return (error as { status?: number }).status === 404;
      }
    });
  }

  /** Refreshes the app until its status satisfies `predicate` (other apps' statuses feed it). */
  function refreshUntil(name: string, predicate: (a: Application) => boolean, what: string) {
    return eventually(`${name}: ${what}`, async () => {
      controller.refresh(name);
      const app = await getApp(env, name);
      return predicate(app) ? app : undefined;
    });
  }

  before(async () => {
    env = await startEnv('tenancy-ownership');
    const dir = mkdtempSync(join(tmpdir(), 'tiphys-ownership-'));
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    repo = (await env.git.createRepo('ownership', dir)).url;
    rmSync(dir, { recursive: true, force: true });
    await env.rest.request('POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    });
    controller = startInProcessController(env);
    await controller.start();
  });
  after(async () => {
    await controller?.stop();
    await env?.stop();
  });

  test('a hook named like an object nobody gave to Tiphys does not delete it; the sync fails naming it', async () => {
    const precious = (await env.rest.request('POST', `/api/v1/namespaces/${ns}/configmaps`, {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'precious' }, data: { v: 'keep me' } },
    })) as KubeObject;
    const app = await syncApp('hooker', 'hook-named-like-precious');
    assert.equal(app.status?.operationState?.phase, 'Failed');
    assert.match(
      app.status?.operationState?.message ?? '',
      /ConfigMap team-a\/precious is not managed by application hooker \(it has no tracking id\); not deleting it/,
    );
    const after = (await readObject(env, cmPath('precious'))) as KubeObject & {
      data: Record<string, string>;
    };
    assert.equal(after.metadata.uid, precious.metadata.uid);
    assert.deepEqual(after.data, { v: 'keep me' });
    assert.equal(await readObject(env, cmPath('hooker-cm')), undefined, 'nothing of the sync was applied');
  });

  test('Replace=true and FailOnSharedResource=true do not overwrite another app’s object', async () => {
    const owner = await syncApp('owner-app', 'owner');
    assert.equal(owner.status?.operationState?.phase, 'Succeeded');
    const before = (await readObject(env, cmPath('owned'))) as KubeObject;

    const replacer = await syncApp('replacer', 'replacer');
    assert.equal(replacer.status?.operationState?.phase, 'Failed');
    assert.match(
      replacer.status?.operationState?.message ?? '',
      /ConfigMap team-a\/owned is managed by application owner-app \(tracking id owner-app:\/ConfigMap:team-a\/owned\); not replacing it/,
    );
    const strict = await syncApp('strict', 'strict', {
      syncPolicy: { syncOptions: ['FailOnSharedResource=true'] },
    });
    assert.equal(strict.status?.operationState?.phase, 'Failed');
    assert.match(
      strict.status?.operationState?.message ?? '',
      /owned is managed by application owner-app .*not applying it \(FailOnSharedResource=true\)/,
    );

    const after = (await readObject(env, cmPath('owned'))) as KubeObject & { data: Record<string, string> };
    assert.equal(
      after.metadata.resourceVersion,
      before.metadata.resourceVersion,
      'the object was not written',
    );
    assert.deepEqual(after.data, { v: 'owner' });
  });

  test('a prune leaves an object another app renders', async () => {
    assert.equal((await syncApp('right', 'right')).status?.operationState?.phase, 'Succeeded');
    assert.equal((await syncApp('left', 'left')).status?.operationState?.phase, 'Succeeded');
    // left applied last: the object's tracking id names left, and right still renders it.
    const both = (await readObject(env, cmPath('both'))) as KubeObject;
    assert.match(both.metadata.annotations?.['tiphys.dev/tracking-id'] ?? '', /^left:/);
    await env.git.commitFiles('ownership', { 'left/both.yaml': null }, 'left stops rendering both');
    // left now sees it as its own object to prune, as it would any object it no longer renders.
    await refreshUntil(
      'left',
      (a) => (a.status?.resources ?? []).some((r) => r.name === 'both' && r.requiresPruning),
      'both to require pruning',
    );

    const pruned = await runSync('left', { prune: true });
    assert.equal(pruned.status?.operationState?.phase, 'Succeeded', pruned.status?.operationState?.message);
    const after = (await readObject(env, cmPath('both'))) as KubeObject;
    assert.equal(after?.metadata.uid, both.metadata.uid, 'the shared object is still there');
  });

  test('two apps that render one ConfigMap both warn, and deleting one with cascade keeps it', async () => {
    assert.equal((await syncApp('twin-a', 'twin-a')).status?.operationState?.phase, 'Succeeded');
    assert.equal((await syncApp('twin-b', 'twin-b')).status?.operationState?.phase, 'Succeeded');
    const warned = (a: Application) =>
      (a.status?.conditions ?? []).some(
        (c) =>
          c.type === 'SharedResourceWarning' &&
          /ConfigMap team-a\/twin is part of applications/.test(c.message),
      );
    for (const name of ['twin-a', 'twin-b']) await refreshUntil(name, warned, 'a SharedResourceWarning');
    const twin = (await readObject(env, cmPath('twin'))) as KubeObject;
    assert.match(twin.metadata.annotations?.['tiphys.dev/tracking-id'] ?? '', /^twin-b:/);

    await deleteWithCascade('twin-b');
    await eventually('twin-b-only to be deleted by the cascade', async () =>
      (await readObject(env, cmPath('twin-b-only'))) === undefined ? true : undefined,
    );
    assert.equal(
      ((await readObject(env, cmPath('twin'))) as KubeObject | undefined)?.metadata.uid,
      twin.metadata.uid,
    );
  });

  test('a tracking id forged onto a tenant’s own object makes the app neither prune nor delete it', async () => {
    await syncApp('victim-app', 'victim', { syncPolicy: { automated: { prune: true } } });
    const forged = (await env.rest.request('POST', `/api/v1/namespaces/${ns}/configmaps`, {
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'tenant-own',
          annotations: { 'tiphys.dev/tracking-id': `victim-app:/ConfigMap:${ns}/tenant-own` },
        },
        data: { v: 'mine' },
      },
    })) as KubeObject;
    const since = new Date().toISOString();
    await refreshUntil(
      'victim-app',
      (a) => (a.status?.reconciledAt ?? '') > since,
      'a reconcile after the forgery',
    );
    await refreshUntil('victim-app', (a) => (a.status?.reconciledAt ?? '') > since, 'a second reconcile');
    const app = await getApp(env, 'victim-app');
    assert.ok(!(app.status?.resources ?? []).some((r) => r.name === 'tenant-own'), 'not listed as the app’s');
    assert.ok(await readObject(env, cmPath('tenant-own')), 'not pruned');

    await deleteWithCascade('victim-app');
    assert.equal(await readObject(env, cmPath('victim-cm')), undefined, 'the app’s own object went with it');
    assert.equal(
      ((await readObject(env, cmPath('tenant-own'))) as KubeObject | undefined)?.metadata.uid,
      forged.metadata.uid,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Class 3: read what the caller cannot see.
// ---------------------------------------------------------------------------------------------
// (class 3 tests below)
describe('class 3: a tenant reads what its project does not let it see', () => {
  let env: Env;
  let controller: Controller;
  let auth: AuthService;
  let server: FastifyInstance;
  let base: string;
  let adminToken: string;
  let tenantToken: string;
  const HANDMADE_VALUE = 'handmade-value-not-for-team-a';
  const REAL_PASSWORD = 'real-password-of-team-a';
  const projectsPath = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/appprojects`;
  const configMap = (namespace: string, name: string, data: Record<string, string>) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata: ${JSON.stringify(data)}\n`;
  const secret = (password: string, token: string) =>
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: team-a\nstringData:\n  password: ${password}\n  token: ${token}\n`;

  const call = async (token: string, path: string, init: RequestInit = {}) => {
    const response = await fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
    });
    const text = await response.text();
    return { status: response.status, text, json: JSON.parse(text || '{}') as Record<string, unknown> };
  };
  const manifests = (token: string, app: string, kind: string, namespace: string, name: string) =>
    call(token, `/api/v1/applications/${app}/manifests?kind=${kind}&namespace=${namespace}&name=${name}`);

  before(async () => {
    env = await startEnv('tenancy-reads');
    const dir = mkdtempSync(join(tmpdir(), 'tenancy-reads-'));
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a', 'web-config.yaml'), configMap('team-a', 'web-config', { a: 'b' }));
    writeFileSync(join(dir, 'a', 'creds.yaml'), secret(REAL_PASSWORD, 'token-1'));
    writeFileSync(join(dir, 'b', 'b-config.yaml'), configMap('team-b', 'b-config', { b: 'private' }));
    const repo = (await env.git.createRepo('tenants', dir)).url;
    rmSync(dir, { recursive: true, force: true });
    for (const name of ['team-a', 'team-b']) {
      await env.rest.request('POST', '/api/v1/namespaces', {
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      });
      await createProject(env, name, {
        sourceRepos: ['*'],
        destinations: [{ cluster: 'in-cluster', namespace: name }],
        roles: [{ name: 'dev', policies: [`p, proj:${name}:dev, applications, get, ${name}/*, allow`] }],
      });
    }
    // Made by hand in team-a's own namespace: no app owns it.
    await env.rest.request('POST', '/api/v1/namespaces/team-a/configmaps', {
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'handmade' },
        data: { note: HANDMADE_VALUE },
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
    for (const name of ['a-app', 'b-app'])
      await waitForApp(env, name, (a) => a.status?.sync?.status === 'Synced', 'synced', 90_000);
    // From here on Git changes are looked at through the API only.
    for (const name of ['a-app', 'b-app']) await patchApp(env, name, { spec: { syncPolicy: null } });
    ({ server, auth, base } = await startApiServer(env, { server: { controller } }));
    adminToken = await loginAsAdmin(env, base);
    tenantToken = await createToken(base, adminToken, { project: 'team-a', role: 'dev' });
  });

  after(async () => {
    await server?.close();
    auth?.close();
    await controller?.stop();
    await env?.stop();
  });

  test('objects the app does not track, or its project forbids, answer exactly as missing ones', async () => {
    const own = await manifests(tenantToken, 'a-app', 'ConfigMap', 'team-a', 'web-config');
    assert.equal(own.status, 200, own.text);
    assert.ok(own.json.live, 'its own object is served');
    const probes = [
      ['ConfigMap', 'kube-system', 'extension-apiserver-authentication'], // exists, outside the project
      ['ConfigMap', 'team-b', 'b-config'], // exists, another team's app
      ['ConfigMap', 'team-a', 'handmade'], // exists in its namespace, owned by no app
      ['Namespace', '', 'kube-system'], // exists, cluster-scoped
      ['ConfigMap', 'team-a', 'no-such-thing'],
      ['ConfigMap', 'kube-system', 'no-such-thing'],
    ];
    const answers = [];
    for (const [kind, namespace, name] of probes) {
      const response = await manifests(tenantToken, 'a-app', kind, namespace, name);
      answers.push(`${response.status} ${response.text}`);
    }
    assert.equal(new Set(answers).size, 1, answers.join('\n'));
    assert.match(answers[0], /^404 /);
    // The same for another team's app, whether it exists or not.
    const other = await call(
      tenantToken,
      '/api/v1/applications/b-app/manifests?kind=ConfigMap&namespace=team-b&name=b-config',
    );
    const missing = await call(
      tenantToken,
      '/api/v1/applications/c-app/manifests?kind=ConfigMap&namespace=team-b&name=b-config',
    );
    assert.equal(other.status, 404);
    assert.equal(other.text.replace('b-app', 'X'), missing.text.replace('c-app', 'X'));
    for (const body of answers) assert.ok(!body.includes(HANDMADE_VALUE) && !body.includes('private'));
  });

  test('Git naming an object the app does not own shows its desired side only, in manifests and the diff', async () => {
    await env.git.commitFiles(
      'tenants',
      { 'a/handmade.yaml': configMap('team-a', 'handmade', { note: 'mine now' }) },
      'claim handmade',
    );
    const claimed = await eventually('the new commit rendered', async () => {
      const response = await manifests(tenantToken, 'a-app', 'ConfigMap', 'team-a', 'handmade');
      return response.status === 200 ? response : undefined;
    });
    assert.ok(claimed.json.desired, claimed.text);
    assert.equal(claimed.json.live, undefined, "the live object is not the app's to show");
    const diff = await call(tenantToken, '/api/v1/applications/a-app/diff');
    assert.equal(diff.status, 200, diff.text);
    assert.ok(!diff.text.includes(HANDMADE_VALUE), 'no field of the live object leaks through the dry run');
    const entry = (diff.json.resources as { key: string; status: string; diff: string }[]).find((r) =>
      r.key.includes('handmade'),
    );
    assert.ok(entry, diff.text);
    assert.match(entry.diff, /\+\s+note: mine now/);
    assert.doesNotMatch(entry.diff, /^-(?!-- live$)/m, 'shown as an object to create, as a missing one is');
    // Nothing was changed by looking.
    const live = await readObject(env, '/api/v1/namespaces/team-a/configmaps/handmade');
    assert.deepEqual(live?.data, { note: HANDMADE_VALUE });
  });

  test('a guess at a Secret value in Git is not confirmed by the diff', async () => {
    const secretDiff = async (password: string) => {
      await env.git.commitFiles(
        'tenants',
        { 'a/creds.yaml': secret(password, 'token-2') },
        `guess ${password}`,
      );
      return eventually(`the diff of guess ${password}`, async () => {
        const response = await call(tenantToken, '/api/v1/applications/a-app/diff');
        const creds = (response.json.resources as { key: string; diff: string }[] | undefined)?.find((r) =>
          r.key.includes('Secret'),
        );
        const revision = response.json.revision as string;
        return creds && revision === (await env.git.headCommit('tenants'))
          ? { diff: creds.diff, text: response.text }
          : undefined;
      });
    };
    const right = await secretDiff(REAL_PASSWORD);
    const wrong = await secretDiff('a-wrong-guess');
    assert.equal(right.diff, wrong.diff);
    assert.match(right.diff, /password/, 'the diff still says which keys the Secret has');
    for (const body of [right.text, wrong.text]) {
      for (const value of [REAL_PASSWORD, 'a-wrong-guess', 'token-1', 'token-2']) {
        assert.ok(!body.includes(value) && !body.includes(Buffer.from(value).toString('base64')), value);
      }
    }
    const shown = await manifests(tenantToken, 'a-app', 'Secret', 'team-a', 'creds');
    const { live, desired } = shown.json as { live: { data: object }; desired: { data: object } };
    assert.deepEqual(live.data, { password: '++++++++', token: '++++++++' });
    assert.deepEqual(desired.data, live.data, 'one mask for every value, on both sides');
  });

  test("the events of the app's own objects only", async () => {
    const event = async (namespace: string, about: KubeObject, message: string) =>
      env.rest.request('POST', `/api/v1/namespaces/${namespace}/events`, {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { generateName: 'probe-', namespace },
          involvedObject: {
            apiVersion: 'v1',
            kind: about.kind,
            name: about.metadata.name,
            namespace,
            uid: about.metadata.uid,
          },
          reason: 'Probe',
          message,
          type: 'Normal',
          firstTimestamp: new Date().toISOString(),
          lastTimestamp: new Date().toISOString(),
        },
      });
    // The controller lists handmade among the app's resources once it has seen the commit that
    // names it: an event matched by name alone would then slip through.
    const refresh = await call(adminToken, '/api/v1/applications/a-app/refresh', {
      method: 'POST',
      body: '{}',
    });
    assert.equal(refresh.status, 202, refresh.text);
    await waitForApp(
      env,
      'a-app',
      (a) => (a.status?.resources ?? []).some((r) => r.name === 'handmade'),
      'handmade among its resources',
    );
    const read = async (ns: string, name: string) =>
      (await readObject(env, `/api/v1/namespaces/${ns}/configmaps/${name}`)) as KubeObject;
    await event('team-a', await read('team-a', 'web-config'), 'about-own-object');
    await event('team-a', await read('team-a', 'handmade'), 'about-handmade');
    await event('team-b', await read('team-b', 'b-config'), 'about-team-b');
    const events = await eventually('the own event', async () => {
      const response = await call(tenantToken, '/api/v1/applications/a-app/events');
      return response.text.includes('about-own-object') ? response.text : undefined;
    });
    assert.ok(!events.includes('about-handmade'), 'an object Git names but the app does not own');
    assert.ok(!events.includes('about-team-b'));
  });

  test('once the project no longer permits a namespace, what the app has there is not served', async () => {
    await env.rest.request('PATCH', `${projectsPath}/team-a`, {
      body: { spec: { destinations: [{ cluster: 'in-cluster', namespace: 'team-a-elsewhere' }] } },
      contentType: 'application/merge-patch+json',
    });
    const gone = await eventually('the project change seen', async () => {
      const response = await manifests(tenantToken, 'a-app', 'ConfigMap', 'team-a', 'web-config');
      return response.status === 404 ? response : undefined;
    });
    const missing = await manifests(tenantToken, 'a-app', 'ConfigMap', 'team-a', 'no-such-thing');
    assert.equal(gone.text, missing.text);
    const events = await call(tenantToken, '/api/v1/applications/a-app/events');
    assert.ok(!events.text.includes('about-own-object'), events.text);
    const tree = await call(tenantToken, '/api/v1/applications/a-app/resource-tree');
    assert.ok(!tree.text.includes('"uid"'), tree.text);
  });
});

// ---------------------------------------------------------------------------------------------
// Class 4: reach the controller's own disk or network.
// ---------------------------------------------------------------------------------------------
// (class 4 tests below)

describe("class 4: an app cannot reach the controller's own disk or network", () => {
  let env: Env;
  let controller: Controller;
  let listener: RecordingListener;
  let cacheDir: string;
  let victimKey: string;
  const ns = 'team-c4';
  const cmPath = (name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;
  const refusedWith = (name: string, message: RegExp) =>
    waitForApp(env, name, (a) => message.test(conditionText(a)), `a condition matching ${message}`);

  before(async () => {
    env = await startEnv('tenancy-disk-network');
    listener = await startRecordingListener();
    // Another team's repository, deployed by its own app: its checkout is on the controller's disk.
    const victimRepo = await repoOfFiles(env.git, 'victim', {
      'secret-app/kustomization.yaml': stringify({ resources: ['cm.yaml'] }),
      'secret-app/cm.yaml': configMapYaml('victim-secret', { token: 'victim-token' }),
    });
    victimKey = parseRepoURL(victimRepo).key;
    const sharedBase = await repoOfFiles(env.git, 'shared-base', {
      'base/kustomization.yaml': stringify({ resources: ['cm.yaml'] }),
      'base/cm.yaml': configMapYaml('shared', { v: '1' }),
    });
    const victimCommit = await env.git.headCommit('victim');
    const tenantRepo = await repoOfFiles(env.git, 'tenant', {
      // From checkouts/<tenant>/<commit>/other-checkout up to checkouts/, into the victim's.
      'other-checkout/kustomization.yaml': stringify({
        resources: [`../../../${victimKey}/${victimCommit}/secret-app`],
      }),
      'remote-base/kustomization.yaml': stringify({
        resources: [`${listener.url}/org/base.git//deploy?ref=main`],
      }),
      'remote-file/kustomization.yaml': stringify({
        configMapGenerator: [{ name: 'stolen', files: [`${listener.url}/latest/meta-data`] }],
      }), // A remote base the project allows: fetched over http, the testbed Git server's scheme.
      'allowed-base/kustomization.yaml': stringify({
        resources: [`${sharedBase}//base?ref=main`],
        namePrefix: 'tenant-',
      }),
    });
    for (const name of [ns, 'victim']) {
      await env.rest.request('POST', '/api/v1/namespaces', {
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      });
    }
    await createProject(env, ns, {
      sourceRepos: [tenantRepo, sharedBase],
      destinations: [{ cluster: 'in-cluster', namespace: ns }],
    });
    cacheDir = mkdtempSync(join(tmpdir(), 'tiphys-c4-cache-'));
    controller = new Controller({
      kubeConfig: loadKubeConfig(env.cluster.kubeconfigPath),
      namespace: NAMESPACE,
      tools: env.tools,
      cacheDir,
      leaderElection: false,
    });
    await controller.start();
    await createApp(env, 'victim', {
      source: { repoURL: victimRepo, path: 'secret-app' },
      destination: { namespace: 'victim' },
      syncPolicy: { automated: {} },
    });
    await waitForApp(env, 'victim', syncedAndHealthy, 'synced');
    const tenantApp = (name: string, path: string) =>
      createApp(env, name, {
        project: ns,
        source: { repoURL: tenantRepo, path },
        destination: { namespace: ns },
        syncPolicy: { automated: {} },
      });
    await tenantApp('c4-other-checkout', 'other-checkout');
    await tenantApp('c4-remote-base', 'remote-base');
    await tenantApp('c4-remote-file', 'remote-file');
    await tenantApp('c4-allowed-base', 'allowed-base');
  });
  after(async () => {
    await controller?.stop();
    await listener?.close();
    await env?.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  test("a kustomization cannot load another team's checkout from the controller's disk", async () => {
    await refusedWith(
      'c4-other-checkout',
      /other-checkout\/kustomization.yaml: resources .* leads outside the repository/,
    );
    assert.equal(await readObject(env, cmPath('victim-secret')), undefined);
  });

  test("remote bases and remote files are refused unless the project's source repositories allow them; nothing is fetched", async () => {
    await refusedWith(
      'c4-remote-base',
      /resources ".*" is a remote source .* source repositories do not allow/,
    );
    await refusedWith('c4-remote-file', /configMapGenerator.files ".*" is a remote source/);
    assert.equal(await readObject(env, cmPath('stolen')), undefined);
    assert.deepEqual(listener.requests, []);
    // A base the project lists is fetched, by a kustomize that sees nothing of the controller.
    await waitForApp(env, 'c4-allowed-base', syncedAndHealthy, 'synced from the allowed remote base');
    assert.ok(await readObject(env, cmPath('tenant-shared')));
  });

  test('a local repository URL (the mirror cache itself) is refused without --allow-local-repos', async () => {
    for (const [name, repoURL] of [
      ['c4-mirror', `file://${cacheDir}/git/mirrors/${victimKey}`],
      ['c4-path', `${cacheDir}/git/mirrors/${victimKey}`],
    ]) {
      await createApp(env, name, {
        source: { repoURL, path: 'secret-app' },
        destination: { namespace: ns },
        syncPolicy: { automated: {} },
      });
      await refusedWith(name, /spec.source.repoURL: repository URL .* is a local path.*--allow-local-repos/);
    }
    assert.equal(await readObject(env, cmPath('victim-secret')), undefined);
  });

  test("a Cluster cannot borrow another namespace's Secret, nor make the controller run a command", async () => {
    const marker = join(cacheDir, 'exec-ran');
    const secret = (namespace: string, name: string, data: Record<string, string>) =>
      env.rest.request('POST', `/api/v1/namespaces/${namespace}/secrets`, {
        body: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data },
      });
    // An admin's credentials somewhere else: the tenant may write Clusters, not read these.
    await secret('kube-system', 'admin-credentials', {
      bearerToken: env.cluster.token,
      caData: env.cluster.ca,
    });
    await secret(NAMESPACE, 'cluster-exec', {
      kubeconfig: stringify({
        'current-context': 'x',
        clusters: [{ name: 'x', cluster: { server: env.cluster.server, 'insecure-skip-tls-verify': true } }],
        users: [
          {
            name: 'x',
            user: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1',
                command: 'sh',
                args: ['-c', `touch ${marker}`],
              },
            },
          },
        ],
        contexts: [{ name: 'x', context: { cluster: 'x', user: 'x' } }],
      }),
    });
    for (const [name, credentialsSecret] of [
      ['borrowed', { name: 'admin-credentials', namespace: 'kube-system' }],
      ['exec', { name: 'cluster-exec' }],
    ] as const) {
      await env.rest.request('POST', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/clusters`, {
        body: {
          apiVersion: 'tiphys.dev/v1alpha1',
          kind: 'Cluster',
          metadata: { name },
          spec: { server: env.cluster.server, credentialsSecret },
        },
      });
      await createApp(env, `c4-cluster-${name}`, {
        source: { repoURL: `${env.git.url}/victim.git`, path: 'secret-app' },
        destination: { cluster: name, namespace: ns },
        syncPolicy: { automated: {} },
      });
    }
    await refusedWith(
      'c4-cluster-borrowed',
      /credentialsSecret must be in the control namespace tiphys, not kube-system/,
    );
    await refusedWith('c4-cluster-exec', /user "x" has exec, which runs a command on the controller/);
    assert.equal(existsSync(marker), false, 'the exec plugin ran');
    assert.equal(await readObject(env, cmPath('victim-secret')), undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// Class 5: get credentials sent elsewhere.
// ---------------------------------------------------------------------------------------------
// (class 5 tests below)

describe('class 5: credentials go only to the repository they were registered for', () => {
  let env: Env;
  let controller: Controller;
  let listener: RecordingListener;
  let realGit: GitServer;
  const auth = { username: 'deploy', password: 'real-server-Pa55word' };
  const ns = 'team-c5';

  before(async () => {
    env = await startEnv('tenancy-credentials');
    [realGit, listener] = await Promise.all([startGitServer({ auth }), startRecordingListener()]);
    await repoOfFiles(realGit, 'team', { 'app/cm.yaml': configMapYaml('from-real-server', { v: '1' }) });
    await env.rest.request('POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    });
    // As `tiphys repo add <real server> --username --password` stores them.
    await env.rest.request('POST', `/api/v1/namespaces/${NAMESPACE}/secrets`, {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'repo-real', labels: { 'tiphys.dev/secret-type': 'repository' } },
        stringData: { url: realGit.url, ...auth },
      },
    });
    controller = startInProcessController(env);
    await controller.start();
  });
  after(async () => {
    await controller?.stop();
    await Promise.all([listener?.close(), realGit?.close()]);
    await env?.stop();
  });

  test('the real server gets them; a look-alike URL naming it in the user part gets none', async () => {
    await createApp(env, 'c5-real', {
      source: { repoURL: realGit.repoUrl('team'), path: 'app' },
      destination: { namespace: ns },
      syncPolicy: { automated: {} },
    });
    await waitForApp(env, 'c5-real', syncedAndHealthy, 'synced with the stored credentials');
    // `http://127.0.0.1:<real port>@127.0.0.1:<attacker port>/…` starts with the stored URL.
    const lookAlike = `${realGit.url}@127.0.0.1:${listener.port}/team.git`;
    await createApp(env, 'c5-look-alike', {
      source: { repoURL: lookAlike, path: 'app' },
      destination: { namespace: ns },
      syncPolicy: { automated: {} },
    });
    await waitForApp(
      env,
      'c5-look-alike',
      (a) => /authentication refused|asks for credentials/.test(conditionText(a)),
      'a condition saying the server refused',
    );
    assert.ok(listener.requests.length > 0, 'git never reached the look-alike');
    for (const request of listener.requests) {
      const sent = Buffer.from((request.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      assert.ok(!sent.includes(auth.password) && !sent.includes(auth.username), `sent ${sent}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Class 6: stall everyone.
// ---------------------------------------------------------------------------------------------
// (class 6 tests below)

describe('class 6: one tenant cannot stall everyone', () => {
  let env: Env;
  let controller: Controller;
  const ns = 'team-c6';
  const long = 'a'.repeat(200);

  before(async () => {
    env = await startEnv('tenancy-stall');
    await env.rest.request('POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    });
    await repoOfFiles(env.git, 'stall', {
      [`hostile/${long}.yaml`]: configMapYaml('long-name', { v: '1' }),
      'hostile/aaaaaaaaaab.yaml': configMapYaml('matched', { v: '1' }),
      'bystander/cm.yaml': configMapYaml('bystander', { v: '1' }),
    });
    // A repository whose URL is mostly 'a's, for the project's patterns to walk.
    await repoOfFiles(env.git, long, { 'app/cm.yaml': configMapYaml('hostile-project', { v: '1' }) });
    // A project whose patterns are the attack: every check of an app against it walks them.
    await createProject(env, 'hostile', {
      sourceRepos: ['*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b'],
      destinations: [{ cluster: 'in-cluster', namespace: '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b' }],
    });
    controller = startInProcessController(env);
    await controller.start();
  });
  after(async () => {
    await controller?.stop();
    await env?.stop();
  });

  test('hostile globs are matched in one pass or refused, and the other apps are served meanwhile', async () => {
    const repoURL = `${env.git.url}/stall.git`;
    const app = (name: string, path: string, extra: Record<string, unknown> = {}) =>
      createApp(env, name, {
        source: { repoURL, path, ...extra },
        destination: { namespace: ns },
        syncPolicy: { automated: {} },
      });
    await app('c6-hostile-include', 'hostile', { directory: { include: '*a*a*a*a*a*a*a*a*a*a*b.yaml' } });
    await app('c6-brace-range', 'hostile', { directory: { include: '{1..100000}.yaml' } });
    await createApp(env, 'c6-hostile-project', {
      project: 'hostile',
      source: { repoURL: `${env.git.url}/${long}.git`, path: 'app' },
      destination: { namespace: 'a'.repeat(60) },
    });
    await app('c6-bystander', 'bystander');
    const [hostile, braces, project, bystander] = await Promise.all([
      waitForApp(env, 'c6-hostile-include', syncedAndHealthy, 'synced'),
      waitForApp(env, 'c6-brace-range', (a) => /brace ranges/.test(conditionText(a)), 'refused'),
      waitForApp(
        env,
        'c6-hostile-project',
        (a) => /not permitted in project hostile/.test(conditionText(a)),
        'refused',
      ),
      waitForApp(env, 'c6-bystander', syncedAndHealthy, 'synced'),
    ]);
    assert.deepEqual(
      hostile.status?.resources?.map((r) => r.name),
      ['matched'],
    );
    assert.match(
      conditionText(braces),
      /directory include: glob pattern "\{1\.\.100000\}\.yaml": brace ranges/,
    );
    assert.match(conditionText(project), /repository .* is not permitted in project hostile/);
    assert.equal(bystander.status?.sync?.status, 'Synced');
    assert.equal(await readObject(env, `/api/v1/namespaces/${ns}/configmaps/long-name`), undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// Class 7: ride a browser session.
// ---------------------------------------------------------------------------------------------
// (class 7 tests below)

/** `tiphys server` as a real process on a free port, for flags only the command line sets. */
async function startServerProcess(env: Env, args: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'tiphys.mjs');
  const child = spawn(
    process.execPath,
    [
      bin,
      'server',
      '--kubeconfig',
      env.cluster.kubeconfigPath,
      '--port',
      '0',
      '--ui-dir',
      '/nonexistent',
      ...args,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = /serving the API and web UI on (http\S+?)(,|")/.exec(output);
      if (found) resolve(found[1]);
    });
    child.once('exit', (code) => reject(new Error(`tiphys server exited (${code}):\n${output}`)));
  });
  return { url, stop };
}

describe('class 7: a page of another site rides the browser session', () => {
  let env: Env;
  let auth: AuthService;
  let server: FastifyInstance;
  let base: string;
  let password: string;
  /** The admin's browser: session cookie and double-submit cookie, as a login set them. */
  let cookies: Record<string, string>;
  const EVIL = 'https://evil.example';
  const appsPath = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications`;

  const cookieHeader = (names = Object.keys(cookies)) => names.map((n) => `${n}=${cookies[n]}`).join('; ');
  /** Parses Set-Cookie lines into name → {value, attributes}. */
  const setCookies = (response: Response) =>
    Object.fromEntries(
      response.headers.getSetCookie().map((line) => {
        const [pair, ...attributes] = line.split(';').map((p) => p.trim());
        const index = pair.indexOf('=');
        return [pair.slice(0, index), { value: pair.slice(index + 1), attributes }];
      }),
    );
  const browser = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    fetch(`${base}${path}`, { method, headers: { cookie: cookieHeader(), ...headers }, body });

  before(async () => {
    env = await startEnv('tenancy-browser');
    await createApp(env, 'victim', {
      source: { repoURL: 'https://git.example.com/config.git' },
      destination: { namespace: 'victim' },
    });
    ({ server, auth, base } = await startApiServer(env));
    password = await initialAdminPassword(env);
    const login = await fetch(`${base}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ username: 'admin', password }),
    });
    assert.equal(login.status, 200, await login.text());
    cookies = Object.fromEntries(Object.entries(setCookies(login)).map(([name, c]) => [name, c.value]));
    assert.deepEqual(Object.keys(cookies).sort(), ['tiphys.csrf', 'tiphys.token']);
  });

  after(async () => {
    await server?.close();
    auth?.close();
    await env?.stop();
  });

  const planted = {
    metadata: { name: 'planted' },
    spec: { source: { repoURL: 'https://evil.example/x.git' }, destination: { namespace: 'planted' } },
  };

  test('cross-site forms, no-cors posts and foreign-origin writes with the cookie are refused; nothing is written', async () => {
    const attempts: [string, string, Record<string, string>, string | undefined, number][] = [
      // <form method=post enctype=application/x-www-form-urlencoded action=.../applications>
      [
        'POST',
        '/api/v1/applications',
        { 'content-type': 'application/x-www-form-urlencoded', origin: EVIL },
        'metadata=x',
        415,
      ],
      // <form enctype=text/plain> with a JSON-looking body, or fetch(..., {mode: 'no-cors'})
      [
        'POST',
        '/api/v1/applications',
        { 'content-type': 'text/plain', origin: EVIL },
        JSON.stringify(planted),
        415,
      ],
      // A JSON write from the other site (a browser would preflight it; a proxy bug would not).
      [
        'POST',
        '/api/v1/applications',
        { 'content-type': 'application/json', origin: EVIL },
        JSON.stringify(planted),
        403,
      ],
      // No Origin (stripped) and a guessed double-submit token.
      [
        'POST',
        '/api/v1/applications',
        { 'content-type': 'application/json', 'x-tiphys-csrf': 'guess' },
        JSON.stringify(planted),
        403,
      ],
      // A bodiless DELETE as an <img> or navigation cannot make, as a no-cors fetch would.
      ['DELETE', '/api/v1/applications/victim', { origin: EVIL }, undefined, 415],
      [
        'DELETE',
        '/api/v1/applications/victim',
        { 'content-type': 'application/json', origin: 'null' },
        '{}',
        403,
      ],
      ['POST', '/api/v1/account/tokens', { 'content-type': 'application/json', origin: EVIL }, '{}', 403],
      ['DELETE', '/api/v1/session', { 'content-type': 'text/plain', origin: EVIL }, '', 415],
    ];
    for (const [method, path, headers, body, status] of attempts) {
      const response = await browser(method, path, headers, body);
      const text = await response.text();
      assert.equal(response.status, status, `${method} ${path} ${JSON.stringify(headers)}: ${text}`);
      assert.ok(JSON.parse(text).error, 'the refusal says why');
    }
    assert.equal(await readObject(env, `${appsPath}/planted`), undefined, 'no app was created');
    assert.ok(await readObject(env, `${appsPath}/victim`), 'the victim app is still there');
    const tokens = await fetch(`${base}/api/v1/account/tokens`, { headers: { cookie: cookieHeader() } });
    assert.deepEqual(((await tokens.json()) as { items: unknown[] }).items, [], 'no API token was minted');
    const userinfo = await fetch(`${base}/api/v1/session/userinfo`, { headers: { cookie: cookieHeader() } });
    assert.equal(
      ((await userinfo.json()) as { loggedIn: boolean }).loggedIn,
      true,
      'the session was not logged out',
    );
  });

  test("another site's login form cannot log the victim into an account", async () => {
    const response = await fetch(`${base}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: EVIL },
      body: JSON.stringify({ username: 'admin', password }),
    });
    assert.equal(response.status, 403, await response.text());
    assert.deepEqual(response.headers.getSetCookie(), []);
  });

  test("the UI's own writes pass: same origin, or the double-submit token; bearer calls need neither", async () => {
    const json = { 'content-type': 'application/json' };
    const created = await browser(
      'POST',
      '/api/v1/applications',
      { ...json, origin: base },
      JSON.stringify(planted),
    );
    assert.equal(created.status, 201, await created.text());
    const deleted = await browser(
      'DELETE',
      '/api/v1/applications/planted',
      { ...json, 'x-tiphys-csrf': cookies['tiphys.csrf'] },
      '{}',
    );
    assert.equal(deleted.status, 200, await deleted.text());
    const token = (await (
      await fetch(`${base}/api/v1/session`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ username: 'admin', password }),
      })
    ).json()) as { token: string };
    const refresh = await fetch(`${base}/api/v1/applications/victim/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.token}`, origin: EVIL },
    });
    assert.equal(refresh.status, 202, await refresh.text());
  });

  test('no response may be framed or sniffed', async () => {
    for (const path of [
      '/',
      '/api/v1/applications',
      '/api/v1/session/userinfo',
      '/healthz',
      '/api/v1/nothing',
    ]) {
      const response = await fetch(`${base}${path}`, { headers: { cookie: cookieHeader() } });
      await response.arrayBuffer();
      assert.equal(response.headers.get('content-security-policy'), "frame-ancestors 'none'", path);
      assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
    }
    const abort = new AbortController();
    const stream = await fetch(`${base}/api/v1/stream/applications`, {
      headers: { cookie: cookieHeader() },
      signal: abort.signal,
    });
    assert.equal(stream.status, 200);
    assert.equal(stream.headers.get('x-frame-options'), 'DENY', 'the event stream too');
    abort.abort();
  });

  test('cookies are Secure behind a TLS proxy only when `tiphys server --trust-proxy` says there is one', async () => {
    const login = (url: string, headers: Record<string, string>) =>
      fetch(`${url}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ username: 'admin', password }),
      });
    const secure = (response: Response) =>
      Object.values(setCookies(response)).map((c) => c.attributes.includes('Secure'));
    // Without the flag a client's X-Forwarded-Proto is not believed.
    assert.deepEqual(secure(await login(base, { 'x-forwarded-proto': 'https' })), [false, false]);
    const proxied = await startServerProcess(env, ['--trust-proxy']);
    try {
      assert.deepEqual(secure(await login(proxied.url, { 'x-forwarded-proto': 'https' })), [true, true]);
      assert.deepEqual(secure(await login(proxied.url, { 'x-forwarded-proto': 'http' })), [false, false]);
      // Behind the proxy the browser's origin is the proxy's https one.
      const viaProxy = await fetch(`${proxied.url}/api/v1/session`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'cd.example.com',
          origin: 'https://cd.example.com',
        },
        body: JSON.stringify({ username: 'admin', password }),
      });
      assert.equal(viaProxy.status, 200, await viaProxy.text());
    } finally {
      await proxied.stop();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Class 8: guess or flood.
// ---------------------------------------------------------------------------------------------
// (class 8 tests below)
describe('class 8: guess passwords, flood webhooks, keep streams past a revocation', () => {
  let env: Env;
  let auth: AuthService;
  let server: FastifyInstance;
  let base: string;
  let password: string;
  let adminToken: string;
  /** The auth service's clock runs this far ahead: the tests move time instead of waiting. */
  let skewMs = 0;
  const WEBHOOK_SECRET = 'webhook-s3cret';
  const repoURL = 'https://git.example.com/team/config.git';
  const appPath = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications/hooked`;
  const adminSecretPath = `/api/v1/namespaces/${NAMESPACE}/secrets/tiphys-secret`;

  const login = (username: string, pw: string, from: string) =>
    fetch(`${base}/api/v1/session`, {
      method: 'POST',
      // The server trusts its peer as a proxy here, so each request can come from its own address.
      headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
      body: JSON.stringify({ username, password: pw }),
    });
  const statusCounts = (responses: Response[]) => {
    const counts: Record<number, number> = {};
    for (const r of responses) counts[r.status] = (counts[r.status] ?? 0) + 1;
    return counts;
  };

  before(async () => {
    env = await startEnv('tenancy-flood');
    await createApp(env, 'hooked', { source: { repoURL }, destination: { namespace: 'hooked' } });
    ({ server, auth, base } = await startApiServer(env, {
      auth: { now: () => Date.now() + skewMs },
      server: { trustProxy: true, webhookSecrets: { github: WEBHOOK_SECRET }, streamRecheckMs: 500 },
    }));
    password = await initialAdminPassword(env);
    const session = await login('admin', password, '203.0.113.1');
    assert.equal(session.status, 200);
    adminToken = ((await session.json()) as { token: string }).token;
  });

  after(async () => {
    await server?.close();
    auth?.close();
    await env?.stop();
  });

  test('fifty parallel guesses at the admin password: at most five reach the hash; the lock expires', async () => {
    const storedBefore = await readObject(env, adminSecretPath);
    const guesses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => login('admin', `guess-${i}`, `198.51.100.${i + 1}`)),
    );
    const counts = statusCounts(guesses);
    assert.ok((counts[401] ?? 0) >= 1 && (counts[401] ?? 0) <= 5, JSON.stringify(counts));
    assert.equal((counts[401] ?? 0) + (counts[429] ?? 0), 50, JSON.stringify(counts));
    const limited = guesses.find((r) => r.status === 429);
    assert.ok(Number(limited?.headers.get('retry-after')) > 0);
    assert.ok(
      guesses.every((r) => r.headers.getSetCookie().length === 0),
      'no session was issued',
    );
    // Even the right password waits while the name is locked, from any address.
    assert.equal((await login('admin', password, '192.0.2.200')).status, 429);
    assert.equal(
      (await readObject(env, adminSecretPath))?.metadata.resourceVersion,
      storedBefore?.metadata.resourceVersion,
      'the account is untouched',
    );
    // Not locked out for good: once the lock has passed, the admin logs in.
    skewMs += 61_000;
    assert.equal((await login('admin', password, '192.0.2.200')).status, 200);
  });

  test('one address spreading guesses over many names is cut off by address', async () => {
    const guesses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => login(`user-${i}`, 'guess', '203.0.113.66')),
    );
    const counts = statusCounts(guesses);
    assert.ok((counts[401] ?? 0) <= 20, JSON.stringify(counts));
    const byAddress = await guesses.find((r) => r.status === 429)?.json();
    assert.match((byAddress as { error: string }).error, /this client address/);
    assert.equal(
      (await login('admin', password, '203.0.113.67')).status,
      200,
      'other addresses are not affected',
    );
  });

  test('webhooks: unsigned, unknown-provider and replayed pushes refresh nothing; a flood is cut off', async () => {
    const refreshedAt = async () =>
      (await readObject(env, appPath))?.metadata.annotations?.['tiphys.dev/refresh'] as string | undefined;
    const hook = (headers: Record<string, string>, body: string, from = '203.0.113.50') =>
      fetch(`${base}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': from, ...headers },
        body,
      });
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      after: 'c0ffee',
      repository: { clone_url: repoURL },
    });
    const signature = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`;
    const forged: Record<string, string>[] = [
      { 'x-github-event': 'push' },
      { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
      { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': WEBHOOK_SECRET },
      { 'x-gitea-event': 'push' },
    ];
    for (const headers of forged) {
      const refused = await hook(headers, body);
      assert.equal(refused.status, 401, `${JSON.stringify(headers)}: ${await refused.text()}`);
    }
    assert.equal(await refreshedAt(), undefined, 'no refresh was requested');
    const genuine = await hook({ 'x-github-event': 'push', 'x-hub-signature-256': signature }, body);
    assert.deepEqual(await genuine.json(), { refreshed: 1 }, 'a count, not the names of the apps');
    const first = await eventually('the refresh annotation', refreshedAt);
    const replay = await hook(
      { 'x-github-event': 'push', 'x-hub-signature-256': signature },
      body,
      '203.0.113.51',
    );
    assert.equal(replay.status, 409, await replay.text());
    const flood = await Promise.all(
      Array.from({ length: 80 }, () => hook({ 'x-github-event': 'push' }, body, '203.0.113.52')),
    );
    const counts = statusCounts(flood);
    assert.deepEqual(counts, { 401: 60, 429: 20 });
    assert.ok(Number(flood.find((r) => r.status === 429)?.headers.get('retry-after')) > 0);
    assert.equal(await refreshedAt(), first, 'neither the replay nor the flood refreshed anything');
  });

  test('an open stream ends when its token is revoked, expires or logs out; streams are capped per caller', async () => {
    const bearer = { authorization: `Bearer ${adminToken}` };
    const createToken = async (body: object) => {
      const response = await fetch(`${base}/api/v1/account/tokens`, {
        method: 'POST',
        headers: { ...bearer, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 201);
      return (await response.json()) as { id: string; token: string };
    };
    /** Opens a stream and reports when the server ends it. */
    const openStream = async (headers: Record<string, string>) => {
      const abort = new AbortController();
      const response = await fetch(`${base}/api/v1/stream/applications`, { headers, signal: abort.signal });
      let text = '';
      const read = async () => {
        const decoder = new TextDecoder();
        try {
          for await (const chunk of response.body ?? []) text += decoder.decode(chunk);
        } catch {
          // aborted by the test
        }
        return text;
      };
      // A refusal is read whole at once: nothing may be left to reject when the test aborts.
      const ended = response.status === 200 ? read() : Promise.resolve(await response.text());
      return { status: response.status, ended, cancel: () => abort.abort() };
    };

    const revoked = await createToken({ description: 'revoked while streaming' });
    const revokedStream = await openStream({ authorization: `Bearer ${revoked.token}` });
    assert.equal(revokedStream.status, 200);
    const removal = await fetch(`${base}/api/v1/account/tokens/${revoked.id}`, {
      method: 'DELETE',
      headers: bearer,
    });
    assert.equal(removal.status, 200);
    assert.match(await revokedStream.ended, /event: end/);

    const expiring = await createToken({ description: 'expires while streaming', expiresIn: 2 });
    const expiringStream = await openStream({ authorization: `Bearer ${expiring.token}` });
    assert.equal(expiringStream.status, 200);
    assert.match(await expiringStream.ended, /no longer valid/);

    const session = await login('admin', password, '203.0.113.70');
    const cookie = `tiphys.token=${((await session.json()) as { token: string }).token}`;
    const cookieStream = await openStream({ cookie });
    assert.equal(cookieStream.status, 200);
    const logout = await fetch(`${base}/api/v1/session`, {
      method: 'DELETE',
      headers: { cookie, 'content-type': 'application/json', origin: base },
      body: '{}',
    });
    assert.equal(logout.status, 200);
    assert.match(await cookieStream.ended, /event: end/);

    const capped = await createToken({ description: 'many tabs' });
    const streams = [];
    for (let i = 0; i < 10; i++) streams.push(await openStream({ authorization: `Bearer ${capped.token}` }));
    assert.deepEqual(
      streams.map((s) => s.status),
      Array(10).fill(200),
    );
    const eleventh = await openStream({ authorization: `Bearer ${capped.token}` });
    assert.equal(eleventh.status, 429);
    for (const stream of [...streams, eleventh]) stream.cancel();
  });
});

// ---------------------------------------------------------------------------------------------
// Class 9: smaller items (known_hosts, token expiry, scrypt cost, proxy-url, Lease clock).
// ---------------------------------------------------------------------------------------------
// (class 9 tests below)

describe('class 9: SSH host keys per repository; the kubeconfig proxy carries every request', () => {
  let env: Env;
  let controller: Controller;
  let sshd: SshGitServer;
  let proxy: ConnectProxy;
  const ns = 'team-c9';
  const secret = (name: string, labels: Record<string, string>, data: Record<string, string>) =>
    env.rest.request('POST', `/api/v1/namespaces/${NAMESPACE}/secrets`, {
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name, labels }, stringData: data },
    });

  before(async () => {
    env = await startEnv('tenancy-small-items');
    sshd = await startSshGitServer();
    const files = mkdtempSync(join(tmpdir(), 'tiphys-c9-'));
    writeFileSync(join(files, 'cm.yaml'), configMapYaml('over-ssh', { v: '1' }));
    await sshd.createRepo('config', files);
    await sshd.createRepo('unlisted', files);
    rmSync(files, { recursive: true, force: true });
    await repoOfFiles(env.git, 'plain', { 'app/cm.yaml': configMapYaml('through-proxy', { v: '1' }) });
    await env.rest.request('POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    });
    const repository = { 'tiphys.dev/secret-type': 'repository' };
    await secret('repo-ssh', repository, {
      url: sshd.repoUrl('config'),
      sshPrivateKey: sshd.clientKey,
      sshKnownHosts: await sshd.knownHosts(),
    });
    await secret('repo-ssh-unlisted', repository, {
      url: sshd.repoUrl('unlisted'),
      sshPrivateKey: sshd.clientKey,
    });
    const apiserver = new URL(env.cluster.server);
    proxy = await startConnectProxy(PROXIED_HOST, { host: apiserver.hostname, port: Number(apiserver.port) });
    await secret(
      'cluster-proxied',
      { 'tiphys.dev/secret-type': 'cluster' },
      {
        kubeconfig: proxiedKubeconfig(env.cluster, proxy.url),
      },
    );
    await env.rest.request('POST', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/clusters`, {
      body: {
        apiVersion: 'tiphys.dev/v1alpha1',
        kind: 'Cluster',
        metadata: { name: 'proxied' },
        spec: {
          server: `https://${PROXIED_HOST}:${apiserver.port}`,
          credentialsSecret: { name: 'cluster-proxied' },
        },
      },
    });
    controller = startInProcessController(env);
    await controller.start();
  });
  after(async () => {
    await controller?.stop();
    await Promise.all([sshd?.close(), proxy?.close()]);
    await env?.stop();
  });

  test('an SSH repository syncs with its own known_hosts; one whose host key it does not list is refused', async () => {
    for (const [name, repo] of [
      ['c9-ssh', 'config'],
      ['c9-ssh-unlisted', 'unlisted'],
    ]) {
      await createApp(env, name, {
        source: { repoURL: sshd.repoUrl(repo), path: '.' },
        destination: { namespace: ns },
        syncPolicy: { automated: {} },
      });
    }
    await waitForApp(env, 'c9-ssh', syncedAndHealthy, 'synced over SSH');
    await waitForApp(
      env,
      'c9-ssh-unlisted',
      (a) => /the SSH host key of the server is not known/.test(conditionText(a)),
      'refused: host key not known',
    );
  });

  test("a cluster reachable only through its kubeconfig's proxy-url is synced through it", async () => {
    await createApp(env, 'c9-proxied', {
      source: { repoURL: `${env.git.url}/plain.git`, path: 'app' },
      destination: { cluster: 'proxied', namespace: ns },
      syncPolicy: { automated: {} },
    });
    await waitForApp(env, 'c9-proxied', syncedAndHealthy, 'synced through the proxy');
    assert.ok(await readObject(env, `/api/v1/namespaces/${ns}/configmaps/through-proxy`));
    assert.ok(proxy.tunnels.length > 0);
    assert.deepEqual(
      new Set(proxy.tunnels),
      new Set([`${PROXIED_HOST}:${new URL(env.cluster.server).port}`]),
    );
  });
});
