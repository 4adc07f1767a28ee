// What sharding assigns (docs/fleet.md "Sharding"): a cluster's API server, not the name of the
// Cluster object. Two Cluster objects naming one server are the same cluster: keyed by name they
// could go to two replicas, and two reconcilers would apply (and prune) in one cluster at once.
import { IN_CLUSTER } from '../model/common.ts';

/** The control cluster's own address, as an in-cluster client and Argo CD name it. */
export const IN_CLUSTER_SHARD_KEY = 'https://kubernetes.default.svc';

/**
 * A server URL in one spelling: scheme and host in lower case, the scheme's default port and
 * trailing slashes dropped. Text that is not a URL is kept as it is (it still names one server).
 */
export function normalizeServer(server: string): string {
  const trimmed = server.trim();
  try {
    const url = new URL(trimmed);
    const path = url.pathname.replace(/\/+$/, '');
    return `${url.protocol}//${url.host}${path}`;
  } catch {
    return trimmed.replace(/\/+$/, '');
  }
}

/**
 * The shard key of a destination cluster name: its server, from the registered Clusters
 * (`servers`: name to spec.server). Undefined for a name not known (yet): such a cluster is owned
 * by nobody until its Cluster is seen, rather than by a replica guessing from its name.
 */
export function shardKey(cluster: string, servers: ReadonlyMap<string, string>): string | undefined {
  if (cluster === IN_CLUSTER) return IN_CLUSTER_SHARD_KEY;
  const server = servers.get(cluster);
  return server === undefined ? undefined : normalizeServer(server);
}

/** Whether two name-to-server maps give every name the same key (a change means owners may move). */
export function sameKeys(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, server] of a) {
    const other = b.get(name);
    if (other === undefined || normalizeServer(other) !== normalizeServer(server)) return false;
  }
  return true;
}
