// A real node for a testbed cluster: set-up before the control plane starts (the API server
// must know the node's address and Service range), boot once it serves, and the pieces the
// cluster calls to trust a registry or expose a host port to Pods.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeBinaries } from '../binaries.ts';
import { ensureTestbedCa, issueCertificate } from '../ca.ts';
import { pidAlive } from '../component.ts';
import type { RealNodeControlPlane } from '../component-args.ts';
import { ensureDebianPackages, realNodePackages } from '../debian-packages.ts';
import { runCommand } from '../host-command.ts';
import { writeImageArchive, writeImageLayout } from '../image.ts';
import { type ApiEndpoint, apiRequest } from '../kube-http.ts';
import {
  cniConfig,
  containerdConfig,
  corefile,
  kubeletConfig,
  nodePorts,
  realNodeName,
  registryHostsToml,
  sandboxImage,
} from './node-files.ts';
import { claimNodeSlot, pidsInNamespace, planNodeNetwork, wireNodeNetwork } from './node-network.ts';
import { nodePaths } from './node-paths.ts';
import { type NodeIdentity, teardownNode } from './node-teardown.ts';

export interface RealNodeState extends NodeIdentity {
  nodeName: string;
  /** The testbed CA the node trusts (registries, the API server's client certificate). */
  caPath: string;
}

interface Owner {
  clusterDir: string;
  pid: number;
  keepAlive: boolean;
}

/**
 * Claims a slot, wires the node's network and issues the API server's client certificate for
 * the kubelet. On failure, whatever was made is removed.
 */
export async function prepareRealNode(
  clusterDir: string,
  bins: NodeBinaries,
  keepAlive: boolean,
  log: (line: string) => void,
): Promise<{ node: RealNodeState; controlPlane: RealNodeControlPlane }> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'testbed: a real node needs root (network namespaces, mounts, cgroups); run as root or without realNode',
    );
  }
  await ensureDebianPackages(realNodePackages, log);
  const ca = await ensureTestbedCa();
  const network = await claimNodeSlot((slot) => reclaimIfStale(slot, bins.runc));
  const paths = nodePaths(clusterDir, network.slot);
  const node: RealNodeState = {
    network,
    paths,
    runc: bins.runc,
    nodeName: realNodeName,
    caPath: ca.certPath,
  };
  try {
    mkdirSync(paths.runtimeDir, { recursive: true, mode: 0o700 });
    const owner: Owner = { clusterDir, pid: process.pid, keepAlive };
    writeFileSync(paths.owner, JSON.stringify(owner));
    for (const dir of [paths.dir, paths.pki, paths.cniConfDir, paths.registryHostsDir, paths.images]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    }
    await wireNodeNetwork(network);
    const client = await issueCertificate(ca, {
      dir: paths.pki,
      name: 'apiserver-kubelet-client',
      commonName: 'kube-apiserver-kubelet-client',
      organization: 'system:masters',
      usage: 'client',
    });
    return {
      node,
      controlPlane: {
        nodeIp: network.nodeIp,
        serviceCidr: network.serviceCidr,
        kubeletClientCert: client.certPath,
        kubeletClientKey: client.keyPath,
      },
    };
  } catch (error) {
    await teardownNode(node).catch(() => {});
    throw error;
  }
}

/** Writes the configuration of containerd, CNI, the kubelet and CoreDNS. */
export function writeNodeFiles(
  node: RealNodeState,
  bins: NodeBinaries,
  kubeconfigPath: string,
  context: string,
) {
  const { network, paths } = node;
  writeFileSync(paths.containerdConfig, containerdConfig(paths, bins.dir));
  writeFileSync(join(paths.cniConfDir, '10-testbed.conflist'), cniConfig(network, paths));
  writeFileSync(paths.kubeletConfig, kubeletConfig(network, paths, node.caPath));
  writeFileSync(paths.corefile, corefile(network, kubeconfigPath, context));
}

