// One dry run per object: the comparison's server-side dry run of an object counts as its
// validation, and nothing else does (plan.ts, step.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSyncOptions } from './options.ts';
import { planSync } from './plan.ts';
import { desiredOf, FakeCluster, keyOfSpec, liveOf, runToEnd, type Spec } from './test-harness.ts';
import type { SyncInput, SyncPlan } from './types.ts';

const web: Spec = { kind: 'Deployment', name: 'web', spec: { replicas: 2 } };
const config: Spec = { kind: 'ConfigMap', name: 'config' };
const fresh: Spec = { kind: 'ConfigMap', name: 'fresh' };

function planOf(desired: Spec[], extra: Partial<SyncInput> = {}): SyncPlan {
  const result = planSync({
    operationId: 'op-1',
    desired: desired.map(desiredOf),
    live: [web, config].map(liveOf),
    ...extra,
  });
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.plan;
}

const prevalidatedKeys = (plan: SyncPlan) => plan.tasks.filter((t) => t.prevalidated).map((t) => t.key);

test('prevalidated: an object the comparison dry-ran is not dry-run again; the others are', () => {
  const plan = planOf([web, config, fresh], { prevalidated: [keyOfSpec(web)] });
  assert.deepEqual(prevalidatedKeys(plan), [keyOfSpec(web)]);
  const cluster = new FakeCluster({}, [keyOfSpec(web), keyOfSpec(config)]);
  const { state } = runToEnd(plan, cluster);
  assert.deepEqual(cluster.log, [
    'validate apply /ConfigMap/app/config',
    'validate apply /ConfigMap/app/fresh',
    'apply /ConfigMap/app/config',
    'apply /ConfigMap/app/fresh',
    'apply apps/Deployment/app/web',
  ]);
  assert.equal(state.phase, 'Succeeded');
});

test('prevalidated: an invalid object still stops the sync before anything is applied', () => {
  // Every object but the last was dry-run by the comparison; the last one fails its dry run.
  const plan = planOf([web, config, fresh], { prevalidated: [keyOfSpec(web), keyOfSpec(config)] });
  const cluster = new FakeCluster({ failValidate: [keyOfSpec(fresh)] }, [keyOfSpec(web), keyOfSpec(config)]);
  const { state } = runToEnd(plan, cluster);
  assert.deepEqual(cluster.log, ['validate apply /ConfigMap/app/fresh']);
  assert.equal(state.phase, 'Failed');
  assert.match(state.message, /\/ConfigMap\/app\/fresh: dry run failed: rejected by the API server/);
  assert.ok(state.tasks.every((t) => !t.executed));
});

test('prevalidated: an apply that sends another object or call than the comparison made is dry-run', () => {
  const keys = [keyOfSpec(web), keyOfSpec(config)];
  // Replace=true and Validate=false are sent as a replace, not the comparison's server-side apply.
  const replaced = planOf(
    [
      { ...web, syncOptions: ['Replace=true'] },
      { ...config, syncOptions: ['Validate=false'] },
    ],
    { prevalidated: keys },
  );
  assert.deepEqual(prevalidatedKeys(replaced), []);
  // RespectIgnoreDifferences sends the live value of an ignored field (an HPA scaled web to 5),
  // not what was compared; an object no rule touches is sent as compared.
  const kept = planOf([web, config], {
    live: [{ ...web, spec: { replicas: 5 } }, config].map(liveOf),
    prevalidated: keys,
    options: parseSyncOptions(['RespectIgnoreDifferences=true']).options,
    ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }],
  });
  assert.deepEqual(prevalidatedKeys(kept), [keyOfSpec(config)]);
  // Without the comparison's word, every object is dry-run.
  assert.deepEqual(prevalidatedKeys(planOf([web, config])), []);
});
