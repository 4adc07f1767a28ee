import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../manifest/object.ts';
import { assessHealth, healthCheckedKinds, missingHealth } from './index.ts';

const deployment = (apiVersion: string, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion,
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', generation: 2 },
  spec: { replicas: 1 },
  status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
  ...extra,
});

test('dispatch is by group and kind, whatever the version', () => {
  assert.equal(assessHealth(deployment('apps/v1'))?.status, 'Healthy');
  assert.equal(assessHealth(deployment('apps/v1beta2'))?.status, 'Healthy');
  assert.equal(assessHealth(deployment('extensions/v1beta1'))?.status, 'Healthy');
  // Same kind name in another group: not a Kubernetes Deployment, so no check.
  assert.equal(assessHealth(deployment('example.com/v1')), null);
  assert.ok(healthCheckedKinds.includes('apps/Deployment'));
  assert.ok(healthCheckedKinds.includes('/Pod'));
});

test('a status older than the spec is Progressing; a kind that does not report it is not held back', () => {
  const stale = deployment('apps/v1', {
    status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
  });
  assert.equal(assessHealth(stale)?.status, 'Progressing');
  // A desired manifest has neither generation nor status: only the rollout checks apply.
  const desired = deployment('apps/v1', { metadata: { name: 'web' } });
  assert.equal(assessHealth(desired)?.status, 'Healthy');
  const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', generation: 3 } };
  assert.equal(assessHealth(service)?.status, 'Healthy');
  const hpa: KubeObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', generation: 3 },
    status: { observedGeneration: 2, conditions: [{ type: 'AbleToScale', status: 'True' }] },
  };
  assert.match(assessHealth(hpa)?.message ?? '', /generation 2 is older than desired generation 3/);
});

test('malformed status fields read as absent instead of throwing', () => {
  const odd: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: 'nonsense',
    status: { phase: 'Running', conditions: 'not a list', containerStatuses: [null, 3, { state: 7 }] },
  };
  assert.equal(assessHealth(odd)?.status, 'Progressing');
  const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, status: [1, 2] };
  assert.equal(assessHealth(job)?.status, 'Progressing');
});

test('missingHealth is the result for a desired object absent from the cluster', () => {
  assert.equal(missingHealth.status, 'Missing');
  assert.ok(Object.isFrozen(missingHealth));
});
