import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatKey, groupKindOf, groupOf, keyOf, parseKey, sameKey, versionOf } from './key.ts';

test('groupOf and versionOf split apiVersion; the core group is empty', () => {
  assert.equal(groupOf('v1'), '');
  assert.equal(groupOf('apps/v1'), 'apps');
  assert.equal(groupOf('rbac.authorization.k8s.io/v1'), 'rbac.authorization.k8s.io');
  assert.equal(versionOf('v1'), 'v1');
  assert.equal(versionOf('apps/v1beta2'), 'v1beta2');
});

test('keyOf, formatKey and parseKey round-trip, including core and cluster-scoped objects', () => {
  const deployment = keyOf({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
  });
  assert.equal(formatKey(deployment), 'apps/Deployment/shop/web');
  const namespace = keyOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  assert.equal(formatKey(namespace), '/Namespace//shop');
  const role = {
    group: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    namespace: '',
    name: 'system:view',
  };
  for (const key of [deployment, namespace, role]) {
    const parsed = parseKey(formatKey(key));
    assert.ok(parsed !== null && sameKey(parsed, key), formatKey(key));
  }
});

test('parseKey refuses text that is not a key', () => {
  for (const text of ['', 'apps/Deployment/web', 'a/b/c/d/e', 'apps//ns/name', 'apps/Deployment/ns/']) {
    assert.equal(parseKey(text), null, text);
  }
});

test('sameKey compares all four parts; groupKindOf ignores the version', () => {
  const a = { group: 'apps', kind: 'Deployment', namespace: 'x', name: 'y' };
  assert.ok(sameKey(a, { ...a }));
  assert.ok(!sameKey(a, { ...a, namespace: 'z' }));
  assert.equal(
    groupKindOf({ apiVersion: 'apps/v1beta2', kind: 'Deployment', metadata: { name: 'a' } }),
    'apps/Deployment',
  );
  assert.equal(groupKindOf({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } }), '/Pod');
});