/** Waits for containerd's socket, then imports the sandbox image it is pinned to. */
export async function loadSandboxImage(node: RealNodeState, bins: NodeBinaries, hint: () => string) {
  await until('containerd to serve', 30_000, hint, async () => {
    const version = await runCommand(bins.ctr, ['--address', node.paths.containerdSocket, 'version'], {
      allowFailure: true,
      timeoutMs: 5_000,
    });
    return version.code === 0;
  });
  const layout = join(node.paths.images, 'pause');
  const archive = join(node.paths.images, 'pause.tar');
  await writeImageLayout(layout, sandboxImage, {
    layers: [{ items: [{ file: bins.pause, to: '/pause', mode: 0o755 }], comment: 'the testbed pause' }],
    config: { entrypoint: ['/pause'] },
  });
  await writeImageArchive(layout, archive);
  await runCommand(
    bins.ctr,
    [
      '--address',
      node.paths.containerdSocket,
      '--namespace',
      'k8s.io',
      'images',
      'import',
      '--local',
      archive,
    ],
    { timeoutMs: 60_000 },
  );
}

/** Ready when the Node is Ready, kube-proxy is healthy and CoreDNS is ready. */
export async function waitForRealNode(
  node: RealNodeState,
  endpoint: ApiEndpoint,
  hint: () => string,
  timeoutMs = 120_000,
): Promise<void> {
  await until(`Node ${node.nodeName} to be Ready`, timeoutMs, hint, async () => {
    const res = await apiRequest(endpoint, 'GET', `/api/v1/nodes/${node.nodeName}`);
    const conditions = (res.body as { status?: { conditions?: { type: string; status: string }[] } }).status
      ?.conditions;
    return conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  });
  const ip = node.network.nodeIp;
  await until('kube-proxy to be healthy', 60_000, hint, async () => {
    return (await fetch(`http://${ip}:${nodePorts.proxyHealthz}/healthz`)).ok;
  });
  await until('CoreDNS to be ready', 60_000, hint, async () => {
    return (await fetch(`http://${ip}:${nodePorts.dnsReady}/ready`)).ok;
  });
}

/**
 * Lets the node pull from a registry on the host's loopback: trust the testbed CA for it and,
 * with `credentials`, send them on every pull (containerd's hosts.toml; read at each pull, so
 * this works on a running node). Without credentials, Pods need an imagePullSecret.
 */
export function writeRegistryHost(
  node: RealNodeState,
  registry: { host: string; username: string; password: string },
  credentials: boolean,
): void {
  const dir = join(node.paths.registryHostsDir, registry.host);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const basic = credentials
    ? Buffer.from(`${registry.username}:${registry.password}`).toString('base64')
    : undefined;
  writeFileSync(join(dir, 'hosts.toml'), registryHostsToml(registry.host, node.caPath, basic), {
    mode: 0o600,
  });
}

/**
 * A slot is stale when its owner is gone: a cluster started by a test whose process died, or a
 * named cluster whose folder was removed. Such a slot is torn down so it can be used again.
 */
async function reclaimIfStale(slot: number, runc: string): Promise<boolean> {
  const network = planNodeNetwork(slot);
  const paths = nodePaths('/nonexistent', slot);
  let owner: Owner | undefined;
  try {
    owner = JSON.parse(readFileSync(paths.owner, 'utf8')) as Owner;
  } catch {
    owner = undefined;
  }
  if (owner) {
    const clusterGone = !existsSync(join(owner.clusterDir, 'state.json'));
    const processGone = !owner.keepAlive && !pidAlive(owner.pid);
    if (!clusterGone && !processGone) return false;
  } else {
    // A namespace without an owner file: someone is creating it right now, or died doing so.
    const age = Date.now() - (existsSync(network.netnsPath) ? statSync(network.netnsPath).mtimeMs : 0);
    if (age < 120_000 || (await pidsInNamespace(network)).length > 0) return false;
  }
  await teardownNode({ network, paths: nodePaths(owner?.clusterDir ?? '/nonexistent', slot), runc });
  return true;
}

async function until(what: string, timeoutMs: number, hint: () => string, check: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await sleep(250);
  }
  throw new Error(
    `testbed: waited ${timeoutMs / 1000} s for ${what}${lastError ? ` (last error: ${lastError})` : ''}\n${hint()}`,
  );
}
