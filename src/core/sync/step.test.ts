import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planSync } from './plan.ts';
import { initialState, requestTermination, type SyncOperationState } from './state.ts';
import { nextStep } from './step.ts';
import { desiredOf, FakeCluster, keyOfSpec, liveOf, runToEnd, type Spec } from './test-harness.ts';
import type { HookDeletePolicy, SyncInput, SyncPlan } from './types.ts';

function planOf(desired: Spec[], extra: Partial<SyncInput> = {}): SyncPlan {
  const result = planSync({ operationId: 'op-1', desired: desired.map(desiredOf), live: [], ...extra });
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.plan;
}

function statuses(state: SyncOperationState): Record<string, string> {
  return Object.fromEntries(state.tasks.map((t) => [t.id, t.status]));
}

const web: Spec = { kind: 'Deployment', name: 'web' };
const config: Spec = { kind: 'ConfigMap', name: 'config' };
const db: Spec = { kind: 'Deployment', name: 'db', wave: 0 };
const webLater: Spec = { kind: 'Deployment', name: 'web', wave: 1 };
const hook = (
  name: string,
  phase: 'PreSync' | 'PostSync' | 'SyncFail',
  policies?: HookDeletePolicy[],
): Spec => ({
  kind: 'Job',
  name,
  hook: [phase],
  ...(policies ? { deletePolicies: policies } : {}),
});

test('step: a plain sync dry-runs everything, applies it, and does not wait on the last wave', () => {
  const cluster = new FakeCluster({ health: { [keyOfSpec(web)]: 'Progressing' } });
  const { state } = runToEnd(planOf([web, config]), cluster);
  assert.deepEqual(cluster.log, [
    'validate apply /ConfigMap/app/config',
    'validate apply apps/Deployment/app/web',
    'apply /ConfigMap/app/config',
    'apply apps/Deployment/app/web',
  ]);
  assert.equal(state.phase, 'Succeeded');
  assert.equal(state.stage, 'Done');
  assert.deepEqual(Object.values(statuses(state)), ['Succeeded', 'Succeeded']);
});

test('step: a wave starts only when the previous one is healthy', () => {
  const cluster = new FakeCluster({ health: { [keyOfSpec(db)]: 'Progressing' } });
  const plan = planOf([webLater, db]);
  const waiting = runToEnd(plan, cluster);
  assert.equal(waiting.state.phase, 'Running');
  assert.deepEqual(waiting.waitingFor, ['waiting for healthy state of apps/Deployment/app/db']);
  assert.ok(!cluster.log.includes('apply apps/Deployment/app/web'));

  cluster.objects.set(keyOfSpec(db), { ...cluster.objects.get(keyOfSpec(db)), health: 'Healthy' });
  const { state } = runToEnd(plan, cluster, waiting.state);
  assert.equal(cluster.log.at(-1), 'apply apps/Deployment/app/web');
  assert.equal(state.phase, 'Succeeded');
});

test('step: a degraded object fails its wave; later waves never run, SyncFail hooks do', () => {
  const cluster = new FakeCluster({ health: { [keyOfSpec(db)]: 'Degraded' } });
  const { state } = runToEnd(planOf([webLater, db, hook('notify', 'SyncFail', ['HookSucceeded'])]), cluster);
  assert.deepEqual(cluster.log, [
    'validate apply apps/Deployment/app/db',
    'validate apply apps/Deployment/app/web',
    'apply apps/Deployment/app/db',
    'create batch/Job/app/notify',
    'cleanup delete batch/Job/app/notify',
  ]);
  assert.equal(state.phase, 'Failed');
  assert.match(state.message, /apps\/Deployment\/app\/db: degraded/);
  assert.equal(statuses(state)['Sync/apply/apps/Deployment/app/web'], 'Skipped');
});

test('step: a failing PreSync hook runs the SyncFail hooks and applies nothing of Sync', () => {
  const cluster = new FakeCluster({ hooks: { 'batch/Job/app/migrate': 'Failed' } });
  const plan = planOf([
    web,
    hook('migrate', 'PreSync', ['HookFailed']),
    hook('notify', 'SyncFail', ['HookSucceeded']),
  ]);
  const { state } = runToEnd(plan, cluster);
  assert.deepEqual(cluster.log, [
    'validate create batch/Job/app/migrate',
    'validate apply apps/Deployment/app/web',
    'create batch/Job/app/migrate',
    'create batch/Job/app/notify',
    'cleanup delete batch/Job/app/migrate',
    'cleanup delete batch/Job/app/notify',
  ]);
  assert.equal(state.phase, 'Failed');
  assert.match(state.message, /batch\/Job\/app\/migrate: hook failed/);
  assert.deepEqual(statuses(state), {
    'PreSync/hook/batch/Job/app/migrate': 'Failed',
    'Sync/apply/apps/Deployment/app/web': 'Skipped',
    'SyncFail/hook/batch/Job/app/notify': 'Succeeded',
  });
});

