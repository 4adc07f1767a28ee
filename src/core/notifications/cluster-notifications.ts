// Notifications about registered clusters (pure): the built-in triggers and templates of a loss
// and of a recovery's end, what of a Cluster a template may read, and the cluster-wide
// subscriptions of the notifications ConfigMap. Triggers named `on-cluster-…` are evaluated on
// Clusters (CEL over `cluster`), every other trigger on Applications. A template sees the view
// below and nothing else of the Cluster: never its credentials, where they are kept, or its
// annotations, so no template an administrator writes can put a token in a message.
import { parse as parseYaml } from 'yaml';
import type { Subscription } from './subscriptions.ts';
import type { Template } from './templates.ts';
import { NotificationConfigError, type Trigger } from './triggers.ts';

export const CLUSTER_TRIGGER_PREFIX = 'on-cluster-';
export const isClusterTrigger = (name: string) => name.startsWith(CLUSTER_TRIGGER_PREFIX);

/** The ConfigMap key of subscriptions that hold for every Cluster. */
export const CLUSTER_SUBSCRIPTIONS_KEY = 'clusterSubscriptions';

export const CLUSTER_TRIGGERS: readonly Trigger[] = [
  {
    name: 'on-cluster-lost',
    when: "cluster.status.health.phase == 'Lost'",
    oncePer: 'cluster.status.health.lostAt',
    send: ['cluster-lost'],
  },
  {
    name: 'on-cluster-recovered',
    when: "cluster.status.recovery.phase == 'Succeeded'",
    oncePer: 'cluster.status.recovery.incident',
    send: ['cluster-recovered'],
  },
  {
    name: 'on-cluster-recovery-failed',
    when: "cluster.status.recovery.phase == 'Failed'",
    oncePer: 'cluster.status.recovery.incident',
    send: ['cluster-recovery-failed'],
  },
];

const c = (path: string) => `{{cluster.${path}}}`;
const name = c('metadata.name');
export const CLUSTER_TEMPLATES: readonly Template[] = [
  {
    name: 'cluster-lost',
    title: `cluster ${name} lost`,
    message: `Cluster ${name} (${c('spec.server')}) is lost: unreachable since ${c('status.health.unreachableSince')}, lost at ${c('status.health.lostAt')}. ${c('status.health.message')}`,
  },
  {
    name: 'cluster-recovered',
    title: `cluster ${name} recovered`,
    message: `Cluster ${name} is recovered: its apps are synced and healthy on ${c('spec.server')} (lost at ${c('status.recovery.timeline.lostAt')}, all healthy at ${c('status.recovery.timeline.allHealthyAt')}).`,
  },
  {
    name: 'cluster-recovery-failed',
    title: `recovery of cluster ${name} failed`,
    message: `The recovery of cluster ${name} failed after ${c('status.recovery.attempts')} attempt(s): ${c('status.recovery.message')}`,
  },
];

interface ClusterLike {
  metadata: { name: string; uid?: string; labels?: Record<string, string> };
  spec: { server: string };
}

/** All a trigger or template reads of a Cluster: name, labels, server, health and recovery. */
export function clusterNotificationView(
  cluster: ClusterLike,
  status: { health?: unknown; recovery?: unknown },
) {
  return {
    metadata: {
      name: cluster.metadata.name,
      ...(cluster.metadata.uid ? { uid: cluster.metadata.uid } : {}),
      labels: cluster.metadata.labels ?? {},
    },
    spec: { server: cluster.spec.server },
    status: {
      ...(status.health ? { health: status.health } : {}),
      ...(status.recovery ? { recovery: status.recovery } : {}),
    },
  };
}

/**
 * `clusterSubscriptions`, Argo CD's subscriptions form:
 *   - recipients: [webhook:ops, slack:oncall]   # service or service:recipient
 *     triggers: [on-cluster-lost]
 */
export function parseClusterSubscriptions(text: string): Subscription[] {
  const value = parseYaml(text, { maxAliasCount: 10 }) as unknown;
  if (!Array.isArray(value))
    throw new NotificationConfigError('expected a YAML list of {recipients, triggers}');
  const out: Subscription[] = [];
  value.forEach((entry: unknown, i) => {
    const where = `entry ${i + 1}`;
    const { recipients, triggers } = (entry ?? {}) as { recipients?: unknown; triggers?: unknown };
    const strings = (field: string, list: unknown) => {
      if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && s !== ''))
        throw new NotificationConfigError(`${where}: ${field} must be a list of names`);
      return list as string[];
    };
    for (const trigger of strings('triggers', triggers)) {
      if (!isClusterTrigger(trigger))
        throw new NotificationConfigError(`${where}: ${trigger} is not a cluster trigger (on-cluster-…)`);
      for (const target of strings('recipients', recipients)) {
        const colon = target.indexOf(':');
        const service = colon < 0 ? target : target.slice(0, colon);
        const recipient = colon < 0 ? '' : target.slice(colon + 1);
        out.push({ trigger, service, recipients: recipient ? [recipient] : [], from: 'config' });
      }
    }
  });
  return out;
}
