import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../core/manifest/object.ts';
import type { ResourceStatus } from '../../core/model/application-status.ts';
import { buildResourceTree, childKindsOf, type ManagedEntry } from './resource-tree.ts';

const owner = (kind: string, name: string, uid: string, apiVersion = 'apps/v1') => ({
  apiVersion,
  kind,
  name,
  uid,
  controller: true,
});

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', uid: 'd1', generation: 2 },
  spec: { replicas: 1 },
  status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1 },
};
const replicaSet: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: {
    name: 'web-abc',
    namespace: 'shop',
    uid: 'r1',
    ownerReferences: [owner('Deployment', 'web', 'd1')],
  },
};
const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-abc-x',
    namespace: 'shop',
    uid: 'p1',
    ownerReferences: [owner('ReplicaSet', 'web-abc', 'r1')],
  },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
};
const strangerPod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'other',
    namespace: 'shop',
    uid: 'p2',
    ownerReferences: [owner('ReplicaSet', 'other', 'r9')],
  },
};

describe('resource tree', () => {
  test('child kinds follow the chain down from the managed kinds', () => {
    assert.deepEqual(
      childKindsOf([{ group: 'apps', kind: 'Deployment' }]).map((k) => k.kind),
      ['ReplicaSet', 'Pod'],
    );
    assert.deepEqual(
      childKindsOf([{ group: 'batch', kind: 'CronJob' }]).map((k) => k.kind),
      ['Job', 'Pod'],
    );
    assert.deepEqual(childKindsOf([{ kind: 'ConfigMap' }]), []);
  });

  /** The Deployment `web` as the app's status lists it, with the controller's health verdict if any. */
  const managedWeb = (health?: ResourceStatus['health']): ManagedEntry => ({
    status: {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'web',
      status: 'Synced',
      ...(health ? { health } : {}),
    },
    live: deployment,
  });

  test("a managed object's health is the controller's verdict (custom checks), not a second opinion", () => {
    const [node] = buildResourceTree(
      [
        // A custom Lua check of the installation found it Degraded, though its replicas are up.
        managedWeb({ status: 'Degraded', message: 'custom check: canary failed' }),
      ],
      [],
    );
    assert.deepEqual(node.health, { status: 'Degraded', message: 'custom check: canary failed' });
  });

  test('Deployment → ReplicaSet → Pod by ownerReferences, with health; strangers are left out', () => {
    const nodes = buildResourceTree(
      [
        managedWeb(),
        {
          status: {
            version: 'v1',
            kind: 'ConfigMap',
            namespace: 'shop',
            name: 'gone',
            status: 'OutOfSync',
            health: { status: 'Missing' },
          },
        },
      ],
      [pod, strangerPod, replicaSet],
    );
    assert.deepEqual(
      nodes.map((n) => [n.kind, n.name, n.health?.status, n.sync, n.parentRefs.map((p) => p.uid)]),
      [
        ['Deployment', 'web', 'Healthy', 'Synced', []],
        ['ConfigMap', 'gone', 'Missing', 'OutOfSync', []],
        ['ReplicaSet', 'web-abc', 'Progressing', undefined, ['d1']],
        ['Pod', 'web-abc-x', 'Healthy', undefined, ['r1']],
      ],
    );
    const rs = nodes[2];
    assert.deepEqual(rs.parentRefs[0], {
      group: 'apps',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'web',
      uid: 'd1',
    });
    assert.equal(rs.group, 'apps');
    assert.equal(nodes[3].group, '');
  });
});