test('step: a failing SyncFail hook is reported with the original failure', () => {
  const cluster = new FakeCluster({ failRun: [keyOfSpec(web)], hooks: { 'batch/Job/app/notify': 'Failed' } });
  const { state } = runToEnd(planOf([web, hook('notify', 'SyncFail', ['HookSucceeded'])]), cluster);
  assert.equal(state.phase, 'Failed');
  assert.match(
    state.message,
    /web: rejected by the API server; SyncFail hooks failed: batch\/Job\/app\/notify/,
  );
});

test('step: a failed dry run changes nothing and runs no hook', () => {
  const cluster = new FakeCluster({ failValidate: [keyOfSpec(config)] });
  const { state } = runToEnd(planOf([web, config, hook('notify', 'SyncFail')]), cluster);
  assert.deepEqual(cluster.log, [
    'validate apply /ConfigMap/app/config',
    'validate apply apps/Deployment/app/web',
  ]);
  assert.equal(state.phase, 'Failed');
  assert.match(state.message, /failed to apply \(dry run\).*config: dry run failed: rejected/);
  assert.equal(cluster.objects.size, 0);
});

test('step: a dry-run operation only dry-runs, hooks and prunes included, and succeeds', () => {
  const old: Spec = { kind: 'ConfigMap', name: 'old' };
  const cluster = new FakeCluster({}, [keyOfSpec(old)]);
  const plan = planOf([web, hook('migrate', 'PreSync')], { dryRun: true, prune: true, live: [liveOf(old)] });
  const { state } = runToEnd(plan, cluster);
  assert.deepEqual(cluster.log, [
    'validate create batch/Job/app/migrate',
    'validate delete /ConfigMap/app/old',
    'validate apply apps/Deployment/app/web',
  ]);
  assert.deepEqual([...cluster.objects.keys()], [keyOfSpec(old)]);
  assert.equal(state.phase, 'Succeeded');
  assert.equal(state.message, 'successfully synced (dry run)');
  assert.deepEqual(Object.values(statuses(state)), ['Skipped', 'Skipped', 'Pruned', 'Succeeded']);
});

test('step: CreateNamespace creates the namespace before the dry run', () => {
  const cluster = new FakeCluster();
  const plan = planOf([web], {
    options: { createNamespace: true },
    destinationNamespace: { name: 'app', exists: false },
  });
  runToEnd(plan, cluster);
  assert.deepEqual(cluster.log, [
    'apply /Namespace//app',
    'validate apply apps/Deployment/app/web',
    'apply apps/Deployment/app/web',
  ]);
});

test('step: BeforeHookCreation waits for the previous run to be gone before creating', () => {
  const migrate = hook('migrate', 'PreSync');
  const key = keyOfSpec(migrate);
  const cluster = new FakeCluster({ lingering: [key] }, [key]);
  const plan = planOf([migrate, web]);
  const waiting = runToEnd(plan, cluster);
  assert.deepEqual(waiting.waitingFor, [`waiting for deletion of ${key}`]);
  assert.deepEqual(cluster.log.slice(-1), [`delete ${key}`]);

  cluster.objects.delete(key);
  const { state } = runToEnd(plan, cluster, waiting.state);
  assert.deepEqual(cluster.log.slice(-2), [`create ${key}`, 'apply apps/Deployment/app/web']);
  assert.equal(state.phase, 'Succeeded');
});

test('step: prune happens in its wave, and PruneLast after the other waves are healthy', () => {
  const old: Spec = { kind: 'ConfigMap', name: 'old', syncOptions: ['PruneLast=true'] };
  const cluster = new FakeCluster({ health: { [keyOfSpec(web)]: 'Progressing' } }, [keyOfSpec(old)]);
  const plan = planOf([web], { prune: true, live: [liveOf(old)] });
  const waiting = runToEnd(plan, cluster);
  assert.equal(cluster.log.at(-1), 'apply apps/Deployment/app/web');
  assert.ok(cluster.objects.has(keyOfSpec(old)));

  cluster.objects.set(keyOfSpec(web), { ...cluster.objects.get(keyOfSpec(web)), health: 'Healthy' });
  const { state } = runToEnd(plan, cluster, waiting.state);
  assert.equal(cluster.log.at(-1), 'delete /ConfigMap/app/old');
  assert.equal(statuses(state)['Sync/prune//ConfigMap/app/old'], 'Pruned');
  assert.equal(state.phase, 'Succeeded');
});

