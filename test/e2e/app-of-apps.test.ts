// App of apps: a root Application whose Git holds Applications. Children written for Argo CD
// (`argoproj.io/v1alpha1`, destination by server URL) become Tiphys Applications on the
// registered Cluster of that URL; a change in Git updates them; deleting the root cascades.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import type { Controller } from '../../src/controller/controller.ts';
import { startCluster, type TestCluster } from '../../testbed/src/cluster.ts';
import { apiRequest } from '../../testbed/src/kube-http.ts';
import { registerTestCluster } from './fleet-support.ts';
import {
  type Env,
  eventually,
  getApp,
  NAMESPACE,
  readObject,
  startEnv,
  startInProcessController,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';

const automated = { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] };
const appsPath = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications`;

function argoApp(name: string, repo: string, server: string, namespace: string) {
  return stringify({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd', finalizers: ['resources-finalizer.argocd.argoproj.io'] },
    spec: {
      project: 'default',
      source: { repoURL: repo, targetRevision: 'HEAD', path: 'guestbook' },
      destination: { server, namespace },
      syncPolicy: automated,
    },
  });
}

describe('app of apps', () => {
  let env: Env;
  let remote: TestCluster;
  let controller: Controller;
  let repo: string;
  before(async () => {
    [env, remote] = await Promise.all([startEnv('aoa'), startCluster({ name: 'aoa-remote' })]);
    await registerTestCluster(env, 'remote', remote, { region: 'far' });
    const empty = mkdtempSync(join(tmpdir(), 'tiphys-aoa-'));
    repo = (await env.git.createRepo('platform', empty)).url;
    rmSync(empty, { recursive: true, force: true });
    await env.git.commitFiles(
      'platform',
      {
        'guestbook/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: guestbook\ndata:\n  v: "1"\n',
        'apps/local.yaml': argoApp('guestbook-local', repo, 'https://kubernetes.default.svc', 'guest-local'),
        'apps/remote.yaml': argoApp('guestbook-remote', repo, remote.server, 'guest-far'),
      },
      'an app of apps written for Argo CD',
    );
    controller = startInProcessController(env);
    await controller.start();
  });
  after(async () => {
    await controller?.stop();
    await remote?.stop();
    await env?.stop();
  });

  test('Argo CD children become Tiphys Applications on the Cluster their server URL names, and sync', async () => {
    await env.rest.request('POST', appsPath, {
      body: {
        apiVersion: 'tiphys.dev/v1alpha1',
        kind: 'Application',
        metadata: { name: 'root', namespace: NAMESPACE, finalizers: ['resources-finalizer.tiphys.dev'] },
        spec: {
          source: { repoURL: repo, path: 'apps' },
          destination: { namespace: NAMESPACE },
          syncPolicy: automated,
        },
      },
    });
    const far = await waitForApp(
      env,
      'guestbook-remote',
      syncedAndHealthy,
      'the remote child synced',
      120_000,
    );
    assert.equal(far.apiVersion, 'tiphys.dev/v1alpha1');
    assert.deepEqual(far.spec.destination, { namespace: 'guest-far', cluster: 'remote' });
    assert.deepEqual(far.metadata.finalizers, ['resources-finalizer.tiphys.dev']);
    const local = await waitForApp(
      env,
      'guestbook-local',
      syncedAndHealthy,
      'the local child synced',
      120_000,
    );
    assert.deepEqual(local.spec.destination, { namespace: 'guest-local', cluster: 'in-cluster' });
    const inRemote = await apiRequest(
      remote.endpoint,
      'GET',
      '/api/v1/namespaces/guest-far/configmaps/guestbook',
    );
    assert.equal(inRemote.status, 200);
    assert.ok(await readObject(env, '/api/v1/namespaces/guest-local/configmaps/guestbook'));
  });

  test('a change of a child in Git updates it; an unknown server is reported on the root, nothing applied', async () => {
    await env.git.commitFiles(
      'platform',
      {
        'apps/local.yaml': argoApp('guestbook-local', repo, 'https://kubernetes.default.svc', 'guest-moved'),
      },
      'move the local guestbook',
    );
    controller.refresh('root');
    await waitForApp(env, 'guestbook-local', (a) => a.spec.destination.namespace === 'guest-moved', 'moved');
    await env.git.commitFiles(
      'platform',
      { 'apps/ghost.yaml': argoApp('ghost', repo, 'https://nowhere.example:6443', 'x') },
      'a child on a cluster nobody registered',
    );
    controller.refresh('root');
    const root = await waitForApp(
      env,
      'root',
      (a) => (a.status?.conditions ?? []).some((c) => /nowhere\.example/.test(c.message)),
      'the unknown server named',
    );
    assert.match(
      root.status?.conditions?.map((c) => c.message).join(' ') ?? '',
      /not the server of any registered Cluster/,
    );
    assert.equal(await readObject(env, `${appsPath}/ghost`), undefined, 'nothing of that render applied');
    await env.git.commitFiles('platform', { 'apps/ghost.yaml': null }, 'drop the ghost');
  });

  test('deleting the root cascades to its children and their resources', async () => {
    await env.rest.request('DELETE', `${appsPath}/root`);
    await eventually(
      'the children gone',
      async () => {
        const left = await Promise.all(
          ['root', 'guestbook-local', 'guestbook-remote'].map((n) => readObject(env, `${appsPath}/${n}`)),
        );
        return left.every((o) => o === undefined);
      },
      120_000,
    );
    await eventually('the remote ConfigMap gone', async () => {
      const r = await apiRequest(remote.endpoint, 'GET', '/api/v1/namespaces/guest-far/configmaps/guestbook');
      return r.status === 404;
    });
    await assert.rejects(getApp(env, 'guestbook-remote'));
  });
});
