// The files a new cluster starts from: ports, the admin token, the service-account key pair,
// every component's command line (a real node's too) and, once the API server made its
// certificate, the kubeconfig.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { NodeBinaries, TestbedBinaries } from './binaries.ts';
import type { ComponentSpec } from './component.ts';
import {
  type ClusterPorts,
  clusterPaths,
  clusterPortNames,
  componentSpecs,
  type RealNodeControlPlane,
} from './component-args.ts';
import { forwardSpec, nodeComponentSpecs } from './node/node-components.ts';
import type { RealNodeState } from './node/real-node.ts';
import { freePorts } from './ports.ts';

/** What is written to `state.json`, enough to find and stop a cluster from another process. */
export interface ClusterState {
  name: string;
  dir: string;
  temporary: boolean;
  server: string;
  token: string;
  kubeconfigPath: string;
  ports: ClusterPorts;
  components: { spec: ComponentSpec; pid: number | undefined }[];
  realNode?: RealNodeState;
}

export interface PreparedNode {
  node: RealNodeState;
  controlPlane: RealNodeControlPlane;
  bins: NodeBinaries;
}

export async function prepareFiles(
  bins: TestbedBinaries,
  name: string,
  dir: string,
  temporary: boolean,
  node?: PreparedNode,
): Promise<ClusterState> {
  const paths = clusterPaths(dir);
  for (const folder of [paths.etcdData, paths.pki, paths.logs])
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  const ports = await freePorts(clusterPortNames.length);
  const portMap = Object.fromEntries(
    clusterPortNames.map((key, i) => [key, ports[i]]),
  ) as unknown as ClusterPorts;
  const token = randomBytes(24).toString('hex');
  // One identity in system:masters serves the admin and the control-plane components alike.
  writeFileSync(paths.tokens, `${token},testbed-admin,testbed-admin,"system:masters"\n`, { mode: 0o600 });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(paths.serviceAccountKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  writeFileSync(paths.serviceAccountPub, publicKey.export({ type: 'spki', format: 'pem' }));
  const specs: ComponentSpec[] = Object.values(componentSpecs(bins, dir, portMap, node?.controlPlane));
  if (node) {
    const { network, paths: nodeFolders } = node.node;
    specs.push(
      forwardSpec(node.bins, network, portMap.apiserver, paths.logs),
      ...Object.values(nodeComponentSpecs(node.bins, network, nodeFolders, paths.kubeconfig, paths.logs)),
    );
  }
  return {
    name,
    dir,
    temporary,
    server: `https://127.0.0.1:${portMap.apiserver}`,
    token,
    kubeconfigPath: paths.kubeconfig,
    ports: portMap,
    components: specs.map((spec) => ({ spec, pid: undefined })),
    ...(node ? { realNode: node.node } : {}),
  };
}

export function writeKubeconfig(cluster: {
  ca: string;
  name: string;
  server: string;
  token: string;
  kubeconfigPath: string;
}): void {
  const ca = Buffer.from(cluster.ca).toString('base64');
  const context = `testbed-${cluster.name}`;
  const text = `apiVersion: v1
kind: Config
clusters:
  - name: ${context}
    cluster:
      server: ${cluster.server}
      certificate-authority-data: ${ca}
users:
  - name: ${context}-admin
    user:
      token: ${cluster.token}
contexts:
  - name: ${context}
    context:
      cluster: ${context}
      user: ${context}-admin
current-context: ${context}
`;
  writeFileSync(cluster.kubeconfigPath, text, { mode: 0o600 });
}
