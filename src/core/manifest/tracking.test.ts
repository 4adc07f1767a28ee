import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from './object.ts';
import {
  formatTrackingId,
  isTrackedBy,
  ownershipOf,
  parseTrackingId,
  setTrackingId,
  trackingIdAnnotation,
  trackingIdOf,
} from './tracking.ts';

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', annotations: { team: 'a' } },
  spec: { replicas: 2 },
};

test('formatTrackingId uses <app>:<group>/<kind>:<namespace>/<name>', () => {
  assert.equal(
    formatTrackingId('shop', { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' }),
    'shop:apps/Deployment:shop/web',
  );
  assert.equal(
    formatTrackingId('shop', { group: '', kind: 'Namespace', namespace: '', name: 'shop' }),
    'shop:/Namespace:/shop',
  );
});

test('parseTrackingId reads core, cluster-scoped and colon-bearing names', () => {
  assert.deepEqual(parseTrackingId('shop:apps/Deployment:shop/web'), {
    app: 'shop',
    group: 'apps',
    kind: 'Deployment',
    namespace: 'shop',
    name: 'web',
  });
  assert.deepEqual(parseTrackingId('shop:/Namespace:/shop'), {
    app: 'shop',
    group: '',
    kind: 'Namespace',
    namespace: '',
    name: 'shop',
  });
  assert.equal(parseTrackingId('a:rbac.authorization.k8s.io/ClusterRole:/system:view')?.name, 'system:view');
});

test('parseTrackingId returns null for malformed ids', () => {
  for (const text of [
    '',
    'shop',
    ':apps/Deployment:shop/web',
    'shop:apps/Deployment:shop/',
    'shop:apps/:shop/web',
    'shop:apps/Deployment',
    'shop:appsDeployment:shop/web',
    'shop:apps/Deployment:shopweb',
    'shop:apps/Deployment:shop/a/b',
  ]) {
    assert.equal(parseTrackingId(text), null, text);
  }
});

test('setTrackingId returns a tracked copy and leaves the input alone', () => {
  const tracked = setTrackingId(deployment, 'shop');
  assert.equal(tracked.metadata.annotations?.[trackingIdAnnotation], 'shop:apps/Deployment:shop/web');
  assert.equal(tracked.metadata.annotations?.team, 'a');
  assert.equal(deployment.metadata.annotations?.[trackingIdAnnotation], undefined);
  assert.deepEqual(trackingIdOf(tracked)?.app, 'shop');
  assert.ok(isTrackedBy(tracked, 'shop'));
  assert.ok(!isTrackedBy(tracked, 'other'));
  assert.ok(!isTrackedBy(deployment, 'shop'));
});

test('a tracking id copied onto another object (a ReplicaSet of the Deployment) does not track it', () => {
  const tracked = setTrackingId(deployment, 'shop');
  const replicaSet: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-5d8f', namespace: 'shop', annotations: { ...tracked.metadata.annotations } },
  };
  assert.ok(!isTrackedBy(replicaSet, 'shop'));
  const malformed = {
    ...deployment,
    metadata: { ...deployment.metadata, annotations: { [trackingIdAnnotation]: 'x' } },
  };
  assert.ok(!isTrackedBy(malformed, 'x'));
});

test('ownershipOf: own, another app, nobody, and ids that name another object or nothing', () => {
  const annotated = (id: string): KubeObject => ({
    ...deployment,
    metadata: { ...deployment.metadata, annotations: { [trackingIdAnnotation]: id } },
  });
  assert.deepEqual(ownershipOf(undefined, 'shop'), { state: 'absent' });
  assert.deepEqual(ownershipOf(setTrackingId(deployment, 'shop'), 'shop'), {
    state: 'own',
    trackingId: 'shop:apps/Deployment:shop/web',
  });
  assert.deepEqual(ownershipOf(setTrackingId(deployment, 'billing'), 'shop'), {
    state: 'other-app',
    app: 'billing',
    trackingId: 'billing:apps/Deployment:shop/web',
  });
  assert.deepEqual(ownershipOf(deployment, 'shop'), { state: 'unowned', reason: 'none' });
  assert.deepEqual(ownershipOf(annotated('shop'), 'shop'), {
    state: 'unowned',
    reason: 'malformed',
    trackingId: 'shop',
  });
  // An id copied from (or forged after) another object: whoever put it there, it claims nothing.
  for (const id of [
    'shop:apps/Deployment:shop/api',
    'shop:apps/ReplicaSet:shop/web',
    'shop:/Deployment:shop/web',
  ]) {
    assert.deepEqual(
      ownershipOf(annotated(id), 'shop'),
      { state: 'unowned', reason: 'other-object', trackingId: id },
      id,
    );
  }
});
