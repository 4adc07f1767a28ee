// The configuration files of a real node, as text. Pure functions of the node's network and
// paths, so the choices below are easy to read in one place.
import type { NodeNetwork } from './node-network.ts';
import type { NodePaths } from './node-paths.ts';

export const realNodeName = 'real-node-0';
export const sandboxImage = 'testbed.tiphys.dev/pause:1';
export const clusterDomain = 'cluster.local';
/** Ports inside the node's namespace; no other process shares that namespace. */
export const nodePorts = {
  kubelet: 10250,
  kubeletHealthz: 10248,
  proxyHealthz: 10256,
  proxyMetrics: 10249,
  dnsHealth: 8080,
  dnsReady: 8181,
};

export function containerdConfig(paths: NodePaths, binDir: string): string {
  return `version = 4
root = ${toml(paths.containerdRoot)}
state = ${toml(paths.containerdState)}
# Nothing from the host's /etc/containerd.
imports = []
# Only what the CRI needs: the overlayfs snapshotter and runc.
disabled_plugins = [
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.blockfile",
  "io.containerd.snapshotter.v1.erofs",
  "io.containerd.nri.v1.nri",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
]

[plugins."io.containerd.server.v1.grpc"]
  address = ${toml(paths.containerdSocket)}

[plugins."io.containerd.server.v1.ttrpc"]
  address = ${toml(`${paths.containerdSocket}.ttrpc`)}

# The shims' sockets beside the node's other state, not in the host's /run/containerd.
[plugins."io.containerd.shim.v1.manager"]
  socket_dir = ${toml(paths.shimSockets)}

[plugins."io.containerd.cri.v1.runtime"]
  # This machine refuses to lower oom_score_adj; containerd must not try.
  restrict_oom_score_adj = true
  # Pods' network namespaces pinned under the node's state, not the host's /run/netns.
  netns_mounts_under_state_dir = true
  enable_selinux = false
  cdi_spec_dirs = []
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = ${toml(`${binDir}/runc`)}
        Root = ${toml(paths.runcRoot)}
        SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = [${toml(`${binDir}/cni`)}]
    conf_dir = ${toml(paths.cniConfDir)}
    max_conf_num = 1

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = ${toml(sandboxImage)}
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = ${toml(paths.registryHostsDir)}

[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
`;
}

export function cniConfig(net: NodeNetwork, paths: NodePaths): string {
  return `${JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'testbed',
      plugins: [
        {
          type: 'bridge',
          bridge: net.bridge,
          isGateway: true,
          // Pods reach the host through the node's routes; nothing is masqueraded.
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: paths.cniDataDir,
            ranges: [[{ subnet: net.podCidr, gateway: net.podGateway }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  )}\n`;
}

export function kubeletConfig(net: NodeNetwork, paths: NodePaths, clientCaPath: string): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${net.nodeIp}
port: ${nodePorts.kubelet}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${nodePorts.kubeletHealthz}
# The API server proves itself with a client certificate of the testbed CA; anything else
# is checked against the API server (TokenReview, SubjectAccessReview). No anonymous access.
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: ${clientCaPath}
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://${paths.containerdSocket}
# This machine: cgroup v1 (hybrid) managed by no systemd, swap allowed, no QoS cgroups.
cgroupDriver: cgroupfs
failCgroupV1: false
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
clusterDomain: ${clusterDomain}
clusterDNS:
  - ${net.nodeIp}
# Pods get only the cluster's DNS, never the host's resolvers.
resolvConf: ""
podLogsDir: ${paths.podLogs}
serializeImagePulls: false
# A shared test machine: evict only when really out of resources.
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  imagefs.available: 1%
  nodefs.inodesFree: 1%
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
nodeStatusReportFrequency: 10s
`;
}

export function corefile(net: NodeNetwork, kubeconfigPath: string, context: string): string {
  return `${clusterDomain}:53 in-addr.arpa:53 ip6.arpa:53 {
    bind ${net.nodeIp}
    errors
    health ${net.nodeIp}:${nodePorts.dnsHealth}
    ready ${net.nodeIp}:${nodePorts.dnsReady}
    kubernetes ${clusterDomain} in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfigPath} ${context}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 30
}
`;
}

/** containerd's hosts.toml for one registry: trust its CA and, optionally, send its credentials. */
export function registryHostsToml(host: string, caPath: string, basicAuth?: string): string {
  const url = `https://${host}`;
  const header = basicAuth
    ? `  [host.${toml(url)}.header]\n    Authorization = [${toml(`Basic ${basicAuth}`)}]\n`
    : '';
  return `server = ${toml(url)}\n\n[host.${toml(url)}]\n  capabilities = ["pull", "resolve"]\n  ca = ${toml(caPath)}\n${header}`;
}

function toml(value: string): string {
  return JSON.stringify(value);
}