const policyCases: { policies?: HookDeletePolicy[]; ends: 'Succeeded' | 'Failed'; deleted: boolean }[] = [
  { policies: ['HookSucceeded'], ends: 'Succeeded', deleted: true },
  { policies: ['HookSucceeded'], ends: 'Failed', deleted: false },
  { policies: ['HookFailed'], ends: 'Failed', deleted: true },
  { policies: ['HookFailed'], ends: 'Succeeded', deleted: false },
  { policies: ['BeforeHookCreation'], ends: 'Succeeded', deleted: false },
  { policies: undefined, ends: 'Failed', deleted: false },
];
for (const { policies, ends, deleted } of policyCases) {
  test(`step: a hook with ${policies?.join(',') ?? 'no policy'} that ${ends} is ${deleted ? '' : 'not '}deleted`, () => {
    const smoke = hook('smoke', 'PostSync', policies);
    const cluster = new FakeCluster({ hooks: { [keyOfSpec(smoke)]: ends } });
    const { state } = runToEnd(planOf([web, smoke]), cluster);
    assert.equal(state.phase, ends);
    assert.equal(cluster.log.includes(`cleanup delete ${keyOfSpec(smoke)}`), deleted);
    assert.equal(cluster.objects.has(keyOfSpec(smoke)), !deleted);
  });
}

test('step: a resumed operation does not run a finished hook again', () => {
  const migrate = hook('migrate', 'PreSync', ['HookSucceeded']);
  const cluster = new FakeCluster({ health: { [keyOfSpec(db)]: 'Progressing' } });
  const first = runToEnd(planOf([migrate, db, webLater]), cluster);
  assert.deepEqual(first.waitingFor, ['waiting for healthy state of apps/Deployment/app/db']);
  const persisted = JSON.stringify(first.state);
  const before = cluster.log.length;

  // A new controller: plans again from what it now sees, resumes from the persisted state.
  cluster.objects.set(keyOfSpec(db), { ...cluster.objects.get(keyOfSpec(db)), health: 'Healthy' });
  const replanned = planOf([migrate, db, webLater], {
    live: [liveOf({ ...migrate, isHook: true }), liveOf({ ...db, outOfSync: false })],
  });
  const { state } = runToEnd(replanned, cluster, JSON.parse(persisted));
  assert.deepEqual(cluster.log.slice(before), [
    'apply apps/Deployment/app/web',
    'cleanup delete batch/Job/app/migrate',
  ]);
  assert.equal(state.phase, 'Succeeded');
});

test('step: a generated hook created before a crash is created under the same name, once', () => {
  const migrate: Spec = { kind: 'Job', generateName: 'migrate-', hook: ['PreSync'] };
  const cluster = new FakeCluster();
  const plan = planOf([migrate, web]);
  const validating = nextStep(plan, initialState(plan), { live: cluster.live() });
  const creating = nextStep(plan, validating.state, {
    live: cluster.live(),
    results: cluster.execute(validating),
  });
  assert.equal(creating.actions.length, 1);
  cluster.execute(creating); // the controller dies before it records the result
  const persisted = JSON.stringify(creating.state);

  const created = [...cluster.objects.keys()];
  const name = created[0].split('/')[3];
  const replanned = planOf([migrate, web], {
    live: [liveOf({ kind: 'Job', name, generateName: 'migrate-', isHook: true })],
  });
  const resumed = nextStep(replanned, JSON.parse(persisted), { live: cluster.live() });
  assert.deepEqual(
    resumed.actions.map((a) => [a.verb, a.key]),
    [['create', creating.actions[0].key]],
  );
  const { state } = runToEnd(replanned, cluster, resumed.state);
  assert.equal(state.phase, 'Succeeded');
  assert.deepEqual(
    [...cluster.objects.keys()].filter((key) => key.startsWith('batch/Job/')),
    created,
  );
});

test('step: termination deletes the running hook and fails the operation', () => {
  const migrate = hook('migrate', 'PreSync', ['HookSucceeded']);
  const cluster = new FakeCluster({ hooks: { [keyOfSpec(migrate)]: 'Running' } });
  const plan = planOf([migrate, web]);
  const waiting = runToEnd(plan, cluster);
  assert.deepEqual(waiting.waitingFor, ['waiting for completion of hook batch/Job/app/migrate']);

  const terminating = requestTermination(waiting.state);
  assert.equal(terminating.phase, 'Terminating');
  const { state } = runToEnd(plan, cluster, terminating);
  assert.equal(cluster.log.at(-1), 'cleanup delete batch/Job/app/migrate');
  assert.equal(state.phase, 'Failed');
  assert.equal(state.message, 'operation terminated');
  assert.deepEqual(Object.values(statuses(state)), ['Failed', 'Skipped']);
});

