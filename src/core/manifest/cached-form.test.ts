import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LAST_APPLIED_ANNOTATION } from '../diff/normalize.ts';
import { cachedForm, needsFullObject } from './cached-form.ts';
import type { KubeObject } from './object.ts';

const managedFields = [
  { manager: 'tiphys', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } },
];

const live = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'cm',
    namespace: 'team-a',
    uid: 'u1',
    resourceVersion: '7',
    labels: { app: 'web' },
    annotations: {
      'tiphys.dev/tracking-id': 'web:/ConfigMap:team-a/cm',
      [LAST_APPLIED_ANNOTATION]: '{"data":{}}',
    },
    managedFields,
  },
  data: { a: '1' },
});

test('the cached form drops managedFields and the last-applied copy, and keeps everything else', () => {
  const obj = live();
  const cached = cachedForm(obj);
  assert.equal('managedFields' in cached.metadata, false);
  assert.deepEqual(cached.metadata.annotations, { 'tiphys.dev/tracking-id': 'web:/ConfigMap:team-a/cm' });
  assert.deepEqual(cached.metadata.labels, { app: 'web' });
  assert.equal(cached.metadata.resourceVersion, '7');
  assert.equal(cached.metadata.uid, 'u1');
  assert.deepEqual(cached.data, { a: '1' });
  assert.deepEqual(obj, live(), 'the object given is not changed');
});

test('a Secret keeps no clear copy of its values in the last-applied annotation', () => {
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 's',
      annotations: { [LAST_APPLIED_ANNOTATION]: '{"stringData":{"password":"hunter2"}}' },
    },
    data: { password: 'aHVudGVyMg==' },
  };
  const cached = cachedForm(secret);
  assert.equal(JSON.stringify(cached).includes('hunter2'), false);
  assert.equal(cached.metadata.annotations, undefined, 'no empty annotations left behind');
});

test('an object with neither field is kept as it is, not copied', () => {
  const obj: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'a', annotations: { x: 'y' } },
  };
  assert.equal(cachedForm(obj), obj);
  const status = { kind: 'Status', code: 410 };
  assert.equal(cachedForm(status as never), status);
});

test('attacker: annotations that are not an object, or a last-applied that is not a string, do not throw', () => {
  const odd = {
    apiVersion: 'v1',
    kind: 'X',
    metadata: { name: 'x', annotations: null, managedFields: 'junk' },
  };
  assert.deepEqual(cachedForm(odd as never), {
    apiVersion: 'v1',
    kind: 'X',
    metadata: { name: 'x', annotations: null },
  });
  const proto = JSON.parse(
    '{"apiVersion":"v1","kind":"X","metadata":{"name":"x","__proto__":{"polluted":1}}}',
  );
  const cached = cachedForm(proto);
  assert.equal(({} as { polluted?: number }).polluted, undefined);
  assert.equal(cached.metadata.name, 'x');
});

test('only rules that apply to the object and read what the cache drops need the whole object', () => {
  const obj = live();
  assert.equal(needsFullObject(obj, []), false);
  assert.equal(needsFullObject(obj, [{ kind: 'ConfigMap', jsonPointers: ['/data/a'] }]), false);
  assert.equal(needsFullObject(obj, [{ kind: 'ConfigMap', managedFieldsManagers: ['hpa'] }]), true);
  assert.equal(needsFullObject(obj, [{ kind: 'Deployment', managedFieldsManagers: ['hpa'] }]), false);
  assert.equal(
    needsFullObject(obj, [{ kind: 'ConfigMap', name: 'other', managedFieldsManagers: ['hpa'] }]),
    false,
  );
  assert.equal(needsFullObject(obj, [{ kind: 'ConfigMap', managedFieldsManagers: [] }]), false);
  assert.equal(
    needsFullObject(obj, [
      {
        kind: 'ConfigMap',
        jsonPointers: ['/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration'],
      },
    ]),
    true,
  );
  assert.equal(needsFullObject(obj, [{ kind: '*', jsonPointers: ['/metadata/managedFields'] }]), true);
});
