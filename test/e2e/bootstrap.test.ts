// `tiphys bootstrap --repo URL --path P` into an empty control cluster: Tiphys is installed, the
// self-managing Application is created and synced from Git (its path holds a platform object and
// the Application of another app), and running it again changes nothing.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import { KubeRest } from '../../src/adapters/kube/rest.ts';
import { runTiphysProcess } from '../../src/cli/app/cli-testkit.ts';
import type { Application } from '../../src/core/model/application.ts';
import { startCluster, type TestCluster } from '../../testbed/src/cluster.ts';
import { type GitServer, startGitServer } from '../../testbed/src/git-server.ts';

describe('tiphys bootstrap', () => {
  let cluster: TestCluster;
  let git: GitServer;
  let rest: KubeRest;
  let repo: string;
  before(async () => {
    [cluster, git] = await Promise.all([startCluster({ name: 'bootstrap' }), startGitServer()]);
    rest = new KubeRest(loadKubeConfig(cluster.kubeconfigPath));
    const dir = mkdtempSync(join(tmpdir(), 'tiphys-bootstrap-repo-'));
    mkdirSync(join(dir, 'platform'));
    mkdirSync(join(dir, 'shop'));
    writeFileSync(
      join(dir, 'platform', 'settings.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: platform-settings, namespace: tiphys}\ndata: {owner: platform}\n',
    );
    repo = `${git.url}/config.git`;
    writeFileSync(
      join(dir, 'platform', 'shop-app.yaml'),
      `apiVersion: tiphys.dev/v1alpha1\nkind: Application\nmetadata: {name: shop, namespace: tiphys}\nspec:\n  source: {repoURL: "${repo}", path: shop}\n  destination: {namespace: shop}\n  syncPolicy: {automated: {prune: true}, syncOptions: [CreateNamespace=true]}\n`,
    );
    writeFileSync(
      join(dir, 'shop', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shop}\ndata: {a: b}\n',
    );
    const created = await git.createRepo('config', dir);
    assert.equal(created.url, repo);
    rmSync(dir, { recursive: true, force: true });
  });
  after(async () => {
    rest?.close();
    await git?.close();
    await cluster?.stop();
  });

  test('installs, creates the self-managing app, syncs it; a second run changes nothing', async () => {
    const args = ['bootstrap', '--repo', repo, '--path', 'platform', '--timeout', '240'];
    const first = await runTiphysProcess(cluster.kubeconfigPath, args, 300_000);
    assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
    assert.match(first.stdout, /application\/tiphys created/);
    const app = await rest.request<Application>(
      'GET',
      '/apis/tiphys.dev/v1alpha1/namespaces/tiphys/applications/tiphys',
    );
    assert.equal(app.status?.sync?.status, 'Synced');
    assert.equal(app.spec.source?.repoURL, repo);
    const settings = await rest.request<{ metadata: { resourceVersion: string } }>(
      'GET',
      '/api/v1/namespaces/tiphys/configmaps/platform-settings',
    );
    const shop = await rest.request<Application>(
      'GET',
      '/apis/tiphys.dev/v1alpha1/namespaces/tiphys/applications/shop',
    );
    assert.equal(shop.spec.source?.path, 'shop', 'the other apps come from the same path');
    const second = await runTiphysProcess(cluster.kubeconfigPath, args, 300_000);
    assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
    assert.match(second.stdout, /application\/tiphys unchanged/);
    assert.match(second.stdout, /already in sync .*: nothing to do/);
    const again = await rest.request<Application>(
      'GET',
      '/apis/tiphys.dev/v1alpha1/namespaces/tiphys/applications/tiphys',
    );
    assert.equal(
      again.metadata.resourceVersion,
      app.metadata.resourceVersion,
      'the Application was not written',
    );
    assert.equal(again.status?.history?.length, app.status?.history?.length, 'no second sync');
    const settingsAgain = await rest.request<{ metadata: { resourceVersion: string } }>(
      'GET',
      '/api/v1/namespaces/tiphys/configmaps/platform-settings',
    );
    assert.equal(settingsAgain.metadata.resourceVersion, settings.metadata.resourceVersion);
  });
});
