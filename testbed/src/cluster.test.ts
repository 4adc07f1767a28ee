// Integration tests of the testbed itself: real etcd, kube-apiserver, controller-manager,
// scheduler and kwok, started from the binaries build.sh made.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { ensureTestbedBinaries } from './binaries.ts';
import { startCluster, type TestCluster } from './cluster.ts';

const run = promisify(execFile);

function objectApi(cluster: TestCluster): KubernetesObjectApi {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  return KubernetesObjectApi.makeApiClient(kc);
}

function apply(api: KubernetesObjectApi, object: KubernetesObject): Promise<KubernetesObject> {
  return api.patch(object, undefined, undefined, 'testbed-test', true, PatchStrategy.ServerSideApply);
}

async function eventually<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

const deployment = (name: string, replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
    },
  },
});

describe('testbed cluster', () => {
  let first: TestCluster;
  let second: TestCluster;

  before(async () => {
    [first, second] = await Promise.all([startCluster({ name: 'first' }), startCluster({ name: 'second' })]);
  });
  after(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
  });

  test('a 3-replica Deployment applied server-side becomes Available with Pods Running on the kwok Node', async () => {
    const api = objectApi(first);
    await apply(api, deployment('web', 3));
    const available = await eventually('Deployment web to be Available', 60_000, async () => {
      const live = (await api.read({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'default' },
      })) as { status?: { availableReplicas?: number } };
      return live.status?.availableReplicas === 3 ? live : undefined;
    });
    assert.equal(available.status?.availableReplicas, 3);
    const pods = await api.list<
      KubernetesObject & { spec?: { nodeName?: string }; status?: { phase?: string } }
    >('v1', 'Pod', 'default', undefined, undefined, undefined, undefined, 'app=web');
    assert.equal(pods.items.length, 3);
    for (const pod of pods.items) {
      assert.equal(pod.status?.phase, 'Running');
      assert.equal(pod.spec?.nodeName, 'kwok-node-0');
    }
  });

  test('a Job completes', async () => {
    const api = objectApi(first);
    await apply(api, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'once', namespace: 'default' },
      spec: {
        backoffLimit: 0,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox:1.36' }] } },
      },
    } as KubernetesObject);
    const job = await eventually('Job once to complete', 60_000, async () => {
      const live = (await api.read({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'once', namespace: 'default' },
      })) as { status?: { succeeded?: number; conditions?: { type: string; status: string }[] } };
      return live.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')
        ? live
        : undefined;
    });
    assert.equal(job.status?.succeeded, 1);
  });

  test('the real kubectl works with the written kubeconfig', async () => {
    const { kubectl } = await ensureTestbedBinaries();
    const env = { ...process.env, KUBECONFIG: first.kubeconfigPath };
    const nodes = await run(kubectl, ['get', 'nodes', '-o', 'name'], { env });
    assert.match(nodes.stdout, /node\/kwok-node-0/);
    const manifest = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'solo', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] },
    });
    const applied = await new Promise<string>((resolve, reject) => {
      const child = execFile(kubectl, ['apply', '-f', '-'], { env }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      );
      child.stdin?.end(manifest);
    });
    assert.match(applied, /pod\/solo created/);
    const phase = await eventually('Pod solo to run', 60_000, async () => {
      const out = await run(kubectl, ['get', 'pods', 'solo', '-o', 'jsonpath={.status.phase}'], { env });
      return out.stdout === 'Running' ? out.stdout : undefined;
    });
    assert.equal(phase, 'Running');
    const version = await run(kubectl, ['version', '-o', 'json'], { env });
    assert.match(JSON.parse(version.stdout).serverVersion.gitVersion, /^v1\.\d+\.\d+$/);
  });

  test('two clusters run at once and are isolated', async () => {
    const a = objectApi(first);
    const b = objectApi(second);
    const marker = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'only-in-first', namespace: 'default' },
      data: { cluster: 'first' },
    };
    await apply(a, marker);
    assert.notEqual(first.server, second.server);
    const inFirst = await a.read(marker);
    assert.equal(inFirst.metadata?.name, 'only-in-first');
    await assert.rejects(b.read(marker), (error: { code?: number }) => error.code === 404);
  });

  test('stopping and restarting kube-apiserver keeps its objects (etcd persists)', async () => {
    const api = objectApi(first);
    const keep = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'survives-restart', namespace: 'default' },
      data: { value: 'kept' },
    };
    await apply(api, keep);
    await first.stopComponent('kube-apiserver');
    assert.equal(first.isRunning('kube-apiserver'), false);
    await assert.rejects(api.read(keep));
    await first.startComponent('kube-apiserver');
    const back = (await eventually('the ConfigMap after restart', 30_000, () => api.read(keep))) as {
      data?: Record<string, string>;
    };
    assert.equal(back.data?.value, 'kept');
  });

  test('a Pod annotated to fail ends Failed (kwok stage for failing hooks)', async () => {
    const api = objectApi(second);
    await apply(api, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'doomed', namespace: 'default', annotations: { 'testbed.tiphys.dev/fail': 'true' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36' }] },
    } as KubernetesObject);
    const phase = await eventually('Pod doomed to fail', 60_000, async () => {
      const pod = (await api.read({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'doomed', namespace: 'default' },
      })) as { status?: { phase?: string } };
      return pod.status?.phase === 'Failed' ? pod.status.phase : undefined;
    });
    assert.equal(phase, 'Failed');
  });
});
