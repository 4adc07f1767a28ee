import { join } from 'node:path';
import type { TestbedBinaries } from './binaries.ts';
import type { ComponentName, ComponentSpec } from './component.ts';

export interface ClusterPorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

export const clusterPortNames = [
  'etcdClient',
  'etcdPeer',
  'apiserver',
  'controllerManager',
  'scheduler',
  'kwok',
] as const satisfies readonly (keyof ClusterPorts)[];

/** Where a cluster keeps its files; all of them live under one folder. */
export function clusterPaths(dir: string) {
  return {
    etcdData: join(dir, 'etcd'),
    pki: join(dir, 'pki'),
    servingCert: join(dir, 'pki', 'apiserver.crt'),
    serviceAccountKey: join(dir, 'pki', 'sa.key'),
    serviceAccountPub: join(dir, 'pki', 'sa.pub'),
    tokens: join(dir, 'tokens.csv'),
    kubeconfig: join(dir, 'kubeconfig'),
    logs: join(dir, 'logs'),
    state: join(dir, 'state.json'),
  };
}

/** What the control plane of a cluster with a real node must know about that node. */
export interface RealNodeControlPlane {
  /** The node's InternalIP: the API server advertises it (Pods reach the API there). */
  nodeIp: string;
  serviceCidr: string;
  /** The API server's client certificate for kubelets (signed by the testbed CA). */
  kubeletClientCert: string;
  kubeletClientKey: string;
}

/**
 * The command line of each component. Everything binds 127.0.0.1 on ports picked for this
 * cluster, so any number of clusters run side by side. A cluster with a real node changes only
 * what that node needs (see docs/testbed.md); a kwok-only cluster is started as it always was.
 */
export function componentSpecs(
  bins: TestbedBinaries,
  dir: string,
  ports: ClusterPorts,
  realNode?: RealNodeControlPlane,
): Record<ComponentName, ComponentSpec> {
  const p = clusterPaths(dir);
  const log = (name: string) => join(p.logs, `${name}.log`);
  const etcdClient = `http://127.0.0.1:${ports.etcdClient}`;
  const etcdPeer = `http://127.0.0.1:${ports.etcdPeer}`;
  const issuer = 'https://kubernetes.default.svc.cluster.local';
  return {
    etcd: {
      name: 'etcd',
      command: bins.etcd,
      logFile: log('etcd'),
      args: [
        '--name=testbed',
        `--data-dir=${p.etcdData}`,
        `--listen-client-urls=${etcdClient}`,
        `--advertise-client-urls=${etcdClient}`,
        `--listen-peer-urls=${etcdPeer}`,
        `--initial-advertise-peer-urls=${etcdPeer}`,
        `--initial-cluster=testbed=${etcdPeer}`,
        // A test cluster trades durability on power loss for speed; a clean stop still persists.
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
    },
    'kube-apiserver': {
      name: 'kube-apiserver',
      command: bins['kube-apiserver'],
      logFile: log('kube-apiserver'),
      args: [
        `--etcd-servers=${etcdClient}`,
        '--bind-address=127.0.0.1',
        `--advertise-address=${realNode?.nodeIp ?? '127.0.0.1'}`,
        `--secure-port=${ports.apiserver}`,
        `--cert-dir=${p.pki}`,
        `--token-auth-file=${p.tokens}`,
        '--authorization-mode=RBAC',
        `--service-account-issuer=${issuer}`,
        `--api-audiences=${issuer}`,
        `--service-account-key-file=${p.serviceAccountPub}`,
        `--service-account-signing-key-file=${p.serviceAccountKey}`,
        `--service-cluster-ip-range=${realNode?.serviceCidr ?? '10.96.0.0/16'}`,
        '--allow-privileged=true',
        '--profiling=false',
        '--v=0',
        ...(realNode
          ? [
              // logs, exec and port-forward reach the kubelet at the address the node reports.
              '--kubelet-preferred-address-types=InternalIP',
              `--kubelet-client-certificate=${realNode.kubeletClientCert}`,
              `--kubelet-client-key=${realNode.kubeletClientKey}`,
            ]
          : []),
      ],
    },
    'kube-controller-manager': {
      name: 'kube-controller-manager',
      command: bins['kube-controller-manager'],
      logFile: log('kube-controller-manager'),
      args: [
        `--kubeconfig=${p.kubeconfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${ports.controllerManager}`,
        '--leader-elect=false',
        `--service-account-private-key-file=${p.serviceAccountKey}`,
        `--root-ca-file=${p.servingCert}`,
        '--profiling=false',
        '--v=0',
      ],
    },
    'kube-scheduler': {
      name: 'kube-scheduler',
      command: bins['kube-scheduler'],
      logFile: log('kube-scheduler'),
      args: [
        `--kubeconfig=${p.kubeconfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${ports.scheduler}`,
        '--leader-elect=false',
        '--profiling=false',
        '--v=0',
      ],
    },
    kwok: {
      name: 'kwok',
      command: bins.kwok,
      logFile: log('kwok'),
      args: [
        `--kubeconfig=${p.kubeconfig}`,
        // With a real node, kwok must leave it and its Pods to the kubelet: it plays only the
        // Nodes the testbed registers for it (annotated kwok.x-k8s.io/node=fake).
        ...(realNode
          ? ['--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake']
          : ['--manage-all-nodes=true']),
        `--server-address=127.0.0.1:${ports.kwok}`,
        '--node-lease-duration-seconds=40',
        '--cidr=10.244.0.1/16',
        ...kwokStageFiles(bins).map((file) => `--config=${file}`),
      ],
    },
  };
}

/**
 * The lifecycle stages kwok plays: kwok's own, which build.sh copies next to its binary, and the
 * testbed's, read from testbed/kwok/ in the repository (so a new one needs no rebuild).
 */
function kwokStageFiles(bins: TestbedBinaries): string[] {
  const stock = join(bins.dir, 'kwok-stages');
  const own = join(import.meta.dirname, '..', 'kwok');
  return [
    ...[
      'node-initialize.yaml',
      'node-heartbeat-with-lease.yaml',
      'pod-ready.yaml',
      'pod-complete.yaml',
      'pod-delete.yaml',
    ].map((file) => join(stock, file)),
    ...['pod-fail.yaml', 'pod-fail-first-attempt.yaml', 'pod-slow.yaml', 'service-lb.yaml'].map((file) =>
      join(own, file),
    ),
  ];
}
