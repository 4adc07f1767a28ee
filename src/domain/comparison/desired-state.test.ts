import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResourceInfo } from '../../adapters/kube/discovery.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { trackingIdAnnotation } from '../../core/manifest/tracking.ts';
import { DuplicateResourceError, prepareDesired } from './desired-state.ts';
import type { ComparisonTarget } from './ports.ts';

const SERVED: Record<string, ResourceInfo> = {
  'v1/ConfigMap': { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  'v1/Namespace': { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  'rbac.authorization.k8s.io/v1/ClusterRole': {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    plural: 'clusterroles',
    namespaced: false,
  },
};

/** A destination whose discovery serves SERVED, counting lookups; `refuse` is a namespace it does not watch. */
function destination(refuse?: string) {
  const lookups: string[] = [];
  const target = {
    name: 'in-cluster',
    server: 'https://kubernetes.default.svc',
    cache: {
      watch: async (apiVersion: string, kind: string) => {
        lookups.push(`${apiVersion}/${kind}`);
        return SERVED[`${apiVersion}/${kind}`];
      },
      assertWatched: (kind: string, namespace: string | undefined) => {
        if (namespace === refuse) throw new Error(`${kind} in ${namespace}: not a watched namespace`);
      },
    },
  } as unknown as ComparisonTarget;
  return { target, lookups };
}

const object = (
  apiVersion: string,
  kind: string,
  name: string,
  extra: Partial<KubeObject['metadata']> = {},
) => ({ apiVersion, kind, metadata: { name, ...extra } }) as KubeObject;

test('namespaced kinds get the destination namespace, cluster-scoped ones lose a stray one, each is tracked', async () => {
  const { target } = destination();
  const rendered = [
    object('v1', 'ConfigMap', 'plain'),
    object('v1', 'ConfigMap', 'elsewhere', { namespace: 'other' }),
    object('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader', { namespace: 'stray' }),
  ];
  const before = structuredClone(rendered);
  const desired = await prepareDesired(rendered, 'guestbook', 'team-a', target);
  assert.deepEqual(
    desired.map((d) => [d.id, d.object.metadata.namespace, d.namespaced]),
    [
      ['/ConfigMap/team-a/plain', 'team-a', true],
      ['/ConfigMap/other/elsewhere', 'other', true],
      ['rbac.authorization.k8s.io/ClusterRole//reader', undefined, false],
    ],
  );
  for (const d of desired)
    assert.match(d.object.metadata.annotations?.[trackingIdAnnotation] ?? '', /^guestbook:/, d.id);
  assert.deepEqual(rendered, before, 'the rendered objects are not changed');
});

test('a kind the cluster does not serve yet takes its scope from a CRD of the same render', async () => {
  const { target } = destination();
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: { group: 'example.com', names: { kind: 'Widget' }, scope: 'Cluster' },
  } as KubeObject;
  const widget = object('example.com/v1', 'Widget', 'w', { namespace: 'stray' });
  const gadget = object('example.com/v1', 'Gadget', 'g'); // no CRD anywhere: namespaced by default
  const desired = await prepareDesired([crd, widget, gadget], 'app', 'team-a', target);
  const byKind = new Map(desired.map((d) => [d.object.kind, d]));
  assert.equal(byKind.get('Widget')?.namespaced, false);
  assert.equal(byKind.get('Widget')?.object.metadata.namespace, undefined);
  assert.equal(byKind.get('Widget')?.info, undefined, 'not served: no discovery info');
  assert.equal(byKind.get('Gadget')?.namespaced, true);
  assert.equal(byKind.get('Gadget')?.object.metadata.namespace, 'team-a');
});

test('annotations are read: hook phases, wave, delete policies, sync options', async () => {
  const { target } = destination();
  const hook = object('v1', 'ConfigMap', 'migrate', {
    annotations: {
      'argocd.argoproj.io/hook': 'PreSync',
      'argocd.argoproj.io/sync-wave': '-2',
      'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded',
      'argocd.argoproj.io/sync-options': 'Replace=true',
    },
  });
  const [desired] = await prepareDesired([hook], 'app', 'team-a', target);
  assert.deepEqual(desired.hookPhases, ['PreSync']);
  assert.equal(desired.wave, -2);
  assert.deepEqual(desired.deletePolicies, ['HookSucceeded']);
  assert.deepEqual(desired.syncOptions, { Replace: 'true' });
});

test('the same object twice is refused, naming it and both positions', async () => {
  const { target } = destination();
  const rendered = [
    object('v1', 'ConfigMap', 'a'),
    object('v1', 'ConfigMap', 'b'),
    object('v1', 'ConfigMap', 'a', { namespace: 'team-a' }), // the same once completed
  ];
  await assert.rejects(
    prepareDesired(rendered, 'app', 'team-a', target),
    (error: Error) =>
      error instanceof DuplicateResourceError &&
      error.message === 'the manifests define ConfigMap team-a/a twice (objects 1 and 3)',
  );
});

test('discovery is asked once per kind, and an object in a namespace not watched is refused by name', async () => {
  const { target, lookups } = destination('secret-ns');
  await prepareDesired(
    [object('v1', 'ConfigMap', 'a'), object('v1', 'ConfigMap', 'b'), object('v1', 'Namespace', 'team-a')],
    'app',
    'team-a',
    target,
  );
  assert.deepEqual(lookups, ['v1/ConfigMap', 'v1/Namespace']);
  await assert.rejects(
    prepareDesired([object('v1', 'ConfigMap', 'x', { namespace: 'secret-ns' })], 'app', 'team-a', target),
    /ConfigMap in secret-ns: not a watched namespace/,
  );
});
