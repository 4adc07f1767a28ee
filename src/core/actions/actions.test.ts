// Built-in actions, the checks on what an action returns, and the tiphys-cm keys of custom
// actions. Pure: custom scripts are answered by a table of outcomes here; the real Lua VM runs
// them in src/adapters/health/lua-actions.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../manifest/object.ts';
import { RESTARTED_AT } from './builtin.ts';
import { type LuaValueOutcome, type LuaValueRunner, listActions, runAction } from './catalog.ts';
import { parseActionCustomizations } from './customizations.ts';
import { actionChange, alignEmptyTables, mergePatchBetween } from './result.ts';
import { ActionInputError, ActionScriptError } from './types.ts';

const NOW = '2026-11-30T12:00:00Z';
const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'u-1',
    resourceVersion: '42',
    annotations: { 'tiphys.dev/tracking-id': 'shop:apps/Deployment:shop/web' },
  },
  spec: { replicas: 2, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } } },
  status: { replicas: 2 },
};
const cronJob = (suspend?: boolean): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'nightly', namespace: 'shop', resourceVersion: '7' },
  spec: { schedule: '0 1 * * *', ...(suspend === undefined ? {} : { suspend }) },
});
const none = parseActionCustomizations({});
/** Answers each script by its text; a script it does not know is a test bug. */
const scripted = (answers: Record<string, LuaValueOutcome>): LuaValueRunner => ({
  evaluate: async (script) => {
    const answer = answers[script.trim()];
    if (!answer) throw new Error(`no answer for ${script}`);
    return answer;
  },
});
const noLua = scripted({});

describe('built-in actions', () => {
  test('workloads list restart (and scale where replicated); CronJobs suspend or resume by state', async () => {
    const names = async (obj: KubeObject) =>
      (await listActions(obj, none, noLua)).actions.map((a) => `${a.name}${a.disabled ? '(off)' : ''}`);
    assert.deepEqual(await names(deployment), ['restart', 'scale']);
    assert.deepEqual(await names({ ...deployment, kind: 'StatefulSet' }), ['restart', 'scale']);
    assert.deepEqual(await names({ ...deployment, kind: 'DaemonSet' }), ['restart']);
    assert.deepEqual(await names(cronJob()), ['suspend', 'resume(off)']);
    assert.deepEqual(await names(cronJob(true)), ['suspend(off)', 'resume']);
    assert.deepEqual(await names({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }), []);
  });

  test('restart annotates the pod template with the time, pinned to the version read', async () => {
    const change = await runAction(deployment, 'restart', [], none, noLua, NOW);
    assert.deepEqual(change.patch, {
      spec: { template: { metadata: { annotations: { [RESTARTED_AT]: NOW } } } },
      metadata: { resourceVersion: '42' },
    });
    assert.equal(change.statusPatch, undefined);
  });

  test('scale sets replicas; a bad or missing count changes nothing', async () => {
    const change = await runAction(deployment, 'scale', [{ name: 'replicas', value: '5' }], none, noLua, NOW);
    assert.deepEqual(change.patch, { spec: { replicas: 5 }, metadata: { resourceVersion: '42' } });
    for (const params of [[], [{ name: 'replicas', value: '-1' }], [{ name: 'replicas', value: '2e3' }]]) {
      await assert.rejects(() => runAction(deployment, 'scale', params, none, noLua, NOW), ActionInputError);
    }
    await assert.rejects(
      () => runAction(deployment, 'restart', [{ name: 'replicas', value: '1' }], none, noLua, NOW),
      /takes no parameter replicas/,
    );
  });

  test('suspend and resume flip spec.suspend; the disabled one is refused', async () => {
    assert.deepEqual((await runAction(cronJob(), 'suspend', [], none, noLua, NOW)).patch, {
      spec: { suspend: true },
      metadata: { resourceVersion: '7' },
    });
    assert.deepEqual((await runAction(cronJob(true), 'resume', [], none, noLua, NOW)).patch?.spec, {
      suspend: false,
    });
    await assert.rejects(() => runAction(cronJob(), 'resume', [], none, noLua, NOW), /disabled/);
  });

  test('an action the kind does not have names the ones it has', async () => {
    await assert.rejects(
      () => runAction(deployment, 'explode', [], none, noLua, NOW),
      /has no action "explode"; it has restart, scale/,
    );
  });
});

