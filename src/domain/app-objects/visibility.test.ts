import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../core/manifest/object.ts';
import { setTrackingId } from '../../core/manifest/tracking.ts';
import type { AppProject } from '../../core/model/app-project.ts';
import type { Application } from '../../core/model/application.ts';
import { visibilityFor } from './visibility.ts';

const project: AppProject = {
  apiVersion: 'tiphys.dev/v1alpha1',
  kind: 'AppProject',
  metadata: { name: 'team-a' },
  spec: {
    sourceRepos: ['*'],
    destinations: [{ cluster: 'in-cluster', namespace: 'team-a' }],
    clusterResourceWhitelist: [{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' }],
    namespaceResourceBlacklist: [{ group: '', kind: 'ResourceQuota' }],
  },
};
const app: Application = {
  apiVersion: 'tiphys.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web', namespace: 'tiphys' },
  spec: {
    project: 'team-a',
    source: { repoURL: 'https://git.example.com/config.git', path: 'web' },
    destination: { namespace: 'team-a' },
  },
};
const visibility = visibilityFor(app, project);
const configMap = (namespace: string, name = 'c'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
});

test('the project decides by namespace and kind, cluster-scoped objects by the whitelist', () => {
  const ref = (kind: string, namespace: string, group = '') => ({ group, kind, namespace, name: 'x' });
  assert.equal(visibility.permits(ref('ConfigMap', 'team-a')), true);
  assert.equal(visibility.permits(ref('ConfigMap', 'kube-system')), false);
  assert.equal(visibility.permits(ref('ResourceQuota', 'team-a')), false);
  assert.equal(visibility.permits(ref('Namespace', '')), false);
  assert.equal(visibility.permits(ref('ClusterRole', '', 'rbac.authorization.k8s.io')), true);
});

test("a live object is the app's only with its own tracking id, for that very object, where permitted", () => {
  assert.equal(visibility.owns(setTrackingId(configMap('team-a'), 'web')), true);
  assert.equal(visibility.owns(configMap('team-a')), false, 'nobody tracks it');
  assert.equal(visibility.owns(setTrackingId(configMap('team-a'), 'other-app')), false);
  const copied = configMap('team-a', 'elsewhere');
  copied.metadata.annotations = setTrackingId(configMap('team-a'), 'web').metadata.annotations;
  assert.equal(visibility.owns(copied), false, 'an id copied onto another object does not count');
  assert.equal(visibility.owns(setTrackingId(configMap('kube-system'), 'web')), false, 'outside the project');
});
