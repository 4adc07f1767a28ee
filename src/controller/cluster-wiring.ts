// The loop that watches every registered cluster (reachability, loss, recovery: docs/recovery.md)
// with its notifications, as the controller's leader runs it.
import type { DestinationRegistry } from '../adapters/control-plane/destination-registry.ts';
import type { NotificationSettings } from '../adapters/notifications/settings.ts';
import type { Application } from '../core/model/application.ts';
import type { ControlPlane } from '../domain/control-plane.ts';
import { ClusterMonitor } from './clusters/cluster-monitor.ts';
import { RecoveryCoordinator } from './clusters/recovery-coordinator.ts';
import type { ControllerOptions } from './controller-options.ts';
import type { Logger } from './log.ts';
import type { ControllerMetrics } from './metrics.ts';
import { ClusterNotifier } from './notifications/cluster-notifier.ts';
import type { Notifier } from './notifications/notifier.ts';
import type { ObjectEvents } from './object-events.ts';

export function wireClusterMonitor(
  options: ControllerOptions,
  deps: {
    cp: ControlPlane;
    destinations: DestinationRegistry;
    apps: () => readonly Application[];
    refresh: (name: string) => void;
    notificationSettings: NotificationSettings;
    notifier: Notifier;
    objectEvents: ObjectEvents;
    metrics: ControllerMetrics;
    log: Logger;
  },
): ClusterMonitor {
  // Cluster notifications share the apps' delivery queue and counters.
  const clusterNotifier = new ClusterNotifier({
    settings: deps.notificationSettings,
    queue: deps.notifier.queue,
    recordEvent: (cluster, note) => deps.objectEvents.onCluster(cluster, note),
    count: (labels) => deps.notifier.count(labels),
    onResult: (cluster) => monitor.checkSoon(cluster),
    log: deps.log,
  });
  const clusterDeps = {
    cp: deps.cp,
    destinations: deps.destinations,
    apps: deps.apps,
    refresh: deps.refresh,
    log: deps.log,
  };
  const monitor: ClusterMonitor = new ClusterMonitor({
    ...clusterDeps,
    recovery: new RecoveryCoordinator({
      ...clusterDeps,
      actions: options.recoveryActions ?? new Map(),
      onAttemptSettled: (cluster) => monitor.checkSoon(cluster),
    }),
    recordEvent: (cluster, note) => deps.objectEvents.onCluster(cluster, note),
    metrics: deps.metrics,
    intervalMs: options.clusterProbeIntervalMs ?? 30_000,
    notify: (cluster, status) => clusterNotifier.evaluate(cluster, status),
    notificationResults: (cluster) => clusterNotifier.resultsFor(cluster),
  });
  return monitor;
}