describe('what an action may return', () => {
  const returning = (change: (obj: KubeObject) => void) => {
    const copy = structuredClone(deployment);
    change(copy);
    return copy;
  };

  test('changing which object it is, or who owns it, is refused with the field named', () => {
    const attacks: [string, (obj: KubeObject) => void][] = [
      [
        'kind',
        (o) => {
          o.kind = 'StatefulSet';
        },
      ],
      [
        'apiVersion',
        (o) => {
          o.apiVersion = 'apps/v1beta2';
        },
      ],
      [
        'metadata.name',
        (o) => {
          o.metadata.name = 'other';
        },
      ],
      [
        'metadata.namespace',
        (o) => {
          o.metadata.namespace = 'kube-system';
        },
      ],
      [
        'metadata.namespace',
        (o) => {
          delete o.metadata.namespace;
        },
      ],
      [
        'metadata.uid',
        (o) => {
          o.metadata.uid = 'u-2';
        },
      ],
      [
        'tracking-id',
        (o) => {
          o.metadata.annotations = { 'tiphys.dev/tracking-id': 'evil:apps/Deployment:shop/web' };
        },
      ],
    ];
    for (const [field, attack] of attacks) {
      assert.throws(
        () => actionChange(deployment, returning(attack)),
        (error: Error) => {
          assert.ok(error instanceof ActionScriptError);
          assert.ok(error.message.includes(field), error.message);
          return true;
        },
      );
    }
  });

  test('anything but an object (nil, a string, an unsupported operation) is refused', () => {
    for (const value of [
      null,
      'x',
      3,
      [{ operation: 'delete', resource: deployment }],
      [
        { operation: 'patch', resource: deployment },
        { operation: 'patch', resource: deployment },
      ],
      [],
      [deployment, deployment],
    ]) {
      assert.throws(() => actionChange(deployment, value), ActionScriptError, JSON.stringify(value));
    }
  });

  test('a patch operation on the object itself is the object', () => {
    const changed = returning((o) => {
      (o.spec as { replicas: number }).replicas = 0;
    });
    assert.deepEqual(actionChange(deployment, [{ operation: 'patch', resource: changed }]).patch?.spec, {
      replicas: 0,
    });
  });

  test('create: a new object in the namespace of the object acted on, without server fields or an owner app', () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'web-manual', uid: 'forged', resourceVersion: '9' },
      spec: { template: {} },
      status: { succeeded: 1 },
    };
    const change = actionChange(deployment, [
      { operation: 'patch', resource: deployment },
      { operation: 'create', resource: job },
    ]);
    assert.equal(change.patch, undefined);
    assert.deepEqual(change.creates, [
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'web-manual', namespace: 'shop' },
        spec: { template: {} },
      },
    ]);
  });

  test('attacker: create into another namespace, with a tracking id, nameless, or too many is refused', () => {
    const job = (metadata: Record<string, unknown>) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata });
    const attacks: [unknown, RegExp][] = [
      [
        job({ name: 'x', namespace: 'kube-system' }),
        /in namespace "kube-system"; an action creates only in the namespace of Deployment shop\/web \(shop\)/,
      ],
      [
        job({ name: 'x', annotations: { 'tiphys.dev/tracking-id': 'other:batch/Job:shop/x' } }),
        /may not make an app own it/,
      ],
      [job({}), /no metadata.name or generateName/],
      [{ kind: 'Job', metadata: { name: 'x' } }, /apiVersion, kind and metadata/],
    ];
    for (const [resource, message] of attacks) {
      assert.throws(() => actionChange(deployment, [{ operation: 'create', resource }]), message);
    }
    const many = Array.from({ length: 11 }, (_, i) => ({
      operation: 'create',
      resource: job({ name: `j${i}` }),
    }));
    assert.throws(() => actionChange(deployment, many), /at most 10/);
    const clusterScoped: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
    assert.throws(
      () => actionChange(clusterScoped, [{ operation: 'create', resource: job({ name: 'x' }) }]),
      /cluster-scoped: an action on it may not create objects/,
    );
  });

  test('status goes to its own patch; server fields and an unchanged object give no patch', () => {
    const change = actionChange(
      deployment,
      returning((o) => {
        o.status = { replicas: 2, paused: true };
        o.metadata.resourceVersion = '1';
        delete o.metadata.uid;
      }),
    );
    assert.equal(change.patch, undefined);
    assert.deepEqual(change.statusPatch, { status: { paused: true }, metadata: { resourceVersion: '42' } });
    assert.deepEqual(actionChange(deployment, structuredClone(deployment)), {});
  });

  test('merge patches remove what the action removed; empty Lua tables keep list shape', () => {
    assert.deepEqual(mergePatchBetween({ a: 1, b: { c: 1, d: 2 } }, { b: { c: 1 }, e: [1] }), {
      a: null,
      b: { d: null },
      e: [1],
    });
    assert.deepEqual(
      alignEmptyTables({ list: [], map: {}, deep: [{ x: [] }] }, { list: {}, map: {}, deep: [{ x: {} }] }),
      {
        list: [],
        map: {},
        deep: [{ x: [] }],
      },
    );
  });
});

