import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { keepIgnoredLiveValues } from './keep-ignored.ts';
import type { IgnoreDifference, KubeObject } from './types.ts';

interface Scenario {
  ignoreDifferences: IgnoreDifference[];
  desired: KubeObject;
  live: KubeObject;
  applied: KubeObject;
}

const dir = new URL('./testdata/keep-ignored/', import.meta.url);
const files = readdirSync(dir).filter((name) => name.endsWith('.yaml'));

test('every keep-ignored scenario is read', () => {
  assert.ok(files.length >= 4, `only ${files.length} scenarios in testdata/keep-ignored/`);
});

for (const file of files) {
  test(`respect ignoreDifferences: ${file.replace('.yaml', '')}`, () => {
    const scenario = parse(readFileSync(new URL(file, dir), 'utf8')) as Scenario;
    assert.ok(scenario.applied, `${file} states no expected 'applied' object`);
    const before = structuredClone(scenario.desired);
    const applied = keepIgnoredLiveValues(scenario.desired, scenario.live, scenario.ignoreDifferences);
    assert.deepEqual(applied, scenario.applied);
    assert.deepEqual(scenario.desired, before, 'the desired object itself is not changed');
  });
}

test('respect ignoreDifferences: no rule, no change', () => {
  const desired: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c' },
    data: { a: '1' },
  };
  const live: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '2' } };
  assert.deepEqual(keepIgnoredLiveValues(desired, live, []), desired);
});
