// An app deployed to a second cluster registered as a Cluster; losing that cluster's API server
// does not stall the apps of the control cluster, and the remote app recovers when it is back.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runTiphysProcess } from '../../src/cli/app/cli-testkit.ts';
import type { Controller } from '../../src/controller/controller.ts';
import { startCluster, type TestCluster } from '../../testbed/src/cluster.ts';
import {
  createApp,
  type Env,
  eventually,
  startEnv,
  startInProcessController,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';

const testdata = join(import.meta.dirname, 'testdata');
const automated = { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] };

describe('several clusters', () => {
  let env: Env;
  let remote: TestCluster;
  let controller: Controller;
  let repo: string;
  before(async () => {
    [env, remote] = await Promise.all([startEnv('control'), startCluster({ name: 'remote' })]);
    repo = (await env.git.createRepo('testdata', testdata)).url;
    controller = startInProcessController(env);
    await controller.start();
  });
  after(async () => {
    await controller?.stop();
    await remote?.stop();
    await env?.stop();
  });

  test('an app deploys to a registered remote cluster', async () => {
    const caFile = join(remote.dir, 'ca-for-cli.crt');
    writeFileSync(caFile, remote.ca);
    const added = await runTiphysProcess(env.cluster.kubeconfigPath, [
      'cluster',
      'add',
      'remote',
      '--server',
      remote.server,
      '--token',
      remote.token,
      '--ca-file',
      caFile,
      '--label',
      'region=test-2',
    ]);
    assert.equal(added.code, 0, added.stderr);
    await createApp(env, 'remote-app', {
      source: { repoURL: repo, path: 'deps/first' },
      destination: { cluster: 'remote', namespace: 'far' },
      syncPolicy: automated,
    });
    await createApp(env, 'local-app', {
      source: { repoURL: repo, path: 'deps/second' },
      destination: { namespace: 'near' },
      syncPolicy: automated,
    });
    await waitForApp(env, 'remote-app', syncedAndHealthy, 'synced to the remote cluster');
    await waitForApp(env, 'local-app', syncedAndHealthy, 'synced locally');
    const remoteRest = await import('../../testbed/src/kube-http.ts');
    const inRemote = await remoteRest.apiRequest(
      remote.endpoint,
      'GET',
      '/api/v1/namespaces/far/configmaps/first',
    );
    assert.equal(inRemote.status, 200);
    const inControl = await env.rest
      .request('GET', '/api/v1/namespaces/far/configmaps/first')
      .catch((error: { status: number }) => error.status);
    assert.equal(inControl, 404, 'the remote app went to the remote cluster only');
  });

  test('a stopped remote API server leaves the control cluster apps reconciling', async () => {
    await remote.stopComponent('kube-apiserver');
    controller.refresh('remote-app');
    await waitForApp(
      env,
      'remote-app',
      (a) => (a.status?.conditions ?? []).some((c) => c.type === 'ComparisonError'),
      'a connection condition',
    );
    const commit = await env.git.commitFiles(
      'testdata',
      {
        'deps/second/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: second\ndata:\n  order: moved-on\n',
      },
      'local change while remote is down',
    );
    controller.refresh('local-app');
    await waitForApp(
      env,
      'local-app',
      (a) => a.status?.sync?.revision === commit && syncedAndHealthy(a),
      'the local app to sync the new commit',
      30_000,
    );
    await remote.startComponent('kube-apiserver');
    controller.refresh('remote-app');
    await eventually(
      'the remote app to recover',
      async () => {
        controller.refresh('remote-app');
        return waitForApp(env, 'remote-app', syncedAndHealthy, 'recovered', 5_000).catch(() => undefined);
      },
      90_000,
    );
  });
});
