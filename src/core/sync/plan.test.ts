import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { SyncPlanError } from './errors.ts';
import { parseSyncOptions } from './options.ts';
import { planSync } from './plan.ts';
import { desiredOf, liveOf, type Spec } from './test-harness.ts';
import type { SyncInput, SyncPlan } from './types.ts';

interface Scenario {
  input: {
    operationId?: string;
    prune?: boolean;
    allowEmpty?: boolean;
    syncOptions?: string[];
    selected?: string[];
    dryRun?: boolean;
    skipHooks?: boolean;
    destinationNamespace?: { name: string; exists: boolean };
    desired?: Spec[];
    live?: Spec[];
  };
  expect: { tasks?: string[]; skipped?: string[]; error?: string; skipDryRun?: string[] };
}

const dir = new URL('./testdata/plan/', import.meta.url);

function inputOf(scenario: Scenario): SyncInput {
  const { syncOptions, desired, live, operationId, ...rest } = scenario.input;
  return {
    ...rest,
    operationId: operationId ?? 'op-1',
    options: parseSyncOptions(syncOptions ?? []).options,
    desired: (desired ?? []).map(desiredOf),
    live: (live ?? []).map(liveOf),
  };
}

const lineOf = (task: SyncPlan['tasks'][number]) => `${task.phase} ${task.wave} ${task.type} ${task.key}`;

for (const file of readdirSync(dir).filter((name) => name.endsWith('.yaml'))) {
  test(`plan: ${file.replace('.yaml', '')}`, () => {
    const scenario = parse(readFileSync(new URL(file, dir), 'utf8')) as Scenario;
    const result = planSync(inputOf(scenario));
    if (scenario.expect.error) {
      assert.equal(result.ok, false, 'the plan should be refused');
      if (result.ok) return;
      assert.ok(result.error instanceof SyncPlanError);
      assert.equal(result.error.reason, scenario.expect.error);
      assert.equal(result.error.terminal, true);
      return;
    }
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    const lines = result.plan.tasks.map(lineOf);
    const expected = scenario.expect.tasks ?? [];
    assert.equal(lines.length, expected.length, `tasks:\n${lines.join('\n')}`);
    expected.forEach((want, index) => {
      if (want.startsWith('~')) assert.match(lines[index], new RegExp(want.slice(1)));
      else assert.equal(lines[index], want, `task ${index}:\n${lines.join('\n')}`);
    });
    assert.deepEqual(
      result.plan.skipped.map((s) => `${s.reason} ${s.key}`),
      scenario.expect.skipped ?? [],
    );
    if (scenario.expect.skipDryRun) {
      const skipping = result.plan.tasks.filter((t) => t.options.skipDryRun).map((t) => t.key);
      assert.deepEqual(skipping.sort(), [...scenario.expect.skipDryRun].sort());
    }
  });
}

const generatedHook: Spec = { kind: 'Job', generateName: 'migrate-', hook: ['PreSync', 'PostSync'] };

function hookNames(operationId: string, live: Spec[] = []): string[] {
  const result = planSync({ operationId, desired: [desiredOf(generatedHook)], live: live.map(liveOf) });
  assert.ok(result.ok);
  return result.plan.tasks.filter((t) => t.type === 'hook').map((t) => t.object.metadata.name ?? '');
}

test('plan: a generated hook name is stable for an operation and differs between operations', () => {
  const first = hookNames('op-1');
  assert.equal(first.length, 2);
  assert.match(first[0], /^migrate-[0-9a-f]{10}$/);
  assert.notEqual(first[0], first[1], 'each phase runs its own instance');
  // Planning again, even once the hooks exist in the cluster, names them the same.
  const created = first.map((name) => ({ kind: 'Job', name, generateName: 'migrate-', isHook: true }));
  assert.deepEqual(hookNames('op-1', created), first);
  assert.notDeepEqual(hookNames('op-2'), first);
});

