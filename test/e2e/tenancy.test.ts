// Tenancy: an AppProject is a wall. One test per class of attack (issue 7), each acting as a
// tenant on the testbed and asserting that the cluster is untouched and the reason is shown.
// Each class has its own `describe` with its own set-up, so the classes stay independent.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Controller } from '../../src/controller/controller.ts';
import type { KubeObject } from '../../src/core/manifest/object.ts';
import type { Application } from '../../src/core/model/application.ts';
import {
  createApp,
  type Env,
  eventually,
  getApp,
  NAMESPACE,
  patchApp,
  readObject,
  startEnv,
  startInProcessController,
  waitForApp,
} from './support.ts';

// ---------------------------------------------------------------------------------------------
// Class 1: write outside the project.
// ---------------------------------------------------------------------------------------------
// (class 1 tests below)

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

// ---------------------------------------------------------------------------------------------
// Class 4: reach the controller's own disk or network.
// ---------------------------------------------------------------------------------------------
// (class 4 tests below)

// ---------------------------------------------------------------------------------------------
// Class 5: get credentials sent elsewhere.
// ---------------------------------------------------------------------------------------------
// (class 5 tests below)

// ---------------------------------------------------------------------------------------------
// Class 6: stall everyone.
// ---------------------------------------------------------------------------------------------
// (class 6 tests below)

// ---------------------------------------------------------------------------------------------
// Class 7: ride a browser session.
// ---------------------------------------------------------------------------------------------
// (class 7 tests below)

// ---------------------------------------------------------------------------------------------
// Class 8: guess or flood.
// ---------------------------------------------------------------------------------------------
// (class 8 tests below)

// ---------------------------------------------------------------------------------------------
// Class 9: smaller items (known_hosts, token expiry, scrypt cost, proxy-url, Lease clock).
// ---------------------------------------------------------------------------------------------
// (class 9 tests below)
