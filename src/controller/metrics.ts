import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

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
    help: 'Finished sync operations, by phase (Succeeded, Failed, Error).',
    labelNames: ['phase', 'dry_run'] as const,
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
  readonly apps = new Gauge({
    name: 'tiphys_app_info',
    help: 'Applications by sync and health status.',
    labelNames: ['sync_status', 'health_status'] as const,
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'tiphys_controller_leader',
    help: '1 while this replica is the leader.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tiphys_' });
  }
}
