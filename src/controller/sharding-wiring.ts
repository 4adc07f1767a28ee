// The parts of a sharded controller (docs/fleet.md): its shard Lease among the replicas, the
// watch of the Clusters whose servers are the shard keys, and what follows a change of either
// (apps queued or dropped, caches of clusters lost released).
import type { DestinationRegistry } from '../adapters/control-plane/destination-registry.ts';
import { KindWatch } from '../adapters/control-plane/kind-watch.ts';
import { ClusterShards, clusterServer } from './cluster-shards.ts';
import type { ControllerOptions } from './controller-options.ts';
import type { Logger } from './log.ts';
import type { ControllerMetrics } from './metrics.ts';
import { ShardMembership } from './shard-membership.ts';

export interface Sharding {
  membership: ShardMembership;
  shards: ClusterShards;
  clusterWatch: KindWatch;
}

/** The lease settings passed only when set: an undefined would override the Leases' own default. */
export function leaseOptions(options: ControllerOptions): { leaseDurationSeconds?: number } {
  return options.leaseDurationSeconds === undefined
    ? {}
    : { leaseDurationSeconds: options.leaseDurationSeconds };
}

export function wireSharding(
  options: ControllerOptions,
  identity: string,
  deps: {
    metrics: ControllerMetrics;
    destinations: DestinationRegistry;
    /** Every app looked at again: whose cluster this replica owns may have changed. */
    requeue: () => void;
    log: Logger;
  },
): Sharding {
  const clusterWatch = new KindWatch(options.kubeConfig, options.namespace, 'clusters');
  let shards: ClusterShards | undefined;
  const membership = new ShardMembership(options.kubeConfig, {
    namespace: options.namespace,
    identity,
    ...leaseOptions(options),
    // Apps of clusters gained are queued, those of clusters lost leave the queue.
    onChange: (members) => {
      deps.metrics.shardMembers.set(members.length);
      shards?.membersChanged();
    },
    log: (line) => deps.log.info({}, line),
  });
  shards = new ClusterShards({
    ownsKey: (key) => membership.owns(key),
    clusters: () => clusterWatch.objects().flatMap((c) => clusterServer(c) ?? []),
    cached: () => deps.destinations.all().map((d) => d.name),
    release: (cluster) => deps.destinations.release(cluster),
    requeue: deps.requeue,
    // A reconcile in progress on a cluster lost has most of a lease duration to finish.
    releaseAfterMs: (options.leaseDurationSeconds ?? 15) * 1000,
    log: (line) => deps.log.info({}, line),
  });
  const wired = shards;
  clusterWatch.onChange(() => wired.clustersChanged());
  return { membership, shards: wired, clusterWatch };
}
