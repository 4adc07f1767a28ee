// `tiphys install` against a real testbed cluster: CRDs served, namespace and default AppProject
// present, twice in a row, and the CRDs behave as the schemas say (validation, status, columns).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { Command } from 'commander';
import { FIELD_MANAGER, installTiphys } from '../../src/adapters/kube/install.ts';
import type { Application } from '../../src/core/model/application.ts';
import { API_VERSION } from '../../src/core/model/common.ts';
import { tiphysCrds } from '../../src/core/model/crd.ts';
import { registerInstallCommand } from '../../src/main/install-command.ts';
import { ensureTestbedBinaries } from '../../testbed/src/binaries.ts';
import { startCluster, type TestCluster } from '../../testbed/src/cluster.ts';
import { apiRequest } from '../../testbed/src/kube-http.ts';

const run = promisify(execFile);

describe('tiphys install', () => {
  let cluster: TestCluster;
  let api: KubernetesObjectApi;

  before(async () => {
    cluster = await startCluster({ name: 'install' });
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    api = KubernetesObjectApi.makeApiClient(kc);
  });
  after(async () => {
    await cluster?.stop();
  });

  const application = (name: string, source: Record<string, unknown>): Application =>
    ({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name, namespace: 'tiphys' },
      spec: {
        source: { repoURL: 'https://git.example/config.git', ...source },
        destination: { namespace: name },
      },
    }) as Application;
  const apply = (object: KubernetesObject) =>
    api.patch(object, undefined, undefined, 'install-test', true, PatchStrategy.ServerSideApply);

  test('the CLI installs into the cluster of --kubeconfig, and again without changing anything', async () => {
    const program = new Command('tiphys').exitOverride();
    registerInstallCommand(program);
    await program.parseAsync(['install', '--kubeconfig', cluster.kubeconfigPath], { from: 'user' });
    const project = await api.read({
      apiVersion: API_VERSION,
      kind: 'AppProject',
      metadata: { name: 'default', namespace: 'tiphys' },
    });
    const again = await installTiphys({ kubeconfigPath: cluster.kubeconfigPath });
    assert.deepEqual(again.applied, [
      'namespace/tiphys',
      ...tiphysCrds().map((crd) => `customresourcedefinition/${crd.metadata.name}`),
      'appproject/default',
    ]);
    assert.ok(again.applied.includes('customresourcedefinition/applications.tiphys.dev'));
    const unchanged = await api.read(project as KubernetesObject & { metadata: { name: string } });
    assert.equal(unchanged.metadata?.resourceVersion, project.metadata?.resourceVersion, 'a no-op apply');
    const crd = await api.read({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'applications.tiphys.dev' },
    });
    const managers = crd.metadata?.managedFields?.map((f) => `${f.manager}/${f.operation}`);
    assert.ok(managers?.includes(`${FIELD_MANAGER}/Apply`), `managed by ${managers}`);
  });

  test('another control namespace gets its own default AppProject', async () => {
    const result = await installTiphys({ kubeconfigPath: cluster.kubeconfigPath, namespace: 'cd' });
    assert.equal(result.namespace, 'cd');
    const project = await api.read({
      apiVersion: API_VERSION,
      kind: 'AppProject',
      metadata: { name: 'default', namespace: 'cd' },
    });
    assert.equal(project.metadata?.namespace, 'cd');
  });

  test('the API server enforces the schema: one renderer per source', async () => {
    await apply(application('plain', { path: 'apps/plain', directory: { recurse: true } }));
    await assert.rejects(
      apply(application('both', { kustomize: {}, helm: {} })),
      (error: { code?: number }) => {
        assert.equal(error.code, 422);
        return true;
      },
    );
  });

  test('the status subresource keeps the free-form sync progress', async () => {
    const live = (await apply(application('with-status', {}))) as Application;
    const status: Application['status'] = {
      sync: { status: 'OutOfSync', revision: 'abc123' },
      health: { status: 'Progressing' },
      operationState: {
        operation: { sync: { revision: 'abc123' }, initiatedBy: { automated: true } },
        phase: 'Running',
        startedAt: '2026-01-01T00:00:00Z',
        progress: { wave: 2, applied: [{ kind: 'Deployment', name: 'web' }] },
      },
    };
    const response = await apiRequest(
      cluster.endpoint,
      'PUT',
      `/apis/${API_VERSION}/namespaces/tiphys/applications/with-status/status`,
      { ...live, status },
    );
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const stored = await api.read<Application>(live);
    assert.deepEqual(stored.status?.operationState?.progress, status.operationState?.progress);
  });

  test('kubectl shows the printer columns and finds everything under the tiphys category', async () => {
    const { kubectl } = await ensureTestbedBinaries();
    const env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath };
    const apps = await run(kubectl, ['get', 'tapp', '-n', 'tiphys'], { env });
    assert.match(apps.stdout, /^NAME\s+SYNC STATUS\s+HEALTH\s+REVISION\s+AGE/);
    assert.match(apps.stdout, /with-status\s+OutOfSync\s+Progressing\s+abc123/);
    const all = await run(kubectl, ['get', 'tiphys', '-n', 'tiphys', '-o', 'name'], { env });
    assert.match(all.stdout, /appproject\.tiphys\.dev\/default/);
  });

  test('deploy/install is accepted by the API server (server-side dry run)', async () => {
    const { kubectl } = await ensureTestbedBinaries();
    const env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath };
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const out = await run(
      kubectl,
      ['apply', '--server-side', '--dry-run=server', '-k', join(root, 'deploy/install')],
      { env },
    );
    assert.match(out.stdout, /deployment\.apps\/tiphys-controller serverside-applied \(server dry run\)/);
    assert.match(out.stdout, /clusterrolebinding\.rbac\.authorization\.k8s\.io\/tiphys-controller/);
  });
});
