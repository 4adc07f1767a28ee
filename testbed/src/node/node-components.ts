// The command lines of a real node's processes. containerd, the kubelet, kube-proxy and CoreDNS
// run inside the node's network namespace (entered with nsenter, which then execs the program,
// so the recorded PID is the program's own); they share the host's mount namespace, so the
// kubelet's volume mounts are the ones containerd sees. Forwarders run in the host's namespace
// and only listen in the node's.
import { join } from 'node:path';
import type { NodeBinaries } from '../binaries.ts';
import type { ComponentSpec } from '../component.ts';
import { nodePorts, realNodeName } from './node-files.ts';
import type { NodeNetwork } from './node-network.ts';
import type { NodePaths } from './node-paths.ts';

export type NodeProcessName = 'containerd' | 'kubelet' | 'kube-proxy' | 'coredns';

export function nodeComponentSpecs(
  bins: NodeBinaries,
  net: NodeNetwork,
  paths: NodePaths,
  kubeconfigPath: string,
  logs: string,
): Record<NodeProcessName, ComponentSpec> {
  const inNode = (program: string, args: string[]) => ({
    command: 'nsenter',
    args: [`--net=${net.netnsPath}`, '--', program, ...args],
  });
  return {
    containerd: {
      name: 'containerd',
      logFile: join(logs, 'containerd.log'),
      ...inNode(bins.containerd, ['--config', paths.containerdConfig, '--log-level', 'warn']),
      // containerd finds its shim on PATH.
      env: { PATH: `${bins.dir}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` },
    },
    kubelet: {
      name: 'kubelet',
      logFile: join(logs, 'kubelet.log'),
      ...inNode(bins.kubelet, [
        `--config=${paths.kubeletConfig}`,
        `--kubeconfig=${kubeconfigPath}`,
        `--root-dir=${paths.kubeletRoot}`,
        `--hostname-override=${realNodeName}`,
        `--node-ip=${net.nodeIp}`,
        '--node-labels=testbed.tiphys.dev/node=real',
        '--v=0',
      ]),
    },
    'kube-proxy': {
      name: 'kube-proxy',
      logFile: join(logs, 'kube-proxy.log'),
      ...inNode(bins['kube-proxy'], [
        `--kubeconfig=${kubeconfigPath}`,
        `--hostname-override=${realNodeName}`,
        '--proxy-mode=iptables',
        `--cluster-cidr=${net.podCidr}`,
        `--healthz-bind-address=${net.nodeIp}:${nodePorts.proxyHealthz}`,
        `--metrics-bind-address=127.0.0.1:${nodePorts.proxyMetrics}`,
        // Leave the kernel's conntrack settings alone: they are the host's, not the node's.
        '--conntrack-max-per-core=0',
        '--conntrack-tcp-timeout-established=0',
        '--conntrack-tcp-timeout-close-wait=0',
        '--v=0',
      ]),
    },
    coredns: {
      name: 'coredns',
      logFile: join(logs, 'coredns.log'),
      ...inNode(bins.coredns, ['-conf', paths.corefile]),
    },
  };
}

/** A forwarder that makes the host's 127.0.0.1:`port` reachable in the node at 127.0.0.1 and its InternalIP. */
export function forwardSpec(bins: NodeBinaries, net: NodeNetwork, port: number, logs: string): ComponentSpec {
  return {
    name: `forward-${port}`,
    command: bins['netns-forward'],
    logFile: join(logs, `forward-${port}.log`),
    args: [
      `--netns=${net.netnsPath}`,
      `--listen=127.0.0.1:${port},${net.nodeIp}:${port}`,
      `--to=127.0.0.1:${port}`,
    ],
  };
}
