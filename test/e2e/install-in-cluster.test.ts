// Tiphys installed the way users install Argo CD, on a cluster whose node really runs containers:
// the image from `npm run image` pushed to the testbed registry, `kubectl apply -k` of
// deploy/install (from a config repo, image overridden), both Deployments Ready, the API reached
// through a NodePort, an app from examples/ with its Pod Running; then Tiphys manages itself and a
// commit that changes its image tag (announced by a push webhook) rolls out a new controller that
// takes the Lease over.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoRoot } from '../../scripts/deploy/generated.ts';
import { startCluster, type TestCluster } from '../../testbed/src/cluster.ts';
import { type GitServer, startGitServer } from '../../testbed/src/git-server.ts';
import { pushImage } from '../../testbed/src/image.ts';
import {
  eventually,
  get,
  httpGet,
  type Json,
  kubectl,
  pushProbeImage,
} from '../../testbed/src/node/real-node-kit.ts';
import { startRegistry, type TestRegistry } from '../../testbed/src/registry.ts';
import { tiphysTestImage } from '../image/image-kit.ts';

const NODE_PORT = 30080;
const figure = (line: string) => console.error(`[figures] ${line}`);

/** The config repo's folder `tiphys`: deploy/install with the image and the API on a NodePort. */
function installKustomization(image: string, tag: string): string {
  return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [../deploy/install]
images:
  - name: tiphys
    newName: ${image}
    newTag: ${tag}
patches:
  - target: { kind: Service, name: tiphys-server }
    patch: |-
      - op: add
        path: /spec/type
        value: NodePort
      - op: add
        path: /spec/ports/0/nodePort
        value: ${NODE_PORT}
`;
}

describe('Tiphys installed into a cluster with a real node', { timeout: 1_800_000 }, () => {
  let cluster: TestCluster;
  let registry: TestRegistry;
  let git: GitServer;
  let scratch: string;
  let repoImage: string;
  /** How Pods reach the Git server on the host's loopback. */
  let gitForPods: string;
  let shopImage: string;
  let api: string;
  let token: string;
  let configCommit: string;

  const call = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Json }> => {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };
  const app = async (name: string): Promise<Json> => (await call('GET', `/api/v1/applications/${name}`)).json;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'tiphys-install-e2e-'));
    registry = await startRegistry();
    const access = { caFile: registry.caPath, username: registry.username, password: registry.password };
    repoImage = `${registry.host}/tiphys`;
    const [{ layoutDir, image, seconds }, shop] = await Promise.all([
      tiphysTestImage(),
      pushProbeImage(registry, 'examples/shop', '1'),
    ]);
    const compressed = image.layers.reduce((sum, layer) => sum + layer.size, 0) / 1e6;
    figure(`Tiphys image: ${compressed.toFixed(1)} MB compressed, built in ${seconds.toFixed(0)} s`);
    shopImage = shop.ref;
    // v2 is the same image under a new tag: what the rollout needs is a changed Pod template.
    await pushImage(layoutDir, `${repoImage}:v1`, access);
    await pushImage(layoutDir, `${repoImage}:v2`, access);
    [cluster, git] = await Promise.all([startCluster({ name: 'install', realNode: true }), startGitServer()]);
    await cluster.trustRegistry(registry);
    gitForPods = await cluster.exposeHostPort(Number(new URL(git.url).port));
    api = `http://${cluster.realNode?.network.nodeIp}:${NODE_PORT}`;
  });
  after(async () => {
    await Promise.all([cluster?.stop(), registry?.stop(), git?.close()]);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('kubectl apply -k: both Deployments Ready, the API answers through a NodePort', async () => {
    const config = join(scratch, 'config');
    mkdirSync(join(config, 'deploy'), { recursive: true });
    for (const dir of ['crds', 'install'])
      cpSync(join(repoRoot, 'deploy', dir), join(config, 'deploy', dir), { recursive: true });
    mkdirSync(join(config, 'tiphys'));
    writeFileSync(join(config, 'tiphys/kustomization.yaml'), installKustomization(repoImage, 'v1'));
    const created = await git.createRepo('config', config);
    assert.ok(created.commit);
    configCommit = created.commit;

    const applied = Date.now();
    await kubectl(cluster, ['apply', '--server-side', '-k', join(config, 'tiphys')]);
    for (const name of ['tiphys-controller', 'tiphys-server']) {
      await eventually(`Deployment ${name} Ready`, 600_000, async () => {
        const deployment = await get(cluster, `/apis/apps/v1/namespaces/tiphys/deployments/${name}`);
        return deployment.status?.readyReplicas === 1 ? deployment : undefined;
      });
    }
    await eventually('the API through the NodePort', 120_000, async () => {
      const res = await httpGet(`${api}/healthz`);
      return res.status === 200 ? res : undefined;
    });
    figure(
      `kubectl apply of the install to the API answering: ${((Date.now() - applied) / 1000).toFixed(1)} s`,
    );
    const [pod] = (
      await get(
        cluster,
        '/api/v1/namespaces/tiphys/pods?labelSelector=app.kubernetes.io%2Fname%3Dtiphys-server',
      )
    ).items;
    assert.equal(pod.spec.containers[0].image, `${repoImage}:v1`);
    assert.equal(pod.spec.nodeName, (await get(cluster, '/api/v1/nodes')).items[0].metadata.name);
  });

  test('log in with the initial admin password; an app from examples/ in Git gets its Pod Running', async () => {
    const secret = await get(cluster, '/api/v1/namespaces/tiphys/secrets/tiphys-initial-admin-secret');
    const password = Buffer.from(secret.data.password, 'base64').toString();
    const login = await fetch(`${api}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    assert.equal(login.status, 200);
    token = ((await login.json()) as { token: string }).token;

    await git.createRepo('examples', join(repoRoot, 'examples'));
    const created = await call('POST', '/api/v1/applications', {
      metadata: { name: 'shop-dev' },
      spec: {
        source: {
          repoURL: `http://${gitForPods}/examples.git`,
          path: 'kustomize/overlays/dev',
          kustomize: { images: [`registry.example.com/shop=${shopImage}`] },
        },
        destination: { namespace: 'shop-dev' },
        syncPolicy: { automated: {}, syncOptions: ['CreateNamespace=true'] },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    await eventually('shop-dev Synced and Healthy', 300_000, async () => {
      const status = (await app('shop-dev')).status;
      return status?.sync?.status === 'Synced' && status?.health?.status === 'Healthy' ? status : undefined;
    });
    const [pod] = (await get(cluster, '/api/v1/namespaces/shop-dev/pods')).items;
    assert.equal(pod.status.phase, 'Running');
    assert.equal(pod.status.containerStatuses[0].ready, true);
    assert.equal(pod.spec.containers[0].image, shopImage);
  });

  test('Tiphys manages itself: a commit changing its image tag rolls out a controller that takes the Lease over', async () => {
    const created = await call('POST', '/api/v1/applications', {
      metadata: { name: 'tiphys' },
      spec: {
        source: { repoURL: `http://${gitForPods}/config.git`, path: 'tiphys' },
        destination: { namespace: 'tiphys' },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    await eventually('the tiphys app Synced and Healthy at the first commit', 300_000, async () => {
      const status = (await app('tiphys')).status;
      const done = status?.sync?.status === 'Synced' && status?.health?.status === 'Healthy';
      return done && status.sync.revision === configCommit ? status : undefined;
    });
    const oldPods = await controllerPods();
    assert.equal(oldPods.length, 1);
    const lease = await get(
      cluster,
      '/apis/coordination.k8s.io/v1/namespaces/tiphys/leases/tiphys-controller',
    );
    assert.ok(
      lease.spec.holderIdentity.startsWith(`${oldPods[0].metadata.name}-`),
      lease.spec.holderIdentity,
    );

    const upgrade = await git.commitFiles(
      'config',
      { 'tiphys/kustomization.yaml': installKustomization(repoImage, 'v2') },
      'tiphys v2',
    );
    // The Git server's push webhook, through the API server's Service: no waiting for a poll.
    const hook = await fetch(`${api}/api/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push' },
      body: JSON.stringify({
        ref: 'refs/heads/main',
        repository: { clone_url: `http://${gitForPods}/config.git`, default_branch: 'main' },
      }),
    });
    assert.equal(hook.status, 200);
    // The reply is a count only, so a caller learns nothing about app names.
    assert.deepEqual(await hook.json(), { refreshed: 1 });
    const newPod = await eventually(
      'one controller Pod of v2, Ready, the old one gone',
      600_000,
      async () => {
        const pods = await controllerPods();
        const [only] = pods;
        const ready = only?.status.containerStatuses?.[0]?.ready === true;
        return pods.length === 1 && only.spec.containers[0].image === `${repoImage}:v2` && ready
          ? only
          : undefined;
      },
    );
    assert.notEqual(newPod.metadata.name, oldPods[0].metadata.name);
    await eventually('the new controller holds the Lease', 120_000, async () => {
      const now = await get(
        cluster,
        '/apis/coordination.k8s.io/v1/namespaces/tiphys/leases/tiphys-controller',
      );
      return now.spec.holderIdentity?.startsWith(`${newPod.metadata.name}-`) ? now : undefined;
    });
    const final = await eventually('the tiphys app Synced and Healthy at the upgrade', 300_000, async () => {
      const current = await app('tiphys').catch(() => undefined);
      const status = current?.status;
      const done = status?.sync?.status === 'Synced' && status?.health?.status === 'Healthy';
      return done && status.sync.revision === upgrade && status.operationState?.phase === 'Succeeded'
        ? current
        : undefined;
    });
    // The upgrade ran as one operation: one history entry for it, after the first commit's.
    const revisions = (final.status.history ?? []).map((entry: Json) => entry.revision);
    assert.deepEqual(revisions, [configCommit, upgrade]);
    const server = await get(cluster, '/apis/apps/v1/namespaces/tiphys/deployments/tiphys-server');
    assert.equal(server.spec.template.spec.containers[0].image, `${repoImage}:v2`);
  });

  test('figures: memory of the controller and the server at rest with 50 apps', async () => {
    const many = join(scratch, 'many');
    for (let i = 0; i < 50; i++) {
      mkdirSync(join(many, `app-${i}`), { recursive: true });
      writeFileSync(
        join(many, `app-${i}`, 'configmap.yaml'),
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-${i}\ndata:\n  n: "${i}"\n`,
      );
    }
    await git.createRepo('many', many);
    for (let i = 0; i < 50; i++) {
      const created = await call('POST', '/api/v1/applications', {
        metadata: { name: `many-${i}` },
        spec: {
          source: { repoURL: `http://${gitForPods}/many.git`, path: `app-${i}` },
          destination: { namespace: 'many' },
          syncPolicy: { automated: {}, syncOptions: ['CreateNamespace=true'] },
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.json));
    }
    await eventually('50 apps Synced', 600_000, async () => {
      const list = (await call('GET', '/api/v1/applications')).json;
      const items: Json[] = list.items ?? list;
      const synced = items.filter(
        (a) => a.metadata.name.startsWith('many-') && a.status?.sync?.status === 'Synced',
      );
      return synced.length === 50 ? synced : undefined;
    });
    const [controller] = await controllerPods();
    const rss = async (url: string) => {
      const text = (await httpGet(url)).body;
      const match = /^process_resident_memory_bytes (\d+)/m.exec(text);
      assert.ok(match, `no resident memory in ${url}`);
      return Number(match[1]) / 1e6;
    };
    const controllerRss = await rss(`http://${controller.status.podIP}:8081/metrics`);
    const serverRss = await rss(`${api}/metrics`);
    figure(
      `RSS at rest with 50 apps (+2): controller ${controllerRss.toFixed(0)} MB, server ${serverRss.toFixed(0)} MB`,
    );
    assert.ok(controllerRss > 0 && serverRss > 0);
  });

  async function controllerPods(): Promise<Json[]> {
    const list = await get(
      cluster,
      '/api/v1/namespaces/tiphys/pods?labelSelector=app.kubernetes.io%2Fname%3Dtiphys-controller',
    );
    return list.items.filter((pod: Json) => !pod.metadata.deletionTimestamp);
  }
});
