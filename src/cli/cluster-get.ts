// `tiphys cluster get NAME`: one registered cluster as a person reads it after a loss: its
// connection and health, the recovery with its timeline (RTO included), its conditions, and the
// last result of each cluster notification (docs/recovery.md, docs/notifications.md). Never its
// credentials: the API server's view has none, and the Cluster resource only names their Secret.
import type { Command } from 'commander';
import type { NotificationResult } from '../core/model/application-status.ts';
import type { Cluster, ClusterStatus } from '../core/model/cluster.ts';
import { API_VERSION } from '../core/model/common.ts';
import { readCluster } from '../domain/clusters.ts';
import { formatNotifications } from './app/views.ts';
import { addServerOption, type CommandContext, withBackend } from './kube-context.ts';
import { CliError, formatFields, formatTable, printOutput, withoutManagedFields } from './output.ts';

/** What the API server shows of a cluster (its ClusterView). */
type ClusterView = {
  name: string;
  server: string;
  labels?: Record<string, string>;
} & Pick<
  ClusterStatus,
  | 'connection'
  | 'health'
  | 'recovery'
  | 'conditions'
  | 'serverVersion'
  | 'applicationsCount'
  | 'notifications'
>;

export function addClusterGet(group: Command): void {
  addServerOption(
    group
      .command('get')
      .description('show a cluster: connection, health, recovery and its timeline, notifications')
      .argument('<name>', 'name of the cluster'),
  ).action(async (name: string, _flags: unknown, command: Command) =>
    withBackend(command, async (ctx) => {
      const { cluster, data } = await getCluster(ctx, name);
      printOutput(ctx.output, data, () => formatClusterDetails(cluster));
    }),
  );
}

async function getCluster(ctx: CommandContext, name: string): Promise<{ cluster: Cluster; data: unknown }> {
  if (ctx.api) {
    const view = await ctx.api.get<ClusterView>(`/api/v1/clusters/${encodeURIComponent(name)}`);
    const { name: _, server, labels, ...status } = view;
    const cluster: Cluster = {
      apiVersion: API_VERSION,
      kind: 'Cluster',
      metadata: { name, labels },
      spec: { server },
      status,
    };
    return { cluster, data: view };
  }
  const cluster = await readCluster(ctx, name);
  if (!cluster) throw new CliError(`cluster "${name}" is not registered in namespace ${ctx.namespace}`);
  return { cluster, data: withoutManagedFields(cluster) };
}

/** Seconds between two timestamps of the timeline, when both are there. */
function secondsBetween(from: string | undefined, to: string | undefined): string | undefined {
  if (!from || !to) return undefined;
  return `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(0)} s`;
}

export function formatClusterDetails(cluster: Cluster): string {
  const status = cluster.status ?? {};
  const health = status.health;
  const recovery = status.recovery;
  const t = recovery?.timeline ?? {};
  const sections = [
    formatFields([
      ['Name', cluster.metadata.name],
      ['Server', cluster.spec.server],
      [
        'Labels',
        Object.entries(cluster.metadata.labels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      ],
      ['Connection', [status.connection?.status, status.connection?.message].filter(Boolean).join(': ')],
      ['Health', health ? `${health.phase}${health.message ? `: ${health.message}` : ''}` : undefined],
      ['Unreachable since', health?.unreachableSince],
      ['Lost at', health?.lostAt],
      ['Returned at', health?.returnedAt],
      ['Version', status.serverVersion],
      ['Applications', status.applicationsCount === undefined ? undefined : String(status.applicationsCount)],
      [
        'Recovery',
        recovery ? `${recovery.phase}${recovery.message ? `: ${recovery.message}` : ''}` : undefined,
      ],
      ['Attempts', recovery?.attempts ? String(recovery.attempts) : undefined],
      ['Approved by', recovery?.approvedBy],
      ['Failed over to', recovery?.failoverTo],
      ['Action output', recovery?.actionOutput],
      ['Action started', t.actionStartedAt],
      ['Cluster answered', t.clusterAnsweredAt],
      ['First app synced', t.firstAppSyncedAt],
      ['All apps Healthy', t.allHealthyAt],
      ['RTO (lost → all Healthy)', secondsBetween(t.lostAt, t.allHealthyAt)],
      ['After the answer', secondsBetween(t.clusterAnsweredAt, t.allHealthyAt)],
    ]),
  ];
  const conditions = status.conditions ?? [];
  if (conditions.length > 0)
    sections.push(
      `\nConditions:\n${formatTable(
        ['TYPE', 'MESSAGE'],
        conditions.map((c) => [c.type, c.message]),
      )}`,
    );
  const notifications: readonly NotificationResult[] = status.notifications ?? [];
  if (notifications.length > 0) sections.push(`\nNotifications:\n${formatNotifications(notifications)}`);
  return sections.join('\n');
}