test('plan: the hooks this operation creates are not deleted as previous runs', () => {
  const names = hookNames('op-1');
  const live = [...names, 'migrate-from-yesterday'].map((name) => ({
    kind: 'Job',
    name,
    generateName: 'migrate-',
    isHook: true,
  }));
  const result = planSync({
    operationId: 'op-1',
    desired: [desiredOf(generatedHook)],
    live: live.map(liveOf),
  });
  assert.ok(result.ok);
  assert.deepEqual(
    result.plan.tasks.filter((t) => t.type === 'delete-hook-before-creation').map((t) => t.id),
    [
      'PreSync/delete-hook-before-creation/batch/Job/app/migrate-from-yesterday',
      'PostSync/delete-hook-before-creation/batch/Job/app/migrate-from-yesterday',
    ],
  );
});

test('plan: generated hook names fit in 63 characters', () => {
  const long: Spec = { kind: 'Job', generateName: `${'x'.repeat(70)}-`, hook: ['PreSync'] };
  const result = planSync({ operationId: 'op', desired: [desiredOf(long)], live: [] });
  assert.ok(result.ok);
  assert.ok((result.plan.tasks[0].object.metadata.name ?? '').length <= 63);
});

test('plan: task options merge the object over the application', () => {
  const result = planSync({
    operationId: 'op',
    options: parseSyncOptions(['Replace=true', 'ServerSideApply=false']).options,
    desired: [
      desiredOf({ kind: 'ConfigMap', name: 'a' }),
      desiredOf({
        kind: 'ConfigMap',
        name: 'b',
        syncOptions: ['Replace=false', 'Force=true', 'Validate=false'],
      }),
    ],
    live: [liveOf({ kind: 'ConfigMap', name: 'old', syncOptions: ['PrunePropagationPolicy=background'] })],
    prune: true,
  });
  assert.ok(result.ok);
  const [prune, a, b] = result.plan.tasks;
  assert.deepEqual(
    [a.options.replace, a.options.serverSideApply, a.options.force, a.options.validate],
    [true, false, false, true],
  );
  assert.deepEqual([b.options.replace, b.options.force, b.options.validate], [false, true, false]);
  assert.equal(prune.options.propagationPolicy, 'background');
});

test('plan: the same input gives the same plan', () => {
  const input: SyncInput = {
    operationId: 'op',
    prune: true,
    desired: [desiredOf({ kind: 'Deployment', name: 'web' }), desiredOf(generatedHook)],
    live: [liveOf({ kind: 'ConfigMap', name: 'old' })],
  };
  assert.deepEqual(planSync(input), planSync(structuredClone(input)));
});

test('plan: RespectIgnoreDifferences applies ignored fields at their live values, other fields and new objects as Git says', () => {
  const web: Spec = {
    kind: 'Deployment',
    name: 'web',
    namespace: 'shop',
    spec: { replicas: 2, paused: false },
  };
  const fresh: Spec = { kind: 'Deployment', name: 'fresh', namespace: 'shop', spec: { replicas: 2 } };
  const live = liveOf({ ...web, spec: { replicas: 5, paused: true } });
  const planned = (syncOptions: string[]) => {
    const result = planSync({
      operationId: 'op-1',
      desired: [desiredOf(web), desiredOf(fresh)],
      live: [live],
      options: parseSyncOptions(syncOptions).options,
      ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }],
    });
    assert.ok(result.ok);
    const specOf = (name: string) =>
      result.plan.tasks.find((task) => task.type === 'apply' && task.object.metadata.name === name)?.object
        .spec;
    return { web: specOf('web'), fresh: specOf('fresh') };
  };
  assert.deepEqual(planned(['RespectIgnoreDifferences=true']), {
    web: { replicas: 5, paused: false },
    fresh: { replicas: 2 },
  });
  assert.deepEqual(planned([]), { web: { replicas: 2, paused: false }, fresh: { replicas: 2 } });
  assert.deepEqual(planned(['RespectIgnoreDifferences=false']).web, { replicas: 2, paused: false });
});
