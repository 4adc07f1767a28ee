// Per-application gauges, read from the Application informer at scrape time, with Argo CD's label
// names (`argocd_app_info` → `tiphys_app_info`) so dashboards and alerts written for Argo CD need
// only the prefix changed. `dest_server` holds the destination's cluster name (Tiphys names
// clusters; the URL is in the Cluster resource).
import { Gauge, type Registry } from 'prom-client';
import { type Application, withDefaults } from '../core/model/application.ts';

const SYNC = ['Synced', 'OutOfSync', 'Unknown'] as const;
const HEALTH = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'] as const;

/** The labels that name an app in every per-app series. */
export function appLabels(raw: Application) {
  const app = withDefaults(raw);
  return {
    name: app.metadata.name,
    namespace: app.metadata.namespace ?? '',
    project: app.spec.project,
    dest_server: app.spec.destination.cluster,
    dest_namespace: app.spec.destination.namespace ?? '',
  };
}

/** `tiphys_app_info`'s labels for one app (pure, unit-tested). */
export function appInfoLabels(raw: Application) {
  const app = withDefaults(raw);
  return {
    ...appLabels(raw),
    repo: app.spec.source.repoURL,
    sync_status: app.status?.sync?.status ?? 'Unknown',
    health_status: app.status?.health?.status ?? 'Unknown',
    operation: raw.operation ? 'sync' : app.status?.operationState?.phase === 'Running' ? 'sync' : '',
    autosync_enabled: String(Boolean(app.spec.syncPolicy?.automated)),
  };
}

export function registerAppGauges(registry: Registry, apps: () => readonly Application[]): void {
  const info = new Gauge({
    name: 'tiphys_app_info',
    help: 'One series per Application (value 1), its sync and health status and more as labels.',
    labelNames: [
      'name',
      'namespace',
      'project',
      'dest_server',
      'dest_namespace',
      'repo',
      'sync_status',
      'health_status',
      'operation',
      'autosync_enabled',
    ] as const,
    registers: [registry],
    collect() {
      info.reset();
      for (const app of apps()) info.set(appInfoLabels(app), 1);
    },
  });
  // One series per app and status, 1 for the current one and 0 for the others, so an alert on
  // `health_status="Degraded" == 1` has a series to watch before the first degradation.
  const perStatus = (
    name: string,
    help: string,
    label: 'sync_status' | 'health_status',
    values: readonly string[],
    current: (app: Application) => string,
  ) => {
    const gauge = new Gauge({
      name,
      help,
      labelNames: ['name', 'namespace', 'project', 'dest_server', 'dest_namespace', label] as const,
      registers: [registry],
      collect() {
        gauge.reset();
        for (const app of apps()) {
          const labels = appLabels(app);
          const now = current(app);
          for (const value of values) gauge.set({ ...labels, [label]: value }, value === now ? 1 : 0);
        }
      },
    });
  };
  perStatus(
    'tiphys_app_sync_status',
    'Sync status of each Application: 1 for the current one.',
    'sync_status',
    SYNC,
    (app) => app.status?.sync?.status ?? 'Unknown',
  );
  perStatus(
    'tiphys_app_health_status',
    'Health status of each Application: 1 for the current one.',
    'health_status',
    HEALTH,
    (app) => app.status?.health?.status ?? 'Unknown',
  );
}
