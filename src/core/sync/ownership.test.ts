// The rules of ownership: what a sync may delete, replace or adopt, and what it says when it
// may not. Each test states an attack (a hook named like someone's object, a Replace over
// another app's object, a prune of a shared object) and what must happen instead.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSyncOptions } from './options.ts';
import { decideDeletion, refusalOf } from './ownership.ts';
import { planSync } from './plan.ts';
import type { SyncOperationState } from './state.ts';
import { desiredOf, FakeCluster, keyOfSpec, liveOf, runToEnd, type Spec } from './test-harness.ts';
import type { Ownership, SyncInput, SyncPlan } from './types.ts';

const APP = 'shop';

function planOf(desired: Spec[], extra: Partial<SyncInput> = {}): SyncPlan {
  const result = planSync({
    operationId: 'op-1',
    appName: APP,
    desired: desired.map(desiredOf),
    live: [],
    ...extra,
  });
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.plan;
}

function refusals(plan: SyncPlan): Record<string, string> {
  return Object.fromEntries(plan.tasks.filter((t) => t.refusal).map((t) => [t.id, t.refusal ?? '']));
}

function statuses(state: SyncOperationState): Record<string, string> {
  return Object.fromEntries(state.tasks.map((t) => [t.id, t.status]));
}

const other: Ownership = {
  state: 'other-app',
  app: 'billing',
  trackingId: 'billing:/ConfigMap:app/settings',
};
const nobody: Ownership = { state: 'unowned', reason: 'none' };
const own: Ownership = { state: 'own', trackingId: 'shop:/ConfigMap:app/settings' };

const settings: Spec = { kind: 'ConfigMap', name: 'settings' };
const web: Spec = { kind: 'Deployment', name: 'web' };
const webLater: Spec = { kind: 'Deployment', name: 'web', wave: 1 };
const migrate: Spec = { kind: 'Job', name: 'settings', hook: ['PreSync'] };
const notify: Spec = { kind: 'Job', name: 'notify', hook: ['SyncFail'], deletePolicies: ['HookSucceeded'] };

test('ownership: a refusal names the object, its owner or why it has none, and the act', () => {
  const ref = { kind: 'ConfigMap', namespace: 'team-a', name: 'x' };
  assert.equal(
    refusalOf(
      'delete',
      { state: 'other-app', app: 'other', trackingId: 'other:/ConfigMap:team-a/x' },
      ref,
      APP,
    ),
    'ConfigMap team-a/x is managed by application other (tracking id other:/ConfigMap:team-a/x); not deleting it',
  );
  assert.equal(
    refusalOf('replace', nobody, ref, APP),
    'ConfigMap team-a/x is not managed by application shop (it has no tracking id); not replacing it',
  );
  assert.equal(
    refusalOf(
      'adopt',
      { state: 'unowned', reason: 'other-object', trackingId: 'shop:apps/Deployment:team-a/x' },
      ref,
      APP,
    ),
    'ConfigMap team-a/x is not managed by application shop (its tracking id shop:apps/Deployment:team-a/x names another object); not adopting it as a hook',
  );
  assert.equal(
    refusalOf(
      'delete',
      { state: 'unowned', reason: 'malformed', trackingId: 'shop' },
      { kind: 'ClusterRole', name: 'view' },
      APP,
    ),
    'ClusterRole view is not managed by application shop (its tracking id shop is malformed); not deleting it',
  );
  assert.equal(refusalOf('delete', own, ref, APP), undefined);
  assert.equal(refusalOf('delete', { state: 'absent' }, ref, APP), undefined);
});

test('ownership: a named hook with BeforeHookCreation never deletes an object that is not its own', () => {
  for (const owner of [nobody, other]) {
    const plan = planOf([migrate, web], { owners: { [keyOfSpec(migrate)]: owner } });
    assert.deepEqual(Object.keys(refusals(plan)), [
      'PreSync/delete-hook-before-creation/batch/Job/app/settings',
    ]);
    assert.match(
      Object.values(refusals(plan))[0],
      /^Job app\/settings is (not managed by application shop|managed by application billing).*; not deleting it$/,
    );
  }
  for (const owner of [own, undefined]) {
    const owners = owner ? { [keyOfSpec(migrate)]: owner } : {};
    assert.deepEqual(refusals(planOf([migrate, web], { owners })), {}, owner?.state ?? 'absent');
  }
});

test('ownership: a named hook that keeps its runs never adopts an object that is not its own', () => {
  const kept: Spec = { ...migrate, deletePolicies: ['HookSucceeded'] };
  const plan = planOf([kept], { owners: { [keyOfSpec(kept)]: other } });
  assert.deepEqual(refusals(plan), {
    'PreSync/hook/batch/Job/app/settings':
      'Job app/settings is managed by application billing (tracking id billing:/ConfigMap:app/settings); not adopting it as a hook',
  });
  assert.deepEqual(refusals(planOf([kept], { owners: { [keyOfSpec(kept)]: own } })), {});
});

test('ownership: Replace=true and Validate=false replace only their own objects or create new ones', () => {
  for (const option of ['Replace=true', 'Validate=false']) {
    const replaced: Spec = { ...settings, syncOptions: [option] };
    const key = keyOfSpec(replaced);
    for (const owner of [other, nobody]) {
      const refused = refusals(planOf([replaced], { owners: { [key]: owner } }));
      assert.match(refused[`Sync/apply/${key}`], /; not replacing it$/, `${option} ${owner.state}`);
    }
    assert.deepEqual(refusals(planOf([replaced], { owners: { [key]: own } })), {});
    assert.deepEqual(refusals(planOf([replaced])), {}, 'an absent object is created');
  }
});

