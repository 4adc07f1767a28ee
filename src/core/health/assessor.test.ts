import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../manifest/object.ts';
import { builtinHealth, healthAssessor, type LuaHealthRunner } from './assessor.ts';
import { parseHealthCustomizations } from './customizations.ts';
import { assessHealth } from './index.ts';
import { healthFromLua } from './lua-contract.ts';

const certificate: KubeObject = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name: 'tls' },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
};

test('without customizations the assessor is the built-in checks', () => {
  assert.equal(healthAssessor(), builtinHealth);
});

test('a customization overrides the built-in check; other kinds keep theirs; deletion comes first', async () => {
  const calls: string[] = [];
  const lua: LuaHealthRunner = {
    run: async (script, obj, name) => {
      calls.push(`${name}:${obj.kind}:${script}`);
      return { ok: true, returned: 'table', status: 'Degraded', message: 'from Lua' };
    },
  };
  const assess = healthAssessor(
    parseHealthCustomizations({ 'resource.customizations.health.cert-manager.io_Certificate': 'SCRIPT' }),
    lua,
  );
  assert.deepEqual(await assess(certificate), { status: 'Degraded', message: 'from Lua' });
  assert.deepEqual(calls, ['resource.customizations.health.cert-manager.io_Certificate:Certificate:SCRIPT']);
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    status: { phase: 'Running' },
  };
  assert.deepEqual(await assess(pod), assessHealth(pod));
  const deleting = { ...certificate, metadata: { name: 'tls', deletionTimestamp: '2026-01-01T00:00:00Z' } };
  assert.deepEqual(await assess(deleting), { status: 'Progressing', message: 'Pending deletion' });
  assert.equal(calls.length, 1);
});

test('CEL customizations need no VM; a Lua one without a VM is Unknown, not skipped', async () => {
  const customizations = parseHealthCustomizations({
    'resource.customizations.health.cel.cert-manager.io_Certificate': 'current: "false"\nfailed: "true"',
    'resource.customizations.health.example.com_Widget': 'return nil',
  });
  const assess = healthAssessor(customizations);
  assert.equal((await assess(certificate))?.status, 'Degraded');
  const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
  assert.deepEqual(await assess(widget), {
    status: 'Unknown',
    message: 'resource.customizations.health.example.com_Widget: Lua health scripts cannot run here',
  });
});

test("Argo CD's return contract: table, nil, invalid status, wrong type, error", () => {
  assert.deepEqual(healthFromLua({ ok: true, returned: 'table', status: 'Suspended', message: 'paused' }), {
    status: 'Suspended',
    message: 'paused',
  });
  assert.deepEqual(healthFromLua({ ok: true, returned: 'table', status: 'Healthy', message: 3 }), {
    status: 'Healthy',
    message: '3',
  });
  assert.equal(healthFromLua({ ok: true, returned: 'nil' }), null);
  assert.equal(healthFromLua({ ok: true, returned: 'table' }), null);
  assert.deepEqual(healthFromLua({ ok: true, returned: 'table', status: 'Fine' }), {
    status: 'Unknown',
    message: 'Lua health script returned an invalid health status',
  });
  assert.equal(
    healthFromLua({ ok: true, returned: 'table', status: 'Healthy', message: {} })?.status,
    'Unknown',
  );
  assert.match(healthFromLua({ ok: true, returned: 'number' })?.message ?? '', /returned a number/);
  assert.deepEqual(healthFromLua({ ok: false, error: 'boom' }), {
    status: 'Unknown',
    message: 'Lua health script failed: boom',
  });
});
