import { Counter, Gauge, type Registry } from 'prom-client';

/** The notification metrics, on the controller's registry. */
export function notificationMetrics(registry: Registry, queueLength: () => number) {
  return {
    deliveries: new Counter({
      name: 'tiphys_notification_deliveries_total',
      help: 'Notification deliveries by service, trigger and outcome (Delivered, Failed, Refused, Dropped).',
      labelNames: ['service', 'trigger', 'outcome'] as const,
      registers: [registry],
    }),
    queue: new Gauge({
      name: 'tiphys_notification_queue_length',
      help: 'Notification deliveries waiting or being sent.',
      registers: [registry],
      collect() {
        this.set(queueLength());
      },
    }),
  };
}
