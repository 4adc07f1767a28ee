import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../manifest/object.ts';
import {
  CelHealthConfigError,
  compileCelHealth,
  evaluateCelHealth,
  parseCelHealthRule,
} from './cel-health.ts';

const rule = compileCelHealth(
  parseCelHealthRule(`
inProgress: "status.conditions.exists(c, c.type == 'Reconciling' && c.status == 'True')"
failed: "status.conditions.exists(c, c.type == 'Ready' && c.status == 'False')"
current: "status.conditions.exists(c, c.type == 'Ready' && c.status == 'True') && status.observedGeneration == metadata.generation"
`),
);

const widget = (status?: Record<string, unknown>): KubeObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w', generation: 2 },
  ...(status ? { status } : {}),
});
const ready = (value: string, message = '') => ({ type: 'Ready', status: value, message });

test('current, failed and inProgress map to Healthy, Degraded and Progressing, with the condition message', () => {
  assert.deepEqual(
    evaluateCelHealth(rule, widget({ observedGeneration: 2, conditions: [ready('True', 'all good')] })),
    {
      status: 'Healthy',
      message: 'all good',
    },
  );
  assert.deepEqual(evaluateCelHealth(rule, widget({ conditions: [ready('False', 'quota exceeded')] })), {
    status: 'Degraded',
    message: 'quota exceeded',
  });
  const busy = widget({
    conditions: [{ type: 'Reconciling', status: 'True', message: 'resizing' }, ready('False')],
  });
  // inProgress is tried before failed.
  assert.deepEqual(evaluateCelHealth(rule, busy), { status: 'Progressing', message: 'resizing' });
});

test('nothing true yet, or a field the object does not have yet, is Progressing', () => {
  assert.equal(
    evaluateCelHealth(rule, widget({ observedGeneration: 1, conditions: [ready('True')] })).status,
    'Progressing',
  );
  // No status at all: status.conditions does not exist.
  assert.deepEqual(evaluateCelHealth(rule, widget()), {
    status: 'Progressing',
    message: 'Waiting: no CEL health expression is true yet',
  });
});

test('an expression that errors or is not a bool is Unknown with the reason', () => {
  const typeError = compileCelHealth({ current: "status.replicas + 'x' == 1" });
  const result = evaluateCelHealth(typeError, widget({ replicas: 1 }));
  assert.equal(result.status, 'Unknown');
  assert.match(result.message, /CEL health expression current failed: .*overload/);
  const notBool = compileCelHealth({ current: 'status.replicas' });
  assert.deepEqual(evaluateCelHealth(notBool, widget({ replicas: 3 })), {
    status: 'Unknown',
    message: 'CEL health expression current returned number, not a bool: status.replicas',
  });
});

test('optional fields (.?) and has() read absent fields safely', () => {
  const optional = compileCelHealth({ current: 'status.?readyReplicas.orValue(0) >= 1' });
  assert.equal(evaluateCelHealth(optional, widget({ readyReplicas: 2 })).status, 'Healthy');
  assert.equal(evaluateCelHealth(optional, widget({})).status, 'Progressing');
  const has = compileCelHealth({ current: 'has(status.endpoint)' });
  assert.equal(evaluateCelHealth(has, widget({ endpoint: 'x' })).status, 'Healthy');
});

test('bad configuration is refused with the field and the cause', () => {
  const refused = (text: string, pattern: RegExp) =>
    assert.throws(
      () => compileCelHealth(parseCelHealthRule(text)),
      (error: unknown) => error instanceof CelHealthConfigError && pattern.test(error.message),
    );
  refused('inProgress: "true"', /current is required/);
  refused('current: "status.x ==" ', /^current: /);
  refused('current: "true"\nhealthy: "x"', /unknown field "healthy"/);
  refused('- current', /expected a map/);
  refused(`current: "${'a || '.repeat(1000)}a"`, /^current: /);
});
