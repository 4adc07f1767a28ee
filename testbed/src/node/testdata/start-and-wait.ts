// Child of real-node-exit.test.ts: starts a real-node cluster with one running Pod, prints the
// node's identity and its containers as one JSON line, then waits to be killed.
import { startCluster } from '../../cluster.ts';
import { sandboxImage } from '../node-files.ts';
import { runcContainers } from '../node-teardown.ts';
import { create, eventually, get } from '../real-node-kit.ts';

const cluster = await startCluster({ name: 'exit', realNode: true });
await create(cluster, '/api/v1/namespaces/default/pods', {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'idle', namespace: 'default' },
  // The sandbox image is on the node already; its program sleeps until it is stopped.
  spec: { containers: [{ name: 'idle', image: sandboxImage, imagePullPolicy: 'Never' }] },
});
await eventually('Pod idle to run', 120_000, async () => {
  const pod = await get(cluster, '/api/v1/namespaces/default/pods/idle');
  return pod.status?.phase === 'Running' ? pod : undefined;
});
const node = cluster.realNode;
if (!node) throw new Error('no real node');
const { network, paths, runc } = node;
const controlPlane = (['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const).map(
  (name) => cluster.component(name).pid,
);
console.log(JSON.stringify({ node: { network, paths, runc }, containers: await runcContainers(node), controlPlane }));
setInterval(() => {}, 60_000);
