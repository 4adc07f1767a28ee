import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUNDLE_FORMAT, forExport, importOrder, parseBundle } from './bundle.ts';

test('an exported object keeps spec, status and labels; what the API server assigns goes', () => {
  const app = forExport(
    {
      apiVersion: 'x',
      kind: 'y',
      metadata: {
        name: 'shop',
        uid: 'u',
        resourceVersion: '7',
        generation: 3,
        managedFields: [],
        labels: { a: 'b' },
      },
      spec: { s: 1 },
      status: { sync: { status: 'Synced' } },
    } as never,
    'tiphys.dev/v1alpha1',
    'Application',
  );
  assert.deepEqual(app, {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'shop', labels: { a: 'b' } },
    spec: { s: 1 },
    status: { sync: { status: 'Synced' } },
  });
});

test('credentials first, Applications last', () => {
  const item = (kind: string, name: string) => ({ apiVersion: 'v', kind, metadata: { name } });
  const order = importOrder([
    item('Application', 'a'),
    item('Cluster', 'c'),
    item('Secret', 's'),
    item('AppProject', 'p'),
  ]);
  assert.deepEqual(
    order.map((o) => o.kind),
    ['Secret', 'AppProject', 'Cluster', 'Application'],
  );
});

test('a bundle with anything but Tiphys resources and Secrets is refused, naming the item', () => {
  const ok = {
    format: BUNDLE_FORMAT,
    exportedAt: 't',
    namespace: 'tiphys',
    items: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }],
  };
  assert.equal(parseBundle(JSON.stringify(ok), 'f').items.length, 1);
  const bad = {
    ...ok,
    items: [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'root' } },
    ],
  };
  assert.throws(
    () => parseBundle(JSON.stringify(bad), 'f'),
    /f: item 0 \(ClusterRoleBinding root\) is not a Tiphys resource/,
  );
  assert.throws(() => parseBundle('{}', 'f'), /not a tiphys\.dev\/backup-v1 export/);
});