describe('custom actions (tiphys-cm)', () => {
  const key = 'resource.customizations.actions.apps_Deployment';
  const entry = (merge: boolean) =>
    [
      'discovery.lua: |',
      '  DISCOVER',
      ...(merge ? ['mergeBuiltinActions: true'] : []),
      'definitions:',
      '- name: pause',
      '  action.lua: |',
      '    PAUSE',
      '- name: restart',
      '  action.lua: |',
      '    RESTART',
    ].join('\n');
  const paused = structuredClone(deployment);
  (paused.spec as Record<string, unknown>).paused = true;
  const lua = scripted({
    DISCOVER: { ok: true, value: { pause: { displayName: 'Pause it' }, restart: {}, undefinedOne: {} } },
    PAUSE: { ok: true, value: paused },
    RESTART: { ok: false, error: 'stopped after 2000000 instructions (the budget of one run)' },
  });

  test('discovery lists the defined actions; they replace the built-in ones unless merged', async () => {
    const own = parseActionCustomizations({ [key]: entry(false) });
    assert.deepEqual(own.errors, []);
    assert.deepEqual(
      (await listActions(deployment, own, lua)).actions.map((a) => `${a.source}:${a.name}`),
      ['custom:pause', 'custom:restart'],
    );
    const merged = parseActionCustomizations({ [key]: entry(true) });
    assert.deepEqual(
      (await listActions(deployment, merged, lua)).actions.map((a) => `${a.source}:${a.name}`),
      ['custom:pause', 'custom:restart', 'builtin:scale'],
    );
  });

  test('a custom action applies its returned object; a failing one names the action and the cause', async () => {
    const own = parseActionCustomizations({ [key]: entry(false) });
    assert.deepEqual((await runAction(deployment, 'pause', [], own, lua, NOW)).patch?.spec, { paused: true });
    await assert.rejects(
      () => runAction(deployment, 'restart', [], own, lua, NOW),
      /action restart of Deployment shop\/web failed: stopped after 2000000 instructions/,
    );
  });

  test('a key that cannot be used is reported and skipped', () => {
    const parsed = parseActionCustomizations({
      [`${key}`]: 'definitions: []',
      'resource.customizations.actions.a_b_c': 'discovery.lua: x',
      'resource.customizations.actions.batch_CronJob':
        'discovery.lua: x\ndefinitions:\n- name: "bad name"\n  action.lua: y',
    });
    assert.equal(parsed.actions.length, 0);
    assert.equal(parsed.errors.length, 3, parsed.errors.join('\n'));
    assert.match(parsed.errors.join('\n'), /discovery.lua is missing/);
  });
});
