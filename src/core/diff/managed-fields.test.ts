import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldsOwnedBy, removeOwnedFields } from './managed-fields.ts';
import type { KubeObject } from './types.ts';

const owned: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'p',
    managedFields: [
      { manager: 'a', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:x': {} } } },
      { manager: 'b', operation: 'Update', fieldsV1: { 'f:spec': { 'f:y': {} } } },
      { manager: 'c', operation: 'Update' },
    ],
  },
};

test('managed fields: the trees of the named managers only', () => {
  assert.deepEqual(fieldsOwnedBy(owned, ['b', 'c']), [{ 'f:spec': { 'f:y': {} } }]);
  assert.deepEqual(fieldsOwnedBy({ apiVersion: 'v1', kind: 'Pod', metadata: {} }, ['a']), []);
});

const cases: { name: string; tree: Record<string, unknown>; before: unknown; after: unknown }[] = [
  {
    name: 'a leaf field, and the map it empties',
    tree: { 'f:spec': { 'f:replicas': {} } },
    before: { spec: { replicas: 3 }, other: 1 },
    after: { other: 1 },
  },
  {
    name: 'a list item by key, whole when the manager created it',
    tree: { 'f:containers': { 'k:{"name":"proxy"}': { '.': {}, 'f:image': {} } } },
    before: { containers: [{ name: 'web' }, { name: 'proxy', image: 'p', extra: 1 }] },
    after: { containers: [{ name: 'web' }] },
  },
  {
    name: 'fields inside a list item owned by others',
    tree: { 'f:containers': { 'k:{"name":"web"}': { 'f:resources': {} } } },
    before: { containers: [{ name: 'web', image: 'w', resources: { cpu: 1 } }] },
    after: { containers: [{ name: 'web', image: 'w' }] },
  },
  {
    name: 'a set item by value',
    tree: { 'f:metadata': { 'f:finalizers': { '.': {}, 'v:"example.com/guard"': {} } } },
    before: { metadata: { finalizers: ['mine', 'example.com/guard'] } },
    after: { metadata: { finalizers: ['mine'] } },
  },
  {
    name: 'a list item by index',
    tree: { 'f:list': { 'i:1': {} } },
    before: { list: ['a', 'b'] },
    after: { list: ['a'] },
  },
  {
    name: 'only its own entries of a map it created',
    tree: { 'f:labels': { '.': {}, 'f:injected': {} } },
    before: { labels: { app: 'web', injected: 'true' } },
    after: { labels: { app: 'web' } },
  },
  {
    name: 'an atomic list it owns',
    tree: { 'f:args': {} },
    before: { args: ['--a'], x: 1 },
    after: { x: 1 },
  },
  {
    name: 'nothing that is not there, and no malformed keys',
    tree: { 'f:absent': {}, 'f:list': { 'k:{broken': {}, 'k:{"name":"none"}': {} } },
    before: { list: [{ name: 'a' }] },
    after: { list: [{ name: 'a' }] },
  },
];
for (const { name, tree, before, after } of cases) {
  test(`managed fields: removes ${name}`, () => {
    const target = structuredClone(before);
    removeOwnedFields(target, tree);
    assert.deepEqual(target, after);
  });
}
