// Notifications of registered clusters: the `on-cluster-…` triggers are evaluated on the status
// the monitor is about to write; the events they fire are remembered in that same write
// (`status.notified`) and sent only once it is written, as for apps (notifier.ts). Subscriptions
// are the Cluster's annotations and the ConfigMap's `clusterSubscriptions`; a template sees only
// the Cluster's notification view (no credentials). Results go to logs, metrics, Events on the
// Cluster and its `status.notifications` (the last delivery per trigger and destination, written
// by the monitor with the rest of the status), masked of every secret of the services.
import type { EventNote } from '../../adapters/kube/event-recorder.ts';
import type { DeliveryQueue } from '../../adapters/notifications/delivery-queue.ts';
import type { NotificationSettings } from '../../adapters/notifications/settings.ts';
import type { NotificationResult } from '../../core/model/application-status.ts';
import type { Cluster, ClusterStatus } from '../../core/model/cluster.ts';
import { clusterNotificationView } from '../../core/notifications/cluster-notifications.ts';
import type { NotificationConfig } from '../../core/notifications/config.ts';
import { type Delivery, deliveriesFor } from '../../core/notifications/dispatch.ts';
import { keepLastPerDestination } from '../../core/notifications/results.ts';
import { maskSecrets } from '../../core/notifications/services.ts';
import { subscriptionsOf } from '../../core/notifications/subscriptions.ts';
import { evaluateTriggers } from '../../core/notifications/triggers.ts';
import { errorMessage, type Logger } from '../log.ts';
import type { Notice } from './notifier.ts';

export interface ClusterNotifierDeps {
  settings: Pick<NotificationSettings, 'get'>;
  queue: DeliveryQueue;
  recordEvent: (cluster: Cluster, note: EventNote) => Promise<void>;
  /** Counts a result (the same metric as apps' deliveries). */
  count: (labels: { service: string; trigger: string; outcome: string }) => void;
  /** A result is in: the monitor writes the cluster's status again (with `results`). */
  onResult?: (cluster: string) => void;
  log: Logger;
}

const nothing: Notice = { send() {} };

export class ClusterNotifier {
  private readonly deps: ClusterNotifierDeps;
  private readonly reported = new Set<string>();
  /** The latest results per cluster, until the monitor has written them (then kept the same). */
  private readonly results = new Map<string, NotificationResult[]>();

  constructor(deps: ClusterNotifierDeps) {
    this.deps = deps;
  }

  /** The results to write on the cluster's status: those in since, else what it has. */
  resultsFor(cluster: Cluster): NotificationResult[] | undefined {
    return this.results.get(cluster.metadata.name) ?? cluster.status?.notifications;
  }

  /** What the status write about to happen fires; nothing if the settings cannot be read. */
  async evaluate(cluster: Cluster, status: ClusterStatus): Promise<Notice> {
    let config: NotificationConfig;
    try {
      config = await this.deps.settings.get();
    } catch (error) {
      this.reportOnce(`notification settings not read: ${errorMessage(error)}`);
      return nothing;
    }
    if (config.clusterTriggers.length === 0) return nothing;
    const view = clusterNotificationView(cluster, status);
    const before = cluster.status?.notified ?? {};
    const { fired, notified, errors } = evaluateTriggers(
      config.clusterTriggers,
      { cluster: view, firstReconcile: false },
      before,
    );
    for (const error of errors) this.reportOnce(`cluster ${cluster.metadata.name}: ${error}`);
    const changed = JSON.stringify(notified) !== JSON.stringify(before);
    return {
      ...(changed ? { notified } : {}),
      send: () => {
        if (fired.length === 0) return;
        const subscriptions = [
          ...config.clusterSubscriptions,
          ...subscriptionsOf(cluster.metadata.annotations, 'cluster'),
        ];
        for (const delivery of deliveriesFor(config, fired, subscriptions, view, undefined, 'cluster')) {
          const finish = (outcome: NotificationResult['outcome'], attempts: number, message?: string) =>
            this.finished(config, cluster, delivery, { outcome, attempts, message });
          if ('refused' in delivery.planned) {
            finish('Refused', 0, delivery.planned.refused);
            continue;
          }
          const queued = this.deps.queue.offer(delivery.planned.plan, config.delivery, (outcome) =>
            finish(outcome.ok ? 'Delivered' : 'Failed', outcome.attempts, outcome.message),
          );
          if (!queued) finish('Dropped', 0, 'the notification queue is full');
        }
      },
    };
  }

  private finished(
    config: NotificationConfig,
    cluster: Cluster,
    delivery: Delivery,
    result: { outcome: NotificationResult['outcome']; attempts: number; message?: string },
  ): void {
    const { outcome } = result;
    const message = result.message ? maskSecrets(result.message, config.secrets) : undefined;
    const name = cluster.metadata.name;
    const entry: NotificationResult = {
      trigger: delivery.trigger,
      service: delivery.service,
      ...(delivery.recipient ? { recipient: delivery.recipient } : {}),
      outcome,
      ...(message ? { message } : {}),
      ...(result.attempts ? { attempts: result.attempts } : {}),
      at: new Date().toISOString(),
    };
    this.results.set(name, keepLastPerDestination(this.resultsFor(cluster) ?? [], entry));
    this.deps.onResult?.(name);
    this.deps.count({ service: delivery.service, trigger: delivery.trigger, outcome });
    const ok = outcome === 'Delivered';
    const text = `notification ${delivery.trigger} to ${delivery.service}${delivery.recipient ? ` (${delivery.recipient})` : ''}: ${outcome}${message ? `: ${message}` : ''}`;
    this.deps.log[ok ? 'info' : 'warn'](
      { cluster: cluster.metadata.name, trigger: delivery.trigger, service: delivery.service, outcome },
      text,
    );
    void this.deps.recordEvent(cluster, {
      type: ok ? 'Normal' : 'Warning',
      reason: ok ? 'NotificationSent' : 'NotificationFailed',
      message: text,
    });
  }

  private reportOnce(message: string): void {
    if (this.reported.has(message)) return;
    if (this.reported.size > 1_000) this.reported.clear();
    this.reported.add(message);
    this.deps.log.warn({}, message);
  }
}
