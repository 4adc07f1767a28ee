import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Cluster, validateCluster } from './cluster.ts';
import { API_VERSION } from './common.ts';

const metadata = { name: 'eu-1', namespace: 'tiphys', labels: { region: 'eu' } };

test('a Cluster needs an http(s) server; credentials name a Secret', () => {
  const ok: Cluster = {
    apiVersion: API_VERSION,
    kind: 'Cluster',
    metadata,
    spec: { server: 'https://eu-1.example:6443', credentialsSecret: { name: 'eu-1-credentials' } },
  };
  assert.deepEqual(validateCluster(ok), []);
  const bad = { ...ok, spec: { server: 'eu-1.example:6443', credentialsSecret: {} } };
  assert.deepEqual(validateCluster(bad).sort(), [
    'spec.credentialsSecret.name: is required',
    'spec.server: must match pattern "^https?://"',
  ]);
});

test('the status is the controller’s and is not validated', () => {
  assert.deepEqual(
    validateCluster({
      apiVersion: API_VERSION,
      kind: 'Cluster',
      metadata,
      spec: { server: 'https://x' },
      status: 1,
    }),
    [],
  );
});

test("credentials are read from the Cluster's own namespace only", () => {
  const cluster = (namespace?: string): Cluster => ({
    apiVersion: API_VERSION,
    kind: 'Cluster',
    metadata,
    spec: { server: 'https://x', credentialsSecret: { name: 'creds', ...(namespace ? { namespace } : {}) } },
  });
  assert.deepEqual(validateCluster(cluster()), []);
  assert.deepEqual(validateCluster(cluster('tiphys')), []);
  assert.deepEqual(validateCluster(cluster('kube-system')), [
    `spec.credentialsSecret.namespace: must be the Cluster's own namespace, not "kube-system"`,
  ]);
});
