// What the controller compares and reports, on a real cluster with the controller in-process:
// ignoreDifferences end to end (an ignored field is not drift and is not healed; a changed
// ignoreDifferences is compared afresh; with RespectIgnoreDifferences=true a heal of the same
// object keeps the field another manager set), the revision an OutOfSync app reports, and a cascade
// deletion that waits for an object held by a finalizer of someone else.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Controller } from '../../src/controller/controller.ts';
import type { Application } from '../../src/core/model/application.ts';
import {
  applicationObject,
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

const configMap = (name: string, data: Record<string, string>, finalizers?: string[]) =>
  [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${name}`,
    ...(finalizers ? ['  finalizers:', ...finalizers.map((f) => `    - ${f}`)] : []),
    'data:',
    ...Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`),
    '',
  ].join('\n');

type LiveConfigMap = { data?: Record<string, string>; metadata: { deletionTimestamp?: string } };

describe('comparison and status', () => {
  let env: Env;
  let controller: Controller;
  let repo: string;
  const cm = (namespace: string, name: string) => `/api/v1/namespaces/${namespace}/configmaps/${name}`;
  const live = async (namespace: string, name: string) =>
    (await readObject(env, cm(namespace, name))) as unknown as LiveConfigMap | undefined;
  const editByHand = (namespace: string, name: string, data: Record<string, string>) =>
    env.rest.request('PATCH', cm(namespace, name), {
      body: { data },
      contentType: 'application/merge-patch+json',
    });
  const synced = (a: Application) =>
    a.status?.sync?.status === 'Synced' && (a.status.resources ?? []).every((r) => r.status === 'Synced');

  before(async () => {
    env = await startEnv('comparison');
    repo = (await env.git.createRepo('compare')).url;
    await env.git.commitFiles(
      'compare',
      {
        'ignored/tuned.yaml': configMap('tuned', { tuned: '1', fixed: 'a' }),
        'ignored/sentinel.yaml': configMap('sentinel', { value: 'git' }),
        'manual/settings.yaml': configMap('settings', { version: '1' }),
        'respect/scaled.yaml': configMap('scaled', { replicas: '1', fixed: 'a' }),
        'held/held.yaml': configMap('held', { v: '1' }, ['test.tiphys.dev/hold']),
        'held/free.yaml': configMap('free', { v: '1' }),
      },
      'the apps of the comparison tests',
    );
    controller = startInProcessController(env);
    await controller.start();
  });
  after(async () => {
    await controller?.stop();
    await env?.stop();
  });

  test('a field in ignoreDifferences is not drift and is not healed; removing the entry compares it again', async () => {
    await createApp(env, 'ignored', {
      source: { repoURL: repo, path: 'ignored' },
      destination: { namespace: 'ignored' },
      ignoreDifferences: [{ kind: 'ConfigMap', name: 'tuned', jsonPointers: ['/data/tuned'] }],
      // Only what is out of sync is applied: a heal of the sentinel does not rewrite `tuned`
      // whole, so what the field shows afterwards is what the comparison decided about it.
      syncPolicy: {
        automated: { selfHeal: true },
        syncOptions: ['CreateNamespace=true', 'ApplyOutOfSyncOnly=true'],
      },
    });
    await waitForApp(env, 'ignored', synced, 'Synced');
    await editByHand('ignored', 'tuned', { tuned: '5' });
    // A drift of another object of the same watch, made after: once it is healed the controller
    // has seen (and compared) the edit of `tuned` too.
    await editByHand('ignored', 'sentinel', { value: 'by hand' });
    await eventually(
      'the sentinel healed',
      async () => (await live('ignored', 'sentinel'))?.data?.value === 'git',
    );
    const app = await waitForApp(
      env,
      'ignored',
      (a) => synced(a) && a.status?.operationState?.phase === 'Succeeded',
      'Synced after the heal',
    );
    assert.equal(
      app.status?.resources?.find((r) => r.name === 'tuned')?.status,
      'Synced',
      'the ignored field is not drift',
    );
    assert.equal((await live('ignored', 'tuned'))?.data?.tuned, '5', 'the ignored field is not healed');

    // Without the entry the same live object differs from Git: compared afresh and healed.
    await patchApp(env, 'ignored', { spec: { ignoreDifferences: null } });
    await eventually('tuned healed once no longer ignored', async () =>
      (await live('ignored', 'tuned'))?.data?.tuned === '1' ? true : undefined,
    );
  });

  test('RespectIgnoreDifferences: a heal of the object keeps the field another manager owns; without it the field is reset', async () => {
    // Two apps render the same object into two namespaces; only the option differs. Neither
    // applies only what is out of sync: the heal re-applies the object that drifted, whole.
    const appFor = (name: string, respect: boolean) =>
      createApp(env, name, {
        source: { repoURL: repo, path: 'respect' },
        destination: { namespace: name },
        ignoreDifferences: [{ kind: 'ConfigMap', name: 'scaled', managedFieldsManagers: ['autoscaler'] }],
        syncPolicy: {
          automated: { selfHeal: true },
          syncOptions: ['CreateNamespace=true', ...(respect ? ['RespectIgnoreDifferences=true'] : [])],
        },
      });
    await appFor('respect-on', true);
    await appFor('respect-off', false);
    for (const name of ['respect-on', 'respect-off']) {
      await waitForApp(env, name, synced, 'Synced');
      // Another manager (an autoscaler, as an HPA scales a Deployment) sets the field it owns...
      await env.rest.request('PATCH', cm(name, 'scaled'), {
        body: { data: { replicas: '5' } },
        contentType: 'application/merge-patch+json',
        query: { fieldManager: 'autoscaler' },
      });
      // ...then a person edits another field of the same object: that is drift, and healed.
      await editByHand(name, 'scaled', { fixed: 'by hand' });
    }
    for (const name of ['respect-on', 'respect-off']) {
      await eventually(`${name}: the hand edit healed`, async () =>
        (await live(name, 'scaled'))?.data?.fixed === 'a' ? true : undefined,
      );
      await waitForApp(
        env,
        name,
        (a) => synced(a) && a.status?.operationState?.phase === 'Succeeded',
        'Synced',
      );
    }
    assert.equal((await live('respect-on', 'scaled'))?.data?.replicas, '5', "kept at the manager's value");
    assert.equal((await live('respect-off', 'scaled'))?.data?.replicas, '1', "reset to Git's value");
  });

  test('an OutOfSync app reports the revision it last synced, not the new target', async () => {
    await createApp(env, 'manual', {
      source: { repoURL: repo, path: 'manual' },
      destination: { namespace: 'manual' },
      syncPolicy: { automated: {}, syncOptions: ['CreateNamespace=true'] },
    });
    const first = await waitForApp(env, 'manual', synced, 'Synced');
    const syncedRevision = first.status?.sync?.revision ?? '';
    assert.match(syncedRevision, /^[0-9a-f]{40}$/);
    // Manual from here: the new commit is seen, not synced. (A merge patch keeps what it does
    // not name, so automated is removed with null.)
    await patchApp(env, 'manual', { spec: { syncPolicy: { automated: null } } });
    const next = await env.git.commitFiles(
      'compare',
      { 'manual/settings.yaml': configMap('settings', { version: '2' }) },
      'settings v2',
    );
    assert.notEqual(next, syncedRevision);
    const outOfSync = await eventually('manual: OutOfSync at the new commit', async () => {
      controller.refresh('manual');
      const app = await getApp(env, 'manual');
      return app.status?.sync?.status === 'OutOfSync' ? app : undefined;
    });
    assert.equal(outOfSync.status?.sync?.revision, syncedRevision, 'the revision the cluster reflects');
    assert.equal((await live('manual', 'settings'))?.data?.version, '1');
  });

  test('a cascade deletion waits for an object someone else holds, and ends when it is released', async () => {
    await env.rest.request('POST', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications`, {
      body: {
        ...applicationObject('held', {
          source: { repoURL: repo, path: 'held' },
          destination: { namespace: 'held' },
          syncPolicy: { automated: {}, syncOptions: ['CreateNamespace=true'] },
        }),
        metadata: { name: 'held', namespace: NAMESPACE, finalizers: ['resources-finalizer.tiphys.dev'] },
      },
    });
    await waitForApp(env, 'held', synced, 'Synced');
    await env.rest.request('DELETE', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications/held`);
    await eventually('free deleted, held terminating', async () => {
      const held = await live('held', 'held');
      return (await live('held', 'free')) === undefined && held?.metadata.deletionTimestamp
        ? true
        : undefined;
    });
    const waiting = await getApp(env, 'held');
    assert.ok(waiting.metadata.finalizers?.includes('resources-finalizer.tiphys.dev'), 'the app waits');
    await env.rest.request('PATCH', cm('held', 'held'), {
      body: { metadata: { finalizers: null } },
      contentType: 'application/merge-patch+json',
    });
    await eventually('the Application gone once its last object is', async () => {
      try {
        await getApp(env, 'held');
        return undefined;
      } catch (error) {
        return (error as { status?: number }).status === 404;
      }
    });
    assert.equal(await live('held', 'held'), undefined);
  });
});
