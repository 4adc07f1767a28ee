// The network of a real node. Each real node lives in a network namespace of its own, joined
// to the host by one veth pair; its Pod bridge, the Pods' namespaces and every iptables rule of
// kube-proxy and the CNI plugins live inside it, so nothing of the host's network changes but
// that veth and the routes through it, and deleting the namespace removes it all.
//
// A cluster takes a free slot (0-31); the slot picks its names and addresses, so clusters
// never share an address, an interface name or a route:
//
//   10.(200+slot).0.0/20    Service ClusterIPs (the API server's --service-cluster-ip-range)
//   10.(200+slot).16.0/30   the veth link: .1 on the host, .2 the node's InternalIP
//   10.(200+slot).32.0/20   Pod IPs (host-local IPAM on the node's bridge, gateway .1)
//
// The host routes the Pod and Service ranges to the node, so tests reach Pods, ClusterIPs and
// NodePorts from the host; the node has no default route, so nothing in it reaches any other
// address.
import { existsSync, readFileSync } from 'node:fs';
import { runCommand } from '../host-command.ts';

export const maxNodeSlots = 32;

export interface NodeNetwork {
  slot: number;
  /** Name of the network namespace (`ip netns`). */
  netns: string;
  netnsPath: string;
  /** Host side of the veth pair; the node side is `eth0` inside the namespace. */
  hostInterface: string;
  /** The Pod bridge, inside the node's namespace. */
  bridge: string;
  hostIp: string;
  nodeIp: string;
  linkCidr: string;
  podCidr: string;
  podGateway: string;
  serviceCidr: string;
  /** The ClusterIP of the `kubernetes` Service (first of the range). */
  apiServiceIp: string;
}

export function planNodeNetwork(slot: number): NodeNetwork {
  if (!Number.isInteger(slot) || slot < 0 || slot >= maxNodeSlots)
    throw new Error(`invalid node slot ${slot}`);
  const net = `10.${200 + slot}`;
  return {
    slot,
    netns: `tiphys-node-${slot}`,
    netnsPath: `/run/netns/tiphys-node-${slot}`,
    hostInterface: `tiphys-n${slot}`,
    bridge: `tiphys-br${slot}`,
    hostIp: `${net}.16.1`,
    nodeIp: `${net}.16.2`,
    linkCidr: `${net}.16.0/30`,
    podCidr: `${net}.32.0/20`,
    podGateway: `${net}.32.1`,
    serviceCidr: `${net}.0.0/20`,
    apiServiceIp: `${net}.0.1`,
  };
}

const ip = (args: string[]) => runCommand('ip', args, { timeoutMs: 30_000 });

/**
 * Takes the first free slot: `ip netns add` fails when the name exists, which makes it the
 * lock between clusters starting at the same time. `isStale(slot)` may free a slot whose owner
 * is gone (it must tear that slot down and return true).
 */
export async function claimNodeSlot(isStale: (slot: number) => Promise<boolean>): Promise<NodeNetwork> {
  for (let slot = 0; slot < maxNodeSlots; slot++) {
    const plan = planNodeNetwork(slot);
    const added = await runCommand('ip', ['netns', 'add', plan.netns], { allowFailure: true });
    if (added.code === 0) return plan;
    if (await isStale(slot)) {
      const again = await runCommand('ip', ['netns', 'add', plan.netns], { allowFailure: true });
      if (again.code === 0) return plan;
    }
  }
  throw new Error(
    `testbed: all ${maxNodeSlots} real-node slots are taken (ip netns list shows tiphys-node-*); stop a real-node cluster first`,
  );
}

/** Wires the claimed namespace: veth pair, addresses, routes, forwarding. */
export async function wireNodeNetwork(net: NodeNetwork): Promise<void> {
  const inNode = (args: string[]) => ip(['-n', net.netns, ...args]);
  await ip(['link', 'add', net.hostInterface, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', net.netns]);
  await ip(['addr', 'add', `${net.hostIp}/30`, 'dev', net.hostInterface]);
  await ip(['link', 'set', net.hostInterface, 'up']);
  await inNode(['link', 'set', 'lo', 'up']);
  await inNode(['addr', 'add', `${net.nodeIp}/30`, 'dev', 'eth0']);
  await inNode(['link', 'set', 'eth0', 'up']);
  // The bridge is made here rather than by the CNI plugin so that it carries the slot's name
  // and the node's address for DNS exists before the first Pod.
  await inNode(['link', 'add', net.bridge, 'type', 'bridge']);
  await inNode(['addr', 'add', `${net.podGateway}/20`, 'dev', net.bridge]);
  await inNode(['link', 'set', net.bridge, 'up']);
  await ip(['route', 'add', net.podCidr, 'via', net.nodeIp, 'dev', net.hostInterface]);
  await ip(['route', 'add', net.serviceCidr, 'via', net.nodeIp, 'dev', net.hostInterface]);
  // Inside the node only: forwarding between eth0 and the bridge, and bridged traffic through
  // iptables so that kube-proxy's rules see Pod-to-Service packets.
  await runCommand('nsenter', [
    `--net=${net.netnsPath}`,
    '--',
    'sysctl',
    '-q',
    '-w',
    'net.ipv4.ip_forward=1',
    'net.bridge.bridge-nf-call-iptables=1',
  ]);
}

/** Removes the namespace (and with it the bridge, veths and iptables rules inside) and the host veth. */
export async function deleteNodeNetwork(net: NodeNetwork): Promise<void> {
  if (existsSync(net.netnsPath))
    await runCommand('ip', ['netns', 'delete', net.netns], { allowFailure: true });
  if (await hostInterfaceExists(net.hostInterface)) {
    await runCommand('ip', ['link', 'delete', net.hostInterface], { allowFailure: true });
  }
}

export async function hostInterfaceExists(name: string): Promise<boolean> {
  return existsSync(`/sys/class/net/${name}`);
}

/** PIDs of the processes whose network namespace is the node's. */
export async function pidsInNamespace(net: NodeNetwork): Promise<number[]> {
  if (!existsSync(net.netnsPath)) return [];
  const out = await runCommand('ip', ['netns', 'pids', net.netns], { allowFailure: true });
  return out.stdout
    .split('\n')
    .map((line) => Number.parseInt(line, 10))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** Host interfaces of type veth (for leftover checks). */
export async function hostVethNames(): Promise<string[]> {
  const out = await ip(['-o', 'link', 'show', 'type', 'veth']);
  return out.stdout
    .split('\n')
    .map((line) => line.split(':')[1]?.trim().split('@')[0])
    .filter((name): name is string => Boolean(name));
}

export function readNamespaceList(): string[] {
  if (!existsSync('/run/netns')) return [];
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((mount): mount is string => mount?.startsWith('/run/netns/') ?? false)
    .map((mount) => mount.slice('/run/netns/'.length));
}
