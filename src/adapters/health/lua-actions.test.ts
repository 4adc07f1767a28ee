// Custom resource actions in the real Lua sandbox (the health scripts' VM in its worker): Argo CD
// action scripts work as written, and a script that attacks (changes which object it is, loops
// forever even under pcall, returns what is not data) changes nothing and leaves the VM serving.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { listActions, runAction } from '../../core/actions/catalog.ts';
import { parseActionCustomizations } from '../../core/actions/customizations.ts';
import { ActionScriptError } from '../../core/actions/types.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { LuaHealthRuntime } from './lua-runtime.ts';

const NOW = '2026-11-30T12:00:00Z';
const rollout: KubeObject = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web', namespace: 'shop', resourceVersion: '9', labels: {} },
  spec: { replicas: 3, paused: false, strategy: { canary: { steps: [] } } },
  status: { phase: 'Healthy', conditions: [] },
};

const lua = new LuaHealthRuntime({
  limits: { instructions: 200_000, timeoutMs: 5_000 },
  hardTimeoutMs: 30_000,
});
after(() => lua.close());

/** A tiphys-cm entry for Rollouts with these actions (name → action.lua). */
function settings(discovery: string, actions: Record<string, string>) {
  const indent = (text: string) =>
    text
      .split('\n')
      .map((line) => `    ${line}`)
      .join('\n');
  const yaml = [
    'discovery.lua: |',
    indent(discovery).replace(/^ {2}/gm, ''),
    'definitions:',
    ...Object.entries(actions).flatMap(([name, script]) => [
      `- name: ${name}`,
      '  action.lua: |',
      indent(script),
    ]),
  ].join('\n');
  const parsed = parseActionCustomizations({ 'resource.customizations.actions.argoproj.io_Rollout': yaml });
  assert.deepEqual(parsed.errors, []);
  return parsed;
}

const discoverAll = (names: string[]) =>
  ['actions = {}', ...names.map((n) => `actions["${n}"] = {["disabled"] = false}`), 'return actions'].join(
    '\n',
  );

describe('custom actions in the Lua sandbox', () => {
  test("Argo CD's contract: discovery by state, the action's returned obj, actionParams", async () => {
    const cm = settings(
      [
        'actions = {}',
        'actions["pause"] = {["disabled"] = obj.spec.paused}',
        'actions["resume"] = {["disabled"] = not obj.spec.paused}',
        'actions["set-replicas"] = {}',
        'return actions',
      ].join('\n'),
      {
        pause: 'obj.spec.paused = true\nreturn obj',
        resume: 'obj.spec.paused = false\nreturn obj',
        'set-replicas':
          'obj.spec.replicas = tonumber(actionParams["replicas"])\nobj.metadata.labels["resized"] = "yes"\nreturn obj',
      },
    );
    assert.deepEqual(
      (await listActions(rollout, cm, lua)).actions.map((a) => `${a.name}:${a.disabled}`),
      ['pause:false', 'resume:true', 'set-replicas:false'],
    );
    assert.deepEqual(await runAction(rollout, 'pause', [], cm, lua, NOW), {
      patch: { spec: { paused: true }, metadata: { resourceVersion: '9' } },
    });
    const resized = await runAction(
      rollout,
      'set-replicas',
      [{ name: 'replicas', value: '7' }],
      cm,
      lua,
      NOW,
    );
    // The empty steps list and conditions stay lists, so nothing but the changes is patched.
    assert.deepEqual(resized.patch, {
      spec: { replicas: 7 },
      metadata: { labels: { resized: 'yes' }, resourceVersion: '9' },
    });
  });

  test('an action that changes kind, name or namespace is refused; the VM goes on serving', async () => {
    const attacks = {
      kind: 'obj.kind = "Secret"\nreturn obj',
      name: 'obj.metadata.name = "someone-else"\nreturn obj',
      namespace: 'obj.metadata.namespace = "kube-system"\nreturn obj',
      owner: 'obj.metadata.annotations = {["tiphys.dev/tracking-id"] = "other:x"}\nreturn obj',
    };
    const cm = settings(discoverAll([...Object.keys(attacks), 'ok']), { ...attacks, ok: 'return obj' });
    for (const [name, field] of [
      ['kind', 'kind'],
      ['name', 'metadata.name'],
      ['namespace', 'metadata.namespace'],
      ['owner', 'tracking-id'],
    ]) {
      await assert.rejects(
        () => runAction(rollout, name, [], cm, lua, NOW),
        (error: Error) =>
          error instanceof ActionScriptError &&
          error.message.includes(`changed `) &&
          error.message.includes(field),
        name,
      );
    }
    assert.deepEqual(await runAction(rollout, 'ok', [], cm, lua, NOW), {});
    assert.equal(lua.restarts, 0);
  });

  test('a loop forever, even inside pcall, is stopped by the instruction budget', async () => {
    const cm = settings(discoverAll(['spin', 'spin-pcall', 'spin-discovery']), {
      spin: 'while true do end\nreturn obj',
      'spin-pcall': 'for i = 1, 100 do pcall(function() while true do end end) end\nreturn obj',
      'spin-discovery': 'return obj',
    });
    for (const name of ['spin', 'spin-pcall']) {
      await assert.rejects(
        () => runAction(rollout, name, [], cm, lua, NOW),
        /stopped after 200000 instructions/,
        name,
      );
    }
    const spinning = settings('while true do end', { x: 'return obj' });
    const listed = await listActions(rollout, spinning, lua);
    assert.deepEqual(listed.actions, []);
    assert.match(listed.error ?? '', /discovery.lua failed: stopped after 200000 instructions/);
    assert.equal(lua.restarts, 0, 'the budget stopped them, not the hard timeout');
  });

  test('values that are not data (a function, a table holding itself) are refused with the cause', async () => {
    const cm = settings(discoverAll(['fn', 'cycle', 'mixed']), {
      fn: 'obj.spec.hook = function() end\nreturn obj',
      cycle: 'obj.spec.self = obj\nreturn obj',
      mixed: 'obj.spec.list = {1, 2, x = 3}\nreturn obj',
    });
    const causes = { fn: /holds a function/, cycle: /deeper than 64 levels/, mixed: /mixes a list/ };
    for (const [name, cause] of Object.entries(causes)) {
      await assert.rejects(() => runAction(rollout, name, [], cm, lua, NOW), cause, name);
    }
  });

  test('action scripts have no os.execute, io or require of other modules', async () => {
    const cm = settings(discoverAll(['exec', 'io', 'req']), {
      exec: 'os.execute("touch /tmp/owned")\nreturn obj',
      io: 'io.open("/etc/passwd")\nreturn obj',
      req: 'require("io")\nreturn obj',
    });
    for (const name of ['exec', 'io', 'req']) {
      await assert.rejects(() => runAction(rollout, name, [], cm, lua, NOW), ActionScriptError, name);
    }
  });
});
