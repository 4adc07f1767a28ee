// Table-driven over testdata/: each fixture states its expected health in annotations, so the
// folder reads as the specification of the health checks.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { groupKindOf } from '../manifest/key.ts';
import type { KubeObject } from '../manifest/object.ts';
import { parseManifests } from '../manifest/parse.ts';
import { genericHealthRules, genericHealthWithRule } from './generic.ts';
import { assessHealth, healthCheckedKinds, isHealthStatus } from './index.ts';

const expectedHealthAnnotation = 'tiphys.test/expected-health';
const expectedMessageAnnotation = 'tiphys.test/expected-message';
/** On fixtures of kinds without a check of their own: the generic rule that must decide. */
const genericRuleAnnotation = 'tiphys.test/generic-rule';
/** Stands for "this kind has no health check": assessHealth returns null. */
const noCheck = 'none';

const testdata = new URL('testdata/', import.meta.url);
const fixtureFiles = readdirSync(testdata)
  .filter((name) => name.endsWith('.yaml'))
  .sort();

const fixtures: Array<{ file: string; index: number; obj: KubeObject }> = fixtureFiles.flatMap((file) =>
  parseManifests(readFileSync(new URL(file, testdata), 'utf8'), file).map((obj, index) => ({
    file,
    index,
    obj,
  })),
);

for (const { file, index, obj } of fixtures) {
  test(`${file}${index > 0 ? `#${index}` : ''}`, () => {
    const expected = obj.metadata.annotations?.[expectedHealthAnnotation];
    assert.ok(expected !== undefined, `${file}: the fixture must state ${expectedHealthAnnotation}`);
    assert.ok(
      isHealthStatus(expected) || expected === noCheck,
      `${file}: "${expected}" is not a health status`,
    );
    const result = assessHealth(obj);
    if (expected === noCheck) {
      assert.equal(result, null);
      return;
    }
    assert.ok(result !== null, `${file}: ${obj.kind} has no health check`);
    assert.equal(result.status, expected, `${file}: ${result.message}`);
    const fragment = obj.metadata.annotations?.[expectedMessageAnnotation];
    if (fragment !== undefined) {
      assert.ok(
        result.message.includes(fragment),
        `${file}: message "${result.message}" lacks "${fragment}"`,
      );
    }
    const rule = obj.metadata.annotations?.[genericRuleAnnotation];
    if (rule !== undefined)
      assert.equal(genericHealthWithRule(obj)?.rule, rule, `${file}: decided by another rule`);
  });
}

test('the fixtures cover every rule of the generic check', () => {
  const covered = new Set(fixtures.map(({ obj }) => obj.metadata.annotations?.[genericRuleAnnotation]));
  assert.deepEqual(
    genericHealthRules.filter((rule) => !covered.has(rule)),
    [],
  );
});

test('the fixtures cover every kind with a health check', () => {
  assert.ok(fixtures.length > 0, 'no fixtures found');
  const covered = new Set(fixtures.map(({ obj }) => groupKindOf(obj)));
  // The old extensions group shares its checks with apps and networking.k8s.io.
  const missing = healthCheckedKinds.filter((kind) => !kind.startsWith('extensions/') && !covered.has(kind));
  assert.deepEqual(missing, []);
});

test('fixture names start with the kind they hold', () => {
  const prefixes: Record<string, string> = {
    PersistentVolumeClaim: 'pvc',
    HorizontalPodAutoscaler: 'hpa',
    CustomResourceDefinition: 'crd',
  };
  for (const { file, obj } of fixtures) {
    const prefix = prefixes[obj.kind] ?? obj.kind.toLowerCase();
    assert.ok(file.startsWith(`${prefix}-`), `${file} holds a ${obj.kind}`);
  }
});
