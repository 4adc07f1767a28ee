// Image pushed → a new dev Pod answering, on a node that really runs containers: the hello
// source repository's pipeline (ci/pipeline.sh) builds and pushes hello:1.0.N to the testbed
// registry, whose push notification reaches the controller's POST /webhook/registry; Tiphys
// scans, commits the tag to the dev overlay, refreshes and syncs dev; timed until a Ready dev Pod
// answers `hello 1.0.N` (read through the node's network). Median of 5.
// Floor, same node, same run: the same kind of image (a new build, so its layer is not cached)
// pushed to another repository, then `kubectl set image` on a Deployment Tiphys does not manage,
// timed the same way. Targets: median < 15 s and < 3× the floor.
// The clock starts when the pipeline script returns; its last step (crane digest) runs after the
// push, so Tiphys gets the notification up to one registry round trip before the clock starts.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeConfig } from '../src/adapters/kube/install.ts';
import { Controller } from '../src/controller/controller.ts';
import { controllerHttp } from '../src/controller/http.ts';
import {
  createImageObject,
  createRegistrySecrets,
  HelloCi,
  helloDeployment,
  helloFolder,
  helloKustomization,
} from '../test/e2e/image-kit.ts';
import { createApp, NAMESPACE, startEnv, syncedAndHealthy, waitForApp } from '../test/e2e/support.ts';
import { httpGet, kubectl } from '../testbed/src/node/real-node-kit.ts';
import { startRegistry } from '../testbed/src/registry.ts';
import { median, report } from './stats.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const env = await startEnv('bench-images', { realNode: true });
const kubeConfig = loadKubeConfig(env.cluster.kubeconfigPath);
const controller = new Controller({
  kubeConfig,
  namespace: NAMESPACE,
  tools: env.tools,
  cacheDir: mkdtempSync(join(tmpdir(), 'tiphys-bench-ctrl-')),
  leaderElection: false,
  // No help from polling: the sync follows the controller's own commit.
  pollIntervalMs: 600_000,
});
await controller.start();
const secret = randomBytes(24).toString('hex');
const hooks = controllerHttp(controller, { registryWebhookSecret: secret });
const hooksUrl = (await hooks.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
const registry = await startRegistry({ notifications: { url: `${hooksUrl}/webhook/registry`, secret } });
const ci = new HelloCi(registry);
const image = `${registry.host}/team/hello`;
const floorImage = `${registry.host}/team/floor`;

/** Milliseconds from `start` until a Ready hello Pod of `namespace` answers `tag`. */
async function untilAnswering(
  namespace: string,
  repository: string,
  tag: string,
  start: number,
): Promise<number> {
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const pods = await env.rest.request<{ items: Json[] }>(
      'GET',
      `/api/v1/namespaces/${namespace}/pods?labelSelector=app%3Dhello`,
    );
    for (const pod of pods.items) {
      const ready = pod.status?.containerStatuses?.[0]?.ready === true && !pod.metadata.deletionTimestamp;
      if (!ready || pod.spec.containers[0].image !== `${repository}:${tag}`) continue;
      const res = await httpGet(`http://${pod.status.podIP}:8080/`).catch(() => undefined);
      if (res?.status === 200 && res.body === `hello ${tag}\n`) return performance.now() - start;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no Pod of ${namespace} answered ${tag} within 300 s`);
}

try {
  await env.cluster.trustRegistry(registry);
  const source = helloFolder('1.0.0');
  const sourceUrl = (await env.git.createRepo('hello', source)).url;
  rmSync(source, { recursive: true, force: true });
  await ci.pipeline(sourceUrl, 'team/hello');
  await ci.pipeline(sourceUrl, 'team/floor', '0.0.0');
  const dir = mkdtempSync(join(tmpdir(), 'tiphys-bench-config-'));
  mkdirSync(join(dir, 'dev'));
  writeFileSync(join(dir, 'dev/deployment.yaml'), helloDeployment);
  writeFileSync(
    join(dir, 'dev/kustomization.yaml'),
    helloKustomization('dev', 'deployment.yaml', image, '1.0.0'),
  );
  const configUrl = (await env.git.createRepo('config', dir)).url;
  rmSync(dir, { recursive: true, force: true });
  await createApp(env, 'hello-dev', {
    source: { repoURL: configUrl, path: 'dev' },
    destination: { namespace: 'hello-dev' },
    syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
  });
  await createRegistrySecrets(env, 'hello-registry', registry);
  await createImageObject(env, 'ImageRepository', 'hello', {
    image,
    credentials: { secretName: 'hello-registry' },
    ca: { secretName: 'hello-registry' },
    interval: '1h',
  });
  await createImageObject(env, 'ImagePolicy', 'hello', {
    imageRepositoryRef: { name: 'hello' },
    policy: { semver: { range: '>=1.0.0' } },
  });
  await createImageObject(env, 'ImageUpdater', 'hello-dev', {
    git: { repoURL: configUrl, path: 'dev' },
    updates: [{ policy: 'hello', target: { kustomize: { name: 'hello' } } }],
  });
  await waitForApp(env, 'hello-dev', syncedAndHealthy, 'Synced and Healthy', 600_000);
  await untilAnswering('hello-dev', image, '1.0.0', performance.now());
  // The floor's Deployment, outside Tiphys.
  await kubectl(env.cluster, ['create', 'namespace', 'floor']);
  const floorYaml = join(mkdtempSync(join(tmpdir(), 'tiphys-bench-floor-')), 'floor.yaml');
  writeFileSync(floorYaml, helloDeployment.replace('image: hello', `image: ${floorImage}:0.0.0`));
  await kubectl(env.cluster, ['apply', '-n', 'floor', '-f', floorYaml]);
  await untilAnswering('floor', floorImage, '0.0.0', performance.now());

  const tiphys: number[] = [];
  const floor: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await env.git.commitFiles('hello', { VERSION: `1.0.${round}\n` }, `release 1.0.${round}`);
    await ci.pipeline(sourceUrl, 'team/hello');
    const pushed = performance.now();
    tiphys.push(await untilAnswering('hello-dev', image, `1.0.${round}`, pushed));

    await ci.pipeline(sourceUrl, 'team/floor', `0.0.${round}`);
    const floorPushed = performance.now();
    await kubectl(env.cluster, [
      'set',
      'image',
      '-n',
      'floor',
      'deployment/hello',
      `hello=${floorImage}:0.0.${round}`,
    ]);
    floor.push(await untilAnswering('floor', floorImage, `0.0.${round}`, floorPushed));
    console.log(
      `round ${round}/${ROUNDS}: Tiphys ${((tiphys.at(-1) as number) / 1000).toFixed(1)} s, kubectl set image ${((floor.at(-1) as number) / 1000).toFixed(1)} s`,
    );
  }
  const m = median(tiphys) / 1000;
  const f = median(floor) / 1000;
  const floorFigure = { name: 'kubectl set image', value: f };
  report('image pushed → dev Pod answering (median)', m, 's', floorFigure, { max: 15, source: 'issue 9' });
  report('image pushed → dev Pod answering (median)', m, 's', floorFigure, {
    max: 3,
    of: 'ratio',
    source: 'issue 9',
  });
} finally {
  ci.close();
  await hooks.close();
  await controller.stop();
  await registry.stop();
  await env.stop();
}

// An open handle of the in-process clients kept the process alive after the figures: exit here.
process.exit(process.exitCode ?? 0);

// biome-ignore lint/suspicious/noExplicitAny: Pods read as loose JSON
type Json = any;
