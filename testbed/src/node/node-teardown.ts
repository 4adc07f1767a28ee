// Removing a real node leaves nothing behind, even when its processes were killed or its
// cluster's process crashed: every container runc knows of is deleted (that kills its processes
// and removes its cgroups), every process in the node's network namespace is killed (containerd,
// its shims, the node's own programs), everything mounted under the node's folders is unmounted
// (container root filesystems, Pods' network namespaces, volumes), and deleting the namespace
// takes the bridge, the veths and every iptables rule of kube-proxy and CNI with it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidAlive } from '../component.ts';
import { runCommand } from '../host-command.ts';
import { deleteNodeNetwork, hostInterfaceExists, type NodeNetwork, pidsInNamespace } from './node-network.ts';
import type { NodePaths } from './node-paths.ts';

export interface NodeIdentity {
  network: NodeNetwork;
  paths: NodePaths;
  /** The runc binary the node used (to list and delete its containers). */
  runc: string;
}

export async function teardownNode(node: NodeIdentity): Promise<void> {
  for (const { root, id } of await runcContainers(node)) {
    await runCommand(node.runc, ['--root', root, 'delete', '--force', id], { allowFailure: true });
  }
  const survivors = await runcContainers(node);
  if (survivors.length > 0) {
    // Keep runc's state so that another `down` can try again; removing it would lose them.
    throw new Error(
      `testbed: runc could not delete containers ${survivors.map((c) => `${c.id} (pid ${c.pid})`).join(', ')} ` +
        `of node ${node.network.netns}; see ${node.paths.runcRoot}`,
    );
  }
  await killAll(await pidsInNamespace(node.network));
  await unmountUnder([node.paths.runtimeDir, node.paths.dir]);
  await deleteNodeNetwork(node.network);
  rmSync(node.paths.runtimeDir, { recursive: true, force: true });
  rmSync(node.paths.dir, { recursive: true, force: true });
}

/**
 * The same, synchronously, for a test process that is exiting or was interrupted (no await is
 * possible then): best effort, each step bounded by a timeout.
 */
export function teardownNodeSync(node: NodeIdentity): void {
  const run = (command: string, args: string[]) =>
    spawnSync(command, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
  const { network: net, paths } = node;
  for (const namespace of existsSync(paths.runcRoot) ? readdirSync(paths.runcRoot) : []) {
    const root = join(paths.runcRoot, namespace);
    for (const id of (run(node.runc, ['--root', root, 'list', '--quiet']).stdout ?? '').split('\n')) {
      if (id) run(node.runc, ['--root', root, 'delete', '--force', id]);
    }
  }
  if (existsSync(net.netnsPath)) {
    for (const pid of (run('ip', ['netns', 'pids', net.netns]).stdout ?? '').split('\n')) {
      try {
        if (pid) process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const point of mountsUnder([paths.runtimeDir, paths.dir])) run('umount', ['--lazy', point]);
  run('ip', ['netns', 'delete', net.netns]);
  if (existsSync(`/sys/class/net/${net.hostInterface}`)) run('ip', ['link', 'delete', net.hostInterface]);
  rmSync(paths.runtimeDir, { recursive: true, force: true });
  rmSync(paths.dir, { recursive: true, force: true });
}

export interface RuncContainer {
  /** runc's state folder: the shim keeps one per containerd namespace under the node's runc root. */
  root: string;
  id: string;
  pid: number;
}

export async function runcContainers(node: NodeIdentity): Promise<RuncContainer[]> {
  if (!existsSync(node.paths.runcRoot) || !existsSync(node.runc)) return [];
  const containers: RuncContainer[] = [];
  for (const namespace of readdirSync(node.paths.runcRoot)) {
    const root = join(node.paths.runcRoot, namespace);
    const out = await runCommand(node.runc, ['--root', root, 'list', '--format', 'json'], {
      allowFailure: true,
    });
    const listed = (JSON.parse(out.stdout.trim() || 'null') ?? []) as { id: string; pid: number }[];
    for (const { id, pid } of listed) containers.push({ root, id, pid });
  }
  return containers;
}

async function killAll(pids: number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 10_000;
  while (pids.some(pidAlive) && Date.now() < deadline) await sleep(50);
}

/** Mount points at or under any of `roots`, deepest first (from /proc/self/mountinfo). */
export function mountsUnder(roots: string[]): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => Boolean(point))
    .map((point) =>
      point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8))),
    )
    .filter((point) => roots.some((root) => point === root || point.startsWith(`${root}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

async function unmountUnder(roots: string[]): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const points = mountsUnder(roots);
    if (points.length === 0) return;
    for (const point of points) {
      const plain = await runCommand('umount', [point], { allowFailure: true });
      if (plain.code !== 0) await runCommand('umount', ['--lazy', point], { allowFailure: true });
    }
  }
}

/** What of a node is still on the host; every list is empty once `teardownNode` is done. */
export interface NodeLeftovers {
  processes: number[];
  containers: string[];
  mounts: string[];
  netns: string[];
  interfaces: string[];
  routes: string[];
}

export async function nodeLeftovers(node: NodeIdentity): Promise<NodeLeftovers> {
  const { network: net, paths } = node;
  const routes = await runCommand('ip', ['route', 'show'], { allowFailure: true });
  return {
    processes: await pidsInNamespace(net),
    containers: (await runcContainers(node)).map((c) => c.id),
    mounts: mountsUnder([paths.runtimeDir, paths.dir, net.netnsPath]),
    netns: existsSync(net.netnsPath) ? [net.netns] : [],
    interfaces: (await hostInterfaceExists(net.hostInterface)) ? [net.hostInterface] : [],
    routes: routes.stdout
      .split('\n')
      .filter(
        (line) =>
          line.includes(net.hostInterface) ||
          line.startsWith(net.podCidr) ||
          line.startsWith(net.serviceCidr),
      ),
  };
}
