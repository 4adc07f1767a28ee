import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ArgoApplicationError,
  clusterForServer,
  fromArgoApplication,
  fromArgoFinalizers,
  fromArgoSpec,
} from './argocd-compat.ts';

const clusters = [
  { name: 'eu-1', server: 'https://eu-1.example:6443' },
  { name: 'us-1', server: 'https://us-1.example:6443/' },
];

test('a server URL names its registered Cluster (trailing slash ignored); kubernetes.default.svc is in-cluster', () => {
  assert.equal(clusterForServer('https://eu-1.example:6443/', clusters), 'eu-1');
  assert.equal(clusterForServer('https://us-1.example:6443', clusters), 'us-1');
  assert.equal(clusterForServer('https://kubernetes.default.svc', clusters), 'in-cluster');
  assert.equal(clusterForServer('https://elsewhere', clusters), undefined);
});

test('fromArgoSpec: destination server or name becomes cluster; info dropped; other fields kept', () => {
  const out = fromArgoSpec(
    {
      project: 'p',
      info: [{ name: 'a', value: 'b' }],
      destination: { server: 'https://eu-1.example:6443', namespace: 'x' },
    },
    clusters,
  );
  assert.deepEqual(out, { spec: { project: 'p', destination: { namespace: 'x', cluster: 'eu-1' } } });
  assert.deepEqual(fromArgoSpec({ destination: { name: 'us-1' } }, clusters), {
    spec: { destination: { cluster: 'us-1' } },
  });
  assert.deepEqual(fromArgoSpec({ destination: { server: 'https://nope' } }, clusters), {
    problem: 'destination.server https://nope is not the server of any registered Cluster',
  });
  assert.match(
    (
      fromArgoSpec({ destination: { server: 'https://eu-1.example:6443', cluster: 'us-1' } }, clusters) as {
        problem: string;
      }
    ).problem,
    /is Cluster eu-1, not us-1/,
  );
});

test("Argo CD's cascade finalizer becomes Tiphys's", () => {
  assert.deepEqual(fromArgoFinalizers(['resources-finalizer.argocd.argoproj.io', 'x'], 'tiphys-f'), [
    'tiphys-f',
    'x',
  ]);
  assert.deepEqual(fromArgoFinalizers(['resources-finalizer.argocd.argoproj.io/background'], 'tiphys-f'), [
    'tiphys-f',
  ]);
  assert.equal(fromArgoFinalizers(undefined, 'tiphys-f'), undefined);
});

test('fromArgoApplication: into the control namespace, status and operation dropped', () => {
  const app = fromArgoApplication(
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'a', namespace: 'argocd' },
      spec: { source: { repoURL: 'r' }, destination: { server: 'https://kubernetes.default.svc' } },
      status: { sync: {} },
      operation: { sync: {} },
    },
    { namespace: 'tiphys', clusters, tiphysFinalizer: 'f' },
  );
  assert.deepEqual(app, {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'a', namespace: 'tiphys' },
    spec: { source: { repoURL: 'r' }, destination: { cluster: 'in-cluster' } },
  });
  assert.throws(
    () =>
      fromArgoApplication(
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          metadata: { name: 'b' },
          spec: { destination: { server: 'https://x' } },
        },
        { namespace: 'tiphys', clusters, tiphysFinalizer: 'f' },
      ),
    (e: Error) =>
      e instanceof ArgoApplicationError &&
      /Argo CD Application b: destination.server https:\/\/x/.test(e.message),
  );
});
