// A real node in the testbed, for real: containerd, runc, CNI, the kubelet, kube-proxy and
// CoreDNS run a Deployment pulled from the testbed registry; traffic goes only to the node's
// own network (Pod, Service and node addresses routed to its namespace) and to loopback.
// Two kwok clusters run at the same time. The last test stops the cluster and lists what is left.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { startCluster, type TestCluster } from '../cluster.ts';
import { runCommand } from '../host-command.ts';
import { startRegistry, type TestRegistry } from '../registry.ts';
import { nodePorts, realNodeName } from './node-files.ts';
import { nodeLeftovers, runcContainers } from './node-teardown.ts';
import {
  create,
  eventually,
  get,
  httpGet,
  type Json,
  kubectl,
  probeDeployment,
  pushProbeImage,
} from './real-node-kit.ts';

describe('real node', { timeout: 900_000 }, () => {
  let real: TestCluster;
  let kwokA: TestCluster;
  let kwokB: TestCluster;
  let registry: TestRegistry;
  let image: { ref: string; digest: string };

  before(async () => {
    registry = await startRegistry();
    image = await pushProbeImage(registry, 'testbed/probe', 'v1');
    [real, kwokA, kwokB] = await Promise.all([
      startCluster({ name: 'real', realNode: true }),
      startCluster({ name: 'kwok-a' }),
      startCluster({ name: 'kwok-b' }),
    ]);
    await real.trustRegistry(registry);
  });

  after(async () => {
    await Promise.all([real?.stop(), kwokA?.stop(), kwokB?.stop(), registry?.stop()]);
  });

  test('the real node is Ready at its InternalIP, and kwok does not manage it', async () => {
    const node = await get(real, `/api/v1/nodes/${realNodeName}`);
    assert.equal(node.status.conditions.find((c: Json) => c.type === 'Ready').status, 'True');
    assert.deepEqual(
      node.status.addresses.filter((a: Json) => a.type === 'InternalIP').map((a: Json) => a.address),
      [real.realNode?.network.nodeIp],
    );
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/v?2\./);
    assert.equal(node.metadata.annotations?.['kwok.x-k8s.io/node'], undefined);
  });

  test('a Deployment of an image from the testbed registry becomes Ready on the real node', async () => {
    await create(real, '/apis/apps/v1/namespaces/default/deployments', probeDeployment('web', image.ref));
    const ready = await eventually('Deployment web to be available', 180_000, async () => {
      const d = await get(real, '/apis/apps/v1/namespaces/default/deployments/web');
      return d.status?.availableReplicas === 1 ? d : undefined;
    });
    assert.equal(ready.status.readyReplicas, 1);
    const [pod] = (await get(real, '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).items;
    assert.equal(pod.spec.nodeName, realNodeName);
    assert.ok(ipInCidr(pod.status.podIP, real.realNode?.network.podCidr ?? ''), pod.status.podIP);
    assert.ok(
      pod.status.containerStatuses[0].imageID.endsWith(`@${image.digest}`),
      pod.status.containerStatuses[0].imageID,
    );
  });

  test('its Pod answers HTTP on its Pod IP, through a ClusterIP Service and a NodePort from the host', async () => {
    const [pod] = (await get(real, '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).items;
    const direct = await httpGet(`http://${pod.status.podIP}:8080/`);
    assert.equal(JSON.parse(direct.body).hostname, pod.metadata.name);
    const service = await create(real, '/api/v1/namespaces/default/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    const { clusterIP } = service.spec;
    const nodePort = service.spec.ports[0].nodePort;
    assert.ok(ipInCidr(clusterIP, real.realNode?.network.serviceCidr ?? ''), clusterIP);
    const viaService = await eventually('the ClusterIP to answer', 60_000, async () => {
      const res = await httpGet(`http://${clusterIP}/via-service`);
      return res.status === 200 ? JSON.parse(res.body) : undefined;
    });
    assert.deepEqual(viaService, { hostname: pod.metadata.name, path: '/via-service' });
    const viaNodePort = await eventually('the NodePort to answer', 60_000, async () => {
      const res = await httpGet(`http://${real.realNode?.network.nodeIp}:${nodePort}/via-node-port`);
      return res.status === 200 ? JSON.parse(res.body) : undefined;
    });
    assert.deepEqual(viaNodePort, { hostname: pod.metadata.name, path: '/via-node-port' });
  });

  test('a Pod resolves a Service by its DNS name (CoreDNS), by short and full name', async () => {
    const [pod] = (await get(real, '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).items;
    const service = await get(real, '/api/v1/namespaces/default/services/web');
    for (const name of ['web', 'web.default.svc.cluster.local', 'kubernetes.default']) {
      const expected =
        name === 'kubernetes.default' ? real.realNode?.network.apiServiceIp : service.spec.clusterIP;
      const res = await httpGet(`http://${pod.status.podIP}:8080/lookup?name=${name}`);
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(JSON.parse(res.body).addresses, [expected], name);
    }
    const unknown = await httpGet(`http://${pod.status.podIP}:8080/lookup?name=no-such-service`);
    assert.equal(unknown.status, 502);
  });

  test('kubectl logs and exec reach the kubelet through its InternalIP', async () => {
    const [pod] = (await get(real, '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).items;
    assert.match(await kubectl(real, ['logs', pod.metadata.name]), /serving HTTP on :8080/);
    const service = await get(real, '/api/v1/namespaces/default/services/web');
    const out = await kubectl(real, ['exec', pod.metadata.name, '--', '/probe', 'lookup', 'web']);
    assert.equal(out.trim(), `[${service.spec.clusterIP}]`);
  });

  test('the kubelet refuses a caller without the API server certificate (anonymous or a forged token)', async () => {
    const url = `https://${real.realNode?.network.nodeIp}:${nodePorts.kubelet}/pods`;
    for (const headers of [{}, { authorization: 'Bearer forged-token' }]) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(url, { headers, rejectUnauthorized: false, timeout: 5_000 }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(status, 401);
    }
  });

  test('a registry the node has no credentials for needs an imagePullSecret; a wrong one fails', async () => {
    const second = await startRegistry();
    try {
      const privateImage = (await pushProbeImage(second, 'private/probe', 'v1')).ref;
      await real.trustRegistry(second, { credentials: false });
      const secret = (name: string, config: string) =>
        create(real, '/api/v1/namespaces/default/secrets', {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name, namespace: 'default' },
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': Buffer.from(config).toString('base64') },
        });
      await secret('pull-ok', second.dockerConfigJson());
      const forged = JSON.stringify({
        auths: { [second.host]: { auth: Buffer.from(`${second.username}:wrong`).toString('base64') } },
      });
      await secret('pull-forged', forged);
      const pod = (name: string, pullSecret?: string) =>
        create(real, '/api/v1/namespaces/default/pods', {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace: 'default' },
          spec: {
            containers: [{ name: 'probe', image: privateImage, args: ['serve', '8080'] }],
            ...(pullSecret ? { imagePullSecrets: [{ name: pullSecret }] } : {}),
          },
        });
      await Promise.all([
        pod('no-secret'),
        pod('forged-secret', 'pull-forged'),
        pod('with-secret', 'pull-ok'),
      ]);
      await eventually('Pod with-secret to run', 120_000, async () => {
        const p = await get(real, '/api/v1/namespaces/default/pods/with-secret');
        return p.status?.phase === 'Running' ? p : undefined;
      });
      for (const name of ['no-secret', 'forged-secret']) {
        const waiting = await eventually(`Pod ${name} to fail its pull`, 120_000, async () => {
          const p = await get(real, `/api/v1/namespaces/default/pods/${name}`);
          const reason = p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
          return reason === 'ErrImagePull' || reason === 'ImagePullBackOff' ? p : undefined;
        });
        // kwok would have marked it Running: it must leave the real node's Pods alone.
        assert.equal(waiting.status.phase, 'Pending', name);
      }
    } finally {
      await second.stop();
    }
  });

  test('two kwok clusters serve at the same time as the real-node cluster', async () => {
    for (const cluster of [kwokA, kwokB]) {
      await create(
        cluster,
        '/apis/apps/v1/namespaces/default/deployments',
        probeDeployment('fake', 'example/none:1'),
      );
      const d = await eventually(`Deployment fake in ${cluster.name}`, 120_000, async () => {
        const live = await get(cluster, '/apis/apps/v1/namespaces/default/deployments/fake');
        if (live.status?.availableReplicas === 1) return live;
        throw new Error(
          `status ${JSON.stringify(live.status)}; ${cluster.failureHint() || 'all components run'}`,
        );
      });
      assert.equal(d.status.availableReplicas, 1);
    }
    const node = await get(real, `/api/v1/nodes/${realNodeName}`);
    assert.equal(node.status.conditions.find((c: Json) => c.type === 'Ready').status, 'True');
  });

  test('stopping the cluster leaves no container, mount, network namespace, veth, route or iptables rule', async () => {
    const node = real.realNode;
    assert.ok(node);
    const containers = await runcContainers(node);
    assert.ok(containers.length >= 4, `containers: ${containers.length}`);
    const rules = await runCommand('nsenter', [`--net=${node.network.netnsPath}`, '--', 'iptables-save']);
    assert.match(rules.stdout, /KUBE-SERVICES/);
    const before = await nodeLeftovers(node);
    assert.ok(before.mounts.length > 0 && before.netns.length === 1 && before.interfaces.length === 1);

    await real.stop();

    assert.deepEqual(await nodeLeftovers(node), {
      processes: [],
      containers: [],
      mounts: [],
      netns: [],
      interfaces: [],
      routes: [],
    });
    for (const { id, pid } of containers)
      assert.ok(!processExists(pid), `container ${id} (pid ${pid}) still runs`);
    const host = (await runCommand('iptables-save', [])).stdout;
    for (const mark of [
      'KUBE-',
      'CNI-',
      node.network.podCidr,
      node.network.serviceCidr,
      node.network.bridge,
    ]) {
      assert.ok(!host.includes(mark), `host iptables mention ${mark}`);
    }
  });
});

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const toNumber = (a: string) => a.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const mask = 2 ** 32 - 2 ** (32 - Number(bits));
  return (toNumber(ip) & mask) >>> 0 === (toNumber(base ?? '') & mask) >>> 0;
}
