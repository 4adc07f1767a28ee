import { existsSync, readdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadCluster, startCluster, type TestCluster } from './cluster.ts';
import type { ComponentName } from './component.ts';
import { clusterPaths } from './component-args.ts';
import { runningNamedRegistry } from './named-registry.ts';

/** Named clusters of `npm run testbed` live here, one folder each, outside the repo. */
export function namedClustersRoot(): string {
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(cache, 'tiphys', 'clusters');
}

const componentOrder: ComponentName[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
];

export function validateClusterName(name: string): void {
  if (!/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/.test(name)) {
    throw new Error(`invalid cluster name "${name}": use lowercase letters, digits and dashes (at most 40)`);
  }
}

export function listNamedClusters(): TestCluster[] {
  const root = namedClustersRoot();
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => existsSync(clusterPaths(join(root, name)).state))
    .map((name) => loadCluster(join(root, name)));
}

/**
 * Starts the named cluster, or finds it running. A cluster whose processes died (a reboot, a
 * killed session) is started again on its old ports and data, so its objects are still there.
 */
export async function upNamedCluster(
  name: string,
  log: (line: string) => void,
  options: { realNode?: boolean } = {},
): Promise<{ cluster: TestCluster; already: boolean }> {
  validateClusterName(name);
  const dir = join(namedClustersRoot(), name);
  if (existsSync(clusterPaths(dir).state)) {
    const cluster = loadCluster(dir);
    if (options.realNode && !cluster.realNode) {
      throw new Error(`cluster ${name} exists without a real node; down it first, then up --real-node`);
    }
    if (cluster.realNode && !(await cluster.realNodeIsRunning())) {
      throw new Error(
        `the real node of cluster ${name} is not running (a restart or a killed process); ` +
          `recreate it: npm run testbed -- down ${name} && npm run testbed -- up ${name} --real-node`,
      );
    }
    const stopped = componentOrder.filter((c) => !cluster.isRunning(c));
    if (stopped.length === 0) return { cluster, already: true };
    log(`[testbed ${name}] starting ${stopped.join(', ')} again`);
    for (const component of stopped) await cluster.startComponent(component);
    return { cluster, already: false };
  }
  const cluster = await startCluster({ name, dir, keepAlive: true, log, realNode: options.realNode });
  const registry = runningNamedRegistry();
  if (cluster.realNode && registry) await cluster.trustRegistry(registry);
  return { cluster, already: false };
}

export async function downNamedCluster(name: string): Promise<boolean> {
  validateClusterName(name);
  const dir = join(namedClustersRoot(), name);
  if (!existsSync(clusterPaths(dir).state)) return false;
  await loadCluster(dir).stop();
  rmSync(dir, { recursive: true, force: true });
  return true;
}
