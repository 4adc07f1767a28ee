// From fired triggers to deliveries (pure): each subscription of a fired trigger, each of its
// recipients, each template the trigger sends, becomes one planned delivery or one refusal.
import type { NotificationConfig } from './config.ts';
import { type Planned, planDelivery } from './services.ts';
import type { Subscription } from './subscriptions.ts';
import { renderTemplate } from './templates.ts';
import type { Fired } from './triggers.ts';

export interface Delivery {
  trigger: string;
  service: string;
  recipient: string;
  /** Identifies the event, so a retried or re-queued delivery is the same one. */
  event: string;
  planned: Planned;
}

export function deliveriesFor(
  config: NotificationConfig,
  fired: readonly Fired[],
  subscriptions: readonly Subscription[],
  subject: unknown,
  /** The app's project; undefined for a Cluster, which only services without `projects` serve. */
  project: string | undefined,
  kind: 'app' | 'cluster' = 'app',
): Delivery[] {
  const out: Delivery[] = [];
  for (const { trigger, event } of fired) {
    for (const sub of subscriptions.filter((s) => s.trigger === trigger.name)) {
      const service = config.services.get(sub.service);
      for (const recipient of sub.recipients.length > 0 ? sub.recipients : ['']) {
        const base = { trigger: trigger.name, service: sub.service, recipient, event };
        if (!service) {
          out.push({
            ...base,
            planned: {
              refused: `no notification service named ${JSON.stringify(sub.service)} is configured`,
            },
          });
          continue;
        }
        for (const name of trigger.send) {
          const template = config.templates.get(name);
          if (!template) {
            out.push({
              ...base,
              planned: { refused: `trigger ${trigger.name} sends template ${name}, which does not exist` },
            });
            continue;
          }
          if (project === undefined && service.projects) {
            out.push({
              ...base,
              planned: { refused: `service ${service.name} serves only apps of its projects, not clusters` },
            });
            continue;
          }
          const message = renderTemplate(template, {
            [kind]: subject,
            context: config.context,
            trigger: trigger.name,
          });
          out.push({ ...base, planned: planDelivery(service, recipient, message, project ?? '') });
        }
      }
    }
  }
  return out;
}
