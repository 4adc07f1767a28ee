import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Application } from '../core/model/application.ts';
import type { ClusterStatus } from '../core/model/cluster.ts';
import { ClusterPhase } from '../core/model/cluster-status.ts';
import { registerAppGauges } from './app-metrics.ts';

const TIMELINE_STEPS = ['actionStartedAt', 'clusterAnsweredAt', 'firstAppSyncedAt', 'allHealthyAt'] as const;

/** The controller's Prometheus metrics, on a registry of its own (tests create several). */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: 'tiphys_app_reconcile_total',
    help: 'Application reconciles, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'tiphys_app_reconcile_duration_seconds',
    help: 'Duration of one Application reconcile.',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly syncs = new Counter({
    name: 'tiphys_app_sync_total',
    help: 'Finished sync operations, by app and phase (Succeeded, Failed, Error).',
    labelNames: [
      'name',
      'namespace',
      'project',
      'dest_server',
      'dest_namespace',
      'phase',
      'dry_run',
    ] as const,
    registers: [this.registry],
  });
  private gitStats: (() => Record<string, number>) | undefined;
  private readonly gitSeen: Record<string, number> = {};
  readonly gitRequests = new Counter({
    name: 'tiphys_git_request_total',
    help: 'Git operations: ls-remote, fetch, checkout.',
    labelNames: ['operation'] as const,
    registers: [this.registry],
    // Read from the Git cache's own counters at scrape time.
    collect: () => {
      const stats = this.gitStats?.() ?? {};
      for (const [operation, count] of Object.entries(stats)) {
        const delta = count - (this.gitSeen[operation] ?? 0);
        if (delta > 0) this.gitRequests.inc({ operation }, delta);
        this.gitSeen[operation] = count;
      }
    },
  });

  /** Where the Git request counts come from (the controller's GitRepoCache). */
  trackGit(stats: () => Record<string, number>): void {
    this.gitStats = stats;
  }
  readonly leader = new Gauge({
    name: 'tiphys_controller_leader',
    help: '1 while this replica is the leader.',
    registers: [this.registry],
  });

  readonly shardMembers = new Gauge({
    name: 'tiphys_shard_members',
    help: 'Sharding: the replicas this one counts as alive and acting, itself included once it acts (0 before).',
    registers: [this.registry],
  });

  readonly clusterPhase = new Gauge({
    name: 'tiphys_cluster_phase',
    help: 'Registered clusters: 1 for the phase each is in (Reachable, Unreachable, Lost).',
    labelNames: ['cluster', 'phase'] as const,
    registers: [this.registry],
  });
  readonly clustersLost = new Counter({
    name: 'tiphys_cluster_lost_total',
    help: 'Times a cluster was marked lost.',
    labelNames: ['cluster'] as const,
    registers: [this.registry],
  });
  readonly recoveryEvents = new Counter({
    name: 'tiphys_cluster_recovery_event_total',
    help: 'Recovery steps by reason (RecoveryActionStarted, RecoveryFailed, RecoveryClusterAnswers, RecoverySucceeded, …).',
    labelNames: ['cluster', 'reason'] as const,
    registers: [this.registry],
  });
  readonly recoverySeconds = new Gauge({
    name: 'tiphys_cluster_recovery_seconds',
    help: 'Seconds from the loss to each step of the last recovery (allHealthyAt is the RTO).',
    labelNames: ['cluster', 'step'] as const,
    registers: [this.registry],
  });

  /** The cluster metrics after a probe: its phase, the transitions, the recovery timeline. */
  observeCluster(cluster: string, status: ClusterStatus, reasons: readonly string[]): void {
    for (const phase of Object.values(ClusterPhase)) {
      this.clusterPhase.set({ cluster, phase }, status.health?.phase === phase ? 1 : 0);
    }
    for (const reason of reasons) {
      if (reason === 'ClusterLost') this.clustersLost.inc({ cluster });
      if (reason.startsWith('Recovery')) this.recoveryEvents.inc({ cluster, reason });
    }
    const timeline = status.recovery?.timeline;
    const lostAt = Date.parse(timeline?.lostAt ?? '');
    for (const step of TIMELINE_STEPS) {
      const at = Date.parse(timeline?.[step] ?? '');
      if (Number.isFinite(lostAt) && Number.isFinite(at))
        this.recoverySeconds.set({ cluster, step }, (at - lostAt) / 1000);
    }
  }

  constructor() {
    // Without a prefix (process_cpu_seconds_total, nodejs_heap_size_used_bytes…), the names
    // stock Node.js dashboards and alerts use.
    // The event-loop lag histogram samples on a timer: prom-client's default (every 10 ms) woke an
    // idle controller 100 times a second, about half a percent of a core (measured, docs/performance.md).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
  }

  /**
   * Each destination's live cache as this process holds it, read at scrape time: with sharding, a
   * cluster this replica lost drops to no kinds watched (its cache is released).
   */
  trackClusterCaches(caches: () => readonly { cluster: string; kinds: number; objects: number }[]): void {
    const series = (name: string, help: string, pick: (c: { kinds: number; objects: number }) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['cluster'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const cache of caches()) this.set({ cluster: cache.cluster }, pick(cache));
        },
      });
    series(
      'tiphys_cluster_cache_kinds',
      'Kinds watched in the live cache of a destination cluster.',
      (c) => c.kinds,
    );
    series(
      'tiphys_cluster_cache_objects',
      'Objects held in the live cache of a destination cluster.',
      (c) => c.objects,
    );
  }

  /** Per-app info, sync and health gauges (app-metrics.ts), read from the informer at scrape time. */
  trackApps(apps: () => readonly Application[]): void {
    registerAppGauges(this.registry, apps);
  }
}
