import { join } from 'node:path';

/** The folders a real node keeps its files in, under its cluster's folder and under /run. */
export interface NodePaths {
  /** `<cluster>/node`: containerd's images and snapshots, the kubelet's root, configs, logs. */
  dir: string;
  /**
   * `/run/tiphys-testbed/node-<slot>`: containerd's state, sockets and runc's state. Kept short
   * because unix socket paths are limited to 108 bytes, whatever the cluster's folder is.
   */
  runtimeDir: string;
  containerdConfig: string;
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  shimSockets: string;
  runcRoot: string;
  cniConfDir: string;
  cniDataDir: string;
  registryHostsDir: string;
  kubeletRoot: string;
  kubeletConfig: string;
  podLogs: string;
  corefile: string;
  pki: string;
  images: string;
  owner: string;
}

export const nodeRuntimeRoot = '/run/tiphys-testbed';

export function nodePaths(clusterDir: string, slot: number): NodePaths {
  const dir = join(clusterDir, 'node');
  const runtimeDir = join(nodeRuntimeRoot, `node-${slot}`);
  return {
    dir,
    runtimeDir,
    containerdConfig: join(dir, 'containerd.toml'),
    containerdRoot: join(dir, 'containerd'),
    containerdState: join(runtimeDir, 'containerd'),
    containerdSocket: join(runtimeDir, 'containerd.sock'),
    shimSockets: join(runtimeDir, 's'),
    runcRoot: join(runtimeDir, 'runc'),
    cniConfDir: join(dir, 'cni', 'net.d'),
    cniDataDir: join(dir, 'cni', 'ipam'),
    registryHostsDir: join(dir, 'certs.d'),
    kubeletRoot: join(dir, 'kubelet'),
    kubeletConfig: join(dir, 'kubelet.yaml'),
    podLogs: join(dir, 'pod-logs'),
    corefile: join(dir, 'Corefile'),
    pki: join(dir, 'pki'),
    images: join(dir, 'images'),
    owner: join(runtimeDir, 'owner.json'),
  };
}
