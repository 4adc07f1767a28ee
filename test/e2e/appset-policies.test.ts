// What an ApplicationSet may do to the apps it generated, on the testbed (a real kube-apiserver,
// a real Git server, the controller in-process): for each `applicationsSync` policy, one change of
// the generator (element b removed, element c added, the template's path moved from v1 to v2) and
// what happens to the generated Applications and to the ConfigMap each one deployed; with and
// without `preserveResourcesOnDeletion`; and a broken generator file that must keep the last good
// apps. Each case waits for the set's status to report the changed spec's generation before it
// asserts that something did not happen.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Controller } from '../../src/controller/controller.ts';
import type { Application } from '../../src/core/model/application.ts';
import type { ApplicationSet } from '../../src/core/model/application-set.ts';
import { appsOfSet, conditionOf, createSet, patchSet, waitForSet } from './fleet-support.ts';
import {
  type Env,
  eventually,
  getApp,
  NAMESPACE,
  readObject,
  startEnv,
  startInProcessController,
  syncedAndHealthy,
  waitForApp,
  writeFolder,
} from './support.ts';

const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';
const CASCADE_FINALIZER = 'resources-finalizer.tiphys.dev';

const configMap = (version: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  version: "${version}"\n`;

describe('ApplicationSet policies and preserveResourcesOnDeletion', () => {
  let env: Env;
  let controller: Controller;
  let repo: string;
  before(async () => {
    env = await startEnv('appset-policies');
    const files = writeFolder({
      'v1/cm.yaml': configMap('1'),
      'v2/cm.yaml': configMap('2'),
      'envs/a.yaml': 'name: a\n',
      'envs/b.yaml': 'name: b\n',
    });
    repo = (await env.git.createRepo('policies', files)).url;
    controller = startInProcessController(env);
    await controller.start();
  });
  after(async () => {
    await controller?.stop();
    await env?.stop();
  });

  /** The set's spec: one app per element, named and deployed into the namespace `<set>-<element>`. */
  function setSpec(set: string, elements: string[], syncPolicy?: Record<string, unknown>) {
    return {
      generators: [{ list: { elements: elements.map((name) => ({ name })) } }],
      template: {
        metadata: { name: `${set}-{{name}}` },
        spec: {
          project: 'default',
          source: { repoURL: repo, targetRevision: 'HEAD', path: 'v1' },
          destination: { server: IN_CLUSTER_SERVER, namespace: `${set}-{{name}}` },
          syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
        },
      },
      ...(syncPolicy ? { syncPolicy } : {}),
    };
  }

  /** The ConfigMap app `app` deployed (its namespace has the app's name), or undefined. */
  const deployed = (app: string) => readObject(env, `/api/v1/namespaces/${app}/configmaps/cfg`);
  const versionOf = async (app: string) =>
    ((await deployed(app)) as { data?: { version?: string } } | undefined)?.data?.version;

  async function appOrUndefined(name: string): Promise<Application | undefined> {
    return (await readObject(
      env,
      `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications/${name}`,
    )) as Application | undefined;
  }

  /** Creates the set with elements a and b and waits until both apps deployed v1. */
  async function startSet(set: string, syncPolicy?: Record<string, unknown>): Promise<void> {
    await createSet(env, set, setSpec(set, ['a', 'b'], syncPolicy));
    for (const element of ['a', 'b']) {
      await waitForApp(env, `${set}-${element}`, syncedAndHealthy, 'v1 deployed', 90_000);
      assert.equal(await versionOf(`${set}-${element}`), '1');
    }
  }

  /**
   * Removes element b, adds c and moves the template to v2; returns the set once its status
   * reports that generation (every write it made for it is done by then).
   */
  async function changeGenerator(set: string): Promise<ApplicationSet> {
    const patched = await patchSet(env, set, {
      spec: {
        generators: [{ list: { elements: [{ name: 'a' }, { name: 'c' }] } }],
        template: { spec: { source: { path: 'v2' } } },
      },
    });
    const generation = patched.metadata.generation;
    assert.ok(generation !== undefined && generation > 1);
    const done = await waitForSet(
      env,
      set,
      (s) => s.status?.observedGeneration === generation,
      `generation ${generation} acted on`,
    );
    assert.deepEqual(done.status?.conditions ?? [], [], 'no generation or write error');
    return done;
  }

  async function assertCreatedOnV2(set: string): Promise<void> {
    const created = await getApp(env, `${set}-c`);
    assert.equal(created.spec.source?.path, 'v2', 'a new element gets the new template');
    await waitForApp(env, `${set}-c`, syncedAndHealthy, 'the new element deployed', 90_000);
    assert.equal(await versionOf(`${set}-c`), '2');
  }

  async function assertNotUpdated(set: string): Promise<void> {
    const kept = await getApp(env, `${set}-a`);
    assert.equal(kept.spec.source?.path, 'v1', 'the existing app keeps its spec');
    assert.equal(await versionOf(`${set}-a`), '1', 'and what it deployed');
  }

  async function assertUpdated(set: string): Promise<void> {
    const updated = await getApp(env, `${set}-a`);
    assert.equal(updated.spec.source?.path, 'v2', 'the existing app follows the template');
    await eventually(`${set}-a to deploy v2`, async () => (await versionOf(`${set}-a`)) === '2', 90_000);
  }

  async function assertNotDeleted(set: string): Promise<void> {
    const kept = await appOrUndefined(`${set}-b`);
    assert.ok(kept, 'the removed element keeps its app');
    assert.equal(
      (kept.metadata as { deletionTimestamp?: string }).deletionTimestamp,
      undefined,
      'not being deleted either',
    );
    assert.equal(await versionOf(`${set}-b`), '1', 'its objects stay');
    assert.deepEqual(await appsOfSet(env, set), [`${set}-a`, `${set}-b`, `${set}-c`]);
  }

  /** Waits for the removed element's app to go; returns whether its ConfigMap is still there. */
  async function removedAppGone(set: string): Promise<boolean> {
    await eventually(
      `${set}-b to be deleted`,
      async () => (await appOrUndefined(`${set}-b`)) === undefined,
      90_000,
    );
    assert.deepEqual(await appsOfSet(env, set), [`${set}-a`, `${set}-c`]);
    return (await deployed(`${set}-b`)) !== undefined;
  }

  test('create-only creates the new element and neither updates nor deletes', async () => {
    await startSet('only', { applicationsSync: 'create-only' });
    await changeGenerator('only');
    await assertCreatedOnV2('only');
    await assertNotUpdated('only');
    await assertNotDeleted('only');
  });

  test('create-update creates and updates, and never deletes', async () => {
    await startSet('upd', { applicationsSync: 'create-update' });
    await changeGenerator('upd');
    await assertCreatedOnV2('upd');
    await assertUpdated('upd');
    await assertNotDeleted('upd');
  });

  test('create-delete creates and deletes (with the deployed objects), and never updates', async () => {
    await startSet('del', { applicationsSync: 'create-delete' });
    await changeGenerator('del');
    await assertCreatedOnV2('del');
    await assertNotUpdated('del');
    assert.equal(await removedAppGone('del'), false, "the deleted app's ConfigMap is deleted with it");
  });

  test('sync (the default) creates, updates and deletes; a deleted app takes its objects with it', async () => {
    await startSet('sync');
    const app = await getApp(env, 'sync-a');
    assert.ok(app.metadata.finalizers?.includes(CASCADE_FINALIZER), 'generated apps cascade by default');
    await changeGenerator('sync');
    await assertCreatedOnV2('sync');
    await assertUpdated('sync');
    assert.equal(await removedAppGone('sync'), false, "the deleted app's ConfigMap is deleted with it");
  });

  test('preserveResourcesOnDeletion: the deleted app goes, its objects stay and no app claims them', async () => {
    await startSet('keep', { applicationsSync: 'sync', preserveResourcesOnDeletion: true });
    const app = await getApp(env, 'keep-b');
    assert.equal(app.metadata.finalizers?.includes(CASCADE_FINALIZER) ?? false, false);
    await changeGenerator('keep');
    await assertCreatedOnV2('keep');
    await assertUpdated('keep');
    assert.equal(await removedAppGone('keep'), true, "the deleted app's ConfigMap stays");
    assert.equal(await versionOf('keep-b'), '1', 'unchanged');
    const apps = await env.rest.request<{ items: Application[] }>(
      'GET',
      `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications`,
    );
    const claimants = apps.items.filter((a) =>
      (a.status?.resources ?? []).some((r) => r.namespace === 'keep-b' && r.name === 'cfg'),
    );
    assert.deepEqual(
      claimants.map((a) => a.metadata.name),
      [],
      'no remaining app lists the ConfigMap',
    );
  });

  test('a broken generator file keeps the last good apps and says which file; the fix applies', async () => {
    await createSet(env, 'files', {
      generators: [{ git: { repoURL: repo, files: [{ path: 'envs/*.yaml' }] } }],
      template: {
        metadata: { name: 'files-{{name}}' },
        spec: {
          source: { repoURL: repo, path: 'v1' },
          destination: { server: IN_CLUSTER_SERVER, namespace: 'files-{{name}}' },
        },
      },
    });
    await waitForSet(env, 'files', (s) => (s.status?.applicationStatus?.length ?? 0) === 2, 'two apps');
    assert.deepEqual(await appsOfSet(env, 'files'), ['files-a', 'files-b']);
    await env.git.commitFiles('policies', { 'envs/b.yaml': 'name: [unclosed\n' }, 'break b');
    controller.appSets.refresh('files');
    const failed = await waitForSet(
      env,
      'files',
      (s) => conditionOf(s, 'GeneratorError') !== undefined,
      'the generator error',
    );
    const message = conditionOf(failed, 'GeneratorError')?.message ?? '';
    assert.match(message, /envs\/b\.yaml/, 'the condition names the file');
    assert.match(message, /kept as they are/);
    assert.deepEqual(await appsOfSet(env, 'files'), ['files-a', 'files-b'], 'no app deleted');
    for (const name of ['files-a', 'files-b']) {
      const app = await getApp(env, name);
      assert.equal((app.metadata as { deletionTimestamp?: string }).deletionTimestamp, undefined);
    }
    // Fixed by removing the file: b's app now goes (so the check above could fail).
    await env.git.commitFiles('policies', { 'envs/b.yaml': null }, 'retire b');
    controller.appSets.refresh('files');
    await waitForSet(
      env,
      'files',
      (s) =>
        conditionOf(s, 'GeneratorError') === undefined && (s.status?.applicationStatus?.length ?? 0) === 1,
      'the error gone and one app generated',
    );
    await eventually('files-b to be deleted', async () => (await appOrUndefined('files-b')) === undefined);
    assert.deepEqual(await appsOfSet(env, 'files'), ['files-a']);
  });
});
