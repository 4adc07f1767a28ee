// What `tiphys install` can be checked for without a cluster: that the client library sends the
// objects unchanged, and which kubeconfig it picks. The install itself: test/e2e/install.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dumpYaml } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { controlPlaneObjects } from '../../core/model/control-plane.ts';
import { InstallError, loadKubeConfig, toClientObject } from './install.ts';

test('every object survives the client model the way KubernetesObjectApi.patch serializes it', () => {
  // Without toClientObject a CRD loses most of its x-kubernetes-* keys on the way out.
  const [crd] = controlPlaneObjects().crds;
  assert.notDeepEqual(parse(dumpYaml(crd)), crd);
  const { crds, namespace, defaultProject } = controlPlaneObjects('tiphys');
  for (const object of [...crds, namespace, defaultProject]) {
    // dumpYaml serializes exactly as patch() does: through the model named by apiVersion and kind.
    const sent = parse(dumpYaml(toClientObject(object)));
    assert.deepEqual(sent, object, `${object.kind} ${object.metadata.name}`);
  }
});

const dir = mkdtempSync(join(tmpdir(), 'tiphys-install-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(name: string, server: string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server } }],
      users: [{ name, user: { token: 'secret' } }],
      contexts: [{ name, context: { cluster: name, user: name } }],
      'current-context': name,
    }),
  );
  return path;
}

test('the kubeconfig comes from --kubeconfig, else from KUBECONFIG', (t) => {
  const flag = kubeconfig('flag', 'https://flag.example:6443');
  const env = kubeconfig('env', 'https://env.example:6443');
  t.after(() => {
    delete process.env.KUBECONFIG;
  });
  process.env.KUBECONFIG = env;
  assert.equal(loadKubeConfig(flag).getCurrentCluster()?.server, 'https://flag.example:6443');
  assert.equal(loadKubeConfig().getCurrentCluster()?.server, 'https://env.example:6443');
});

test('no kubeconfig anywhere is an error, not a silent localhost:8080', (t) => {
  const saved = {
    HOME: process.env.HOME,
    KUBECONFIG: process.env.KUBECONFIG,
    HOST: process.env.KUBERNETES_SERVICE_HOST,
  };
  t.after(() => {
    process.env.HOME = saved.HOME;
    if (saved.KUBECONFIG !== undefined) process.env.KUBECONFIG = saved.KUBECONFIG;
    if (saved.HOST !== undefined) process.env.KUBERNETES_SERVICE_HOST = saved.HOST;
  });
  process.env.HOME = dir;
  delete process.env.KUBECONFIG;
  delete process.env.KUBERNETES_SERVICE_HOST;
  assert.throws(
    () => loadKubeConfig(),
    (error) => error instanceof InstallError && /no kubeconfig found/.test(error.message),
  );
  assert.throws(() => loadKubeConfig(join(dir, 'missing')), /cannot load kubeconfig/);
});