test('step: observations older than the apply are not trusted', () => {
  const plan = planOf([db, webLater]);
  const dbKey = keyOfSpec(db);
  const ok = (ids: string[]) => ids.map((actionId) => ({ actionId, ok: true }));
  const s1 = nextStep(plan, initialState(plan));
  const s2 = nextStep(plan, s1.state, { results: ok(s1.actions.map((a) => a.id)) });
  assert.deepEqual(
    s2.actions.map((a) => a.id),
    [`run:Sync/apply/${dbKey}`],
  );
  const applied = [{ actionId: s2.actions[0].id, ok: true, uid: 'u1', generation: 2 }];
  const fresh = { [dbKey]: { health: 'Healthy' as const, uid: 'u1', generation: 2 } };
  // In the step that reports the apply, the cache may not have seen it yet.
  const s3 = nextStep(plan, s2.state, { results: applied, live: fresh });
  assert.deepEqual(s3.actions, []);
  const s4 = nextStep(plan, s3.state, { live: { [dbKey]: { health: 'Healthy', uid: 'u1', generation: 1 } } });
  assert.deepEqual(s4.actions, []);
  const s5 = nextStep(plan, s4.state, { live: { [dbKey]: { health: 'Healthy', uid: 'u0', generation: 3 } } });
  assert.deepEqual(s5.actions, []);
  const s6 = nextStep(plan, s5.state, { live: fresh });
  assert.deepEqual(
    s6.actions.map((a) => a.id),
    ['run:Sync/apply/apps/Deployment/app/web'],
  );
});

test('step: an action without a result is returned again', () => {
  const plan = planOf([web]);
  const s1 = nextStep(plan, initialState(plan));
  const again = nextStep(plan, s1.state, { results: [] });
  assert.deepEqual(again.actions, s1.actions);
});

test('step: the state is plain JSON and the started and finished times are recorded', () => {
  const plan = planOf([web, hook('migrate', 'PreSync')]);
  const s1 = nextStep(plan, initialState(plan), { now: '2025-01-01T00:00:00Z' });
  assert.deepEqual(JSON.parse(JSON.stringify(s1.state)), s1.state);
  assert.equal(s1.state.startedAt, '2025-01-01T00:00:00Z');
  const { state } = runToEnd(plan, new FakeCluster(), s1.state);
  const done = nextStep(plan, state, { now: '2025-01-01T00:05:00Z' });
  assert.equal(done.done, true);
  assert.equal(done.state.finishedAt, '2025-01-01T00:05:00Z');
});

test('step: a plan of another operation is an error', () => {
  const plan = planOf([web]);
  const other = { ...plan, operationId: 'op-2' };
  const step = nextStep(other, initialState(plan));
  assert.equal(step.done, true);
  assert.equal(step.state.phase, 'Error');
});

test('step: an empty plan succeeds at once', () => {
  const plan = planOf([]);
  const step = nextStep(plan, initialState(plan));
  assert.equal(step.done, true);
  assert.equal(step.state.phase, 'Succeeded');
});

test('step: a hook still running when its wave fails is awaited before the operation ends', () => {
  const during: Spec = { kind: 'Job', name: 'during', hook: ['Sync'], deletePolicies: ['HookSucceeded'] };
  const cluster = new FakeCluster({ failRun: [keyOfSpec(web)], hooks: { [keyOfSpec(during)]: 'Running' } });
  const plan = planOf([web, during, hook('notify', 'SyncFail', ['HookSucceeded'])]);
  const waiting = runToEnd(plan, cluster);
  assert.deepEqual(waiting.waitingFor, ['waiting for completion of hook batch/Job/app/during']);
  assert.ok(cluster.log.includes('create batch/Job/app/notify'));
  assert.equal(waiting.state.stage, 'SyncFail');

  cluster.objects.set(keyOfSpec(during), {
    ...cluster.objects.get(keyOfSpec(during)),
    hook: 'Succeeded',
    health: 'Healthy',
  });
  const { state } = runToEnd(plan, cluster, waiting.state);
  assert.equal(state.phase, 'Failed');
  assert.equal(statuses(state)['Sync/hook/batch/Job/app/during'], 'Succeeded');
  assert.deepEqual(cluster.log.slice(-2), [
    'cleanup delete batch/Job/app/during',
    'cleanup delete batch/Job/app/notify',
  ]);
});

test('step: unknown and progressing health keep a wave waiting; suspended lets it go', () => {
  for (const [health, proceeds] of [
    ['Progressing', false],
    ['Unknown', false],
    ['Missing', false],
    ['Suspended', true],
    ['Healthy', true],
  ] as const) {
    const cluster = new FakeCluster({ health: { [keyOfSpec(db)]: health } });
    runToEnd(planOf([db, webLater]), cluster);
    assert.equal(cluster.log.includes('apply apps/Deployment/app/web'), proceeds, health);
  }
});
