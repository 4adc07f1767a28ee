import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { diffObjects } from './diff.ts';
import type { Change, IgnoreDifference, KubeObject } from './types.ts';

interface Scenario {
  desired?: KubeObject;
  live?: KubeObject;
  ignoreDifferences?: IgnoreDifference[];
  /** Values that must not appear anywhere in the result. */
  secrets?: string[];
  expect: { equal: boolean; changes: Change[] };
}

const dir = new URL('./testdata/', import.meta.url);

for (const file of readdirSync(dir).filter((name) => name.endsWith('.yaml'))) {
  const name = file.replace('.yaml', '');
  test(`diff: ${name}`, () => {
    const scenario = parse(readFileSync(new URL(file, dir), 'utf8')) as Scenario;
    const input = structuredClone([scenario.desired, scenario.live]);
    const result = diffObjects(scenario.desired, scenario.live, {
      ignoreDifferences: scenario.ignoreDifferences,
    });
    assert.deepEqual(result.changes, scenario.expect.changes, result.text);
    assert.equal(result.equal, scenario.expect.equal);
    assert.equal(result.text === '', scenario.expect.equal);
    assert.deepEqual([scenario.desired, scenario.live], input, 'the inputs are not modified');
    // Every scenario states the text a person reads (empty for an equal pair); a missing golden
    // file fails instead of skipping the check.
    const golden = new URL(`${name}.diff`, dir);
    assert.ok(existsSync(golden), `testdata/${name}.diff is missing: every scenario needs its golden diff`);
    assert.equal(result.text, readFileSync(golden, 'utf8'));
    const output = JSON.stringify(result);
    for (const secret of scenario.secrets ?? []) assert.ok(!output.includes(secret), `${secret} leaked`);
  });
}

test('diff: a Secret to be pruned shows its keys, never its values', () => {
  const live: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'old', namespace: 'shop' },
    data: { key: Buffer.from('plain-value-123').toString('base64') },
  };
  const result = diffObjects(undefined, live);
  assert.deepEqual(result.changes, [
    {
      path: '',
      op: 'remove',
      before: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'old', namespace: 'shop' },
        data: { key: '++++++++' },
      },
    },
  ]);
  assert.match(result.text, /^-\s+key: "?\+{8}"?$/m);
  for (const value of ['plain-value-123', Buffer.from('plain-value-123').toString('base64')]) {
    assert.ok(!JSON.stringify(result).includes(value));
  }
});

test('diff: an object that is not a v1 Secret is not masked', () => {
  const configMap = (value: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c' },
    data: { key: value },
  });
  const result = diffObjects(configMap('new'), configMap('old'));
  assert.deepEqual(result.changes, [{ path: '/data/key', op: 'replace', before: 'old', after: 'new' }]);
});