test('ownership: an ordinary apply adopts what nobody owns and shares what another app owns', () => {
  const key = keyOfSpec(settings);
  for (const owner of [nobody, other]) {
    assert.deepEqual(refusals(planOf([settings], { owners: { [key]: owner } })), {}, owner.state);
  }
});

test('ownership: FailOnSharedResource=true refuses objects another app owns or renders', () => {
  const key = keyOfSpec(settings);
  const options = parseSyncOptions(['FailOnSharedResource=true']).options;
  assert.deepEqual(options, { failOnSharedResource: true });
  assert.deepEqual(refusals(planOf([settings], { options, owners: { [key]: other } })), {
    [`Sync/apply/${key}`]:
      'ConfigMap app/settings is managed by application billing (tracking id billing:/ConfigMap:app/settings); not applying it (FailOnSharedResource=true)',
  });
  assert.deepEqual(
    refusals(planOf([settings], { options, owners: { [key]: own }, sharedWith: { [key]: ['billing'] } })),
    {
      [`Sync/apply/${key}`]:
        'ConfigMap app/settings is also rendered by application billing; not applying it (FailOnSharedResource=true)',
    },
  );
  assert.deepEqual(refusals(planOf([settings], { options, owners: { [key]: nobody } })), {}, 'adopted');
  assert.deepEqual(refusals(planOf([settings], { owners: { [key]: other } })), {}, 'only with the option');
});

test('ownership: a tracked object another app renders too is kept, not pruned', () => {
  const old: Spec = { kind: 'ConfigMap', name: 'old' };
  const plan = planOf([web], {
    prune: true,
    live: [liveOf(old)],
    sharedWith: { [keyOfSpec(old)]: ['billing'] },
  });
  assert.deepEqual(
    plan.tasks.map((t) => t.type),
    ['apply'],
  );
  assert.deepEqual(plan.skipped, [
    { key: keyOfSpec(old), reason: 'SharedResource', message: 'kept: application billing renders it too' },
  ]);
});

test('ownership: a refused task fails the sync before anything changes, the namespace included', () => {
  const cluster = new FakeCluster({}, [keyOfSpec(migrate)]);
  const plan = planOf([migrate, web, notify], {
    owners: { [keyOfSpec(migrate)]: nobody },
    options: { createNamespace: true },
    destinationNamespace: { name: 'app', exists: false },
  });
  const { state } = runToEnd(plan, cluster);
  assert.deepEqual(cluster.log, []);
  assert.ok(cluster.objects.has(keyOfSpec(migrate)));
  assert.equal(state.phase, 'Failed');
  assert.equal(
    state.message,
    'sync refused: Job app/settings is not managed by application shop (it has no tracking id); not deleting it',
  );
  assert.equal(statuses(state)['PreSync/delete-hook-before-creation/batch/Job/app/settings'], 'Failed');
  assert.equal(statuses(state)['SyncFail/hook/batch/Job/app/notify'], 'Skipped');
});

test('ownership: a dry-run operation is refused the same way', () => {
  const plan = planOf([migrate], { dryRun: true, owners: { [keyOfSpec(migrate)]: other } });
  const { state } = runToEnd(plan, new FakeCluster());
  assert.equal(state.phase, 'Failed');
  assert.match(state.message, /^sync refused: Job app\/settings is managed by application billing/);
});

test('ownership: a refusal that appears mid-operation fails its task when its turn comes', () => {
  const replaced: Spec = { ...webLater, syncOptions: ['Replace=true'] };
  const cluster = new FakeCluster({ health: { [keyOfSpec(settings)]: 'Progressing' } });
  const first = runToEnd(planOf([settings, replaced, notify]), cluster);
  assert.deepEqual(first.waitingFor, [`waiting for healthy state of ${keyOfSpec(settings)}`]);

  // Meanwhile another app applied the Deployment: the re-planned operation must not replace it.
  cluster.objects.set(keyOfSpec(settings), {
    ...cluster.objects.get(keyOfSpec(settings)),
    health: 'Healthy',
  });
  const before = cluster.log.length;
  const replanned = planOf([settings, replaced, notify], { owners: { [keyOfSpec(replaced)]: other } });
  const { state } = runToEnd(replanned, cluster, first.state);
  assert.deepEqual(cluster.log.slice(before), [
    `create ${keyOfSpec(notify)}`,
    `cleanup delete ${keyOfSpec(notify)}`,
  ]);
  assert.equal(state.phase, 'Failed');
  assert.match(
    state.message,
    /apps\/Deployment\/app\/web: Deployment app\/web is managed by application billing .*not replacing it/,
  );
  assert.equal(statuses(state)[`Sync/apply/${keyOfSpec(replaced)}`], 'Failed');
});

test('ownership: a deletion goes ahead only for the own object, pinned to what was read', () => {
  const ref = { kind: 'ConfigMap', namespace: 'app', name: 'old' };
  const live = { uid: 'u1', resourceVersion: '7' };
  assert.deepEqual(decideDeletion(own, live, ref, APP), {
    action: 'delete',
    preconditions: { uid: 'u1', resourceVersion: '7' },
  });
  assert.deepEqual(decideDeletion({ state: 'absent' }, undefined, ref, APP), { action: 'done' });
  assert.deepEqual(decideDeletion(other, live, ref, APP), {
    action: 'refuse',
    message:
      'ConfigMap app/old is managed by application billing (tracking id billing:/ConfigMap:app/settings); not deleting it',
  });
  assert.equal(decideDeletion(nobody, live, ref, APP).action, 'refuse');
  // A hook deleted by its policy: another object under its name is not the one it created.
  assert.deepEqual(decideDeletion(own, live, ref, APP, 'u0'), { action: 'done' });
  assert.equal(decideDeletion(own, live, ref, APP, 'u1').action, 'delete');
});
