// Which clusters this replica reconciles, and what it keeps of the others (docs/fleet.md
// "Sharding"). The shard key of a cluster is its server (src/core/sharding/shard-key.ts), read
// from a watch of the Cluster objects, so two Clusters naming one server have one owner. When
// what this replica owns changes (a peer came or went, a Cluster was added or moved to another
// server), the apps are queued again, and the live caches of clusters no longer owned are dropped
// once the grace a reconcile in progress has to finish is over (unless the cluster came back).
import { sameKeys, shardKey } from '../core/sharding/shard-key.ts';

export interface ClusterShardsDeps {
  /** Whether this replica owns a shard key now (the membership's rendezvous hashing). */
  ownsKey: (key: string) => boolean;
  /** The registered Clusters as last seen: name and spec.server. */
  clusters: () => readonly { name: string; server: string }[];
  /** Names of the clusters whose caches this process holds. */
  cached: () => readonly string[];
  release: (cluster: string) => Promise<boolean>;
  /** Owners may have moved: queue the apps owned, drop the others from the queue. */
  requeue: () => void;
  /** How long a cluster lost keeps its cache: a reconcile in progress may still read it. */
  releaseAfterMs: number;
  log: (message: string) => void;
}

export class ClusterShards {
  private readonly deps: ClusterShardsDeps;
  private servers = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(deps: ClusterShardsDeps) {
    this.deps = deps;
  }

  /** Whether this replica reconciles the apps of the cluster so named. */
  owns(cluster: string): boolean {
    const key = shardKey(cluster, this.servers);
    return key !== undefined && this.deps.ownsKey(key);
  }

  /** The members changed. */
  membersChanged(): void {
    this.deps.requeue();
    this.releaseLater();
  }

  /** The Cluster objects changed: only a new name or server can move an owner (not a status). */
  clustersChanged(): void {
    const next = new Map(this.deps.clusters().map((c) => [c.name, c.server]));
    if (sameKeys(this.servers, next)) return;
    this.servers = next;
    this.deps.requeue();
    this.releaseLater();
  }

  /** Drops now the caches of the clusters not owned (the grace is over). */
  async releaseLost(): Promise<string[]> {
    const released: string[] = [];
    for (const cluster of this.deps.cached()) {
      if (this.owns(cluster)) continue;
      if (await this.deps.release(cluster)) released.push(cluster);
    }
    if (released.length > 0) this.deps.log(`shard: dropped the live caches of ${released.join(', ')}`);
    return released;
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private releaseLater(): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.releaseLost().catch((error: unknown) =>
        this.deps.log(
          `shard: dropping caches failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    }, this.deps.releaseAfterMs);
    timer.unref();
    this.timers.add(timer);
  }
}

/** A Cluster object as the watch gives it: what the shard key needs. */
export function clusterServer(obj: {
  metadata?: { name?: string };
  spec?: unknown;
}): { name: string; server: string } | undefined {
  const name = obj.metadata?.name;
  const server = (obj.spec as { server?: unknown } | undefined)?.server;
  return name && typeof server === 'string' ? { name, server } : undefined;
}
