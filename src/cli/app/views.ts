// How Applications read in a terminal: the list, one Application's summary and its tables. Pure
// functions of the objects, so the layouts are unit-tested without a cluster.
import { type Application, withDefaults } from '../../core/model/application.ts';
import type {
  NotificationResult,
  OperationState,
  ResourceResult,
} from '../../core/model/application-status.ts';
import { keepLastPerDestination } from '../../core/notifications/results.ts';
import type { AppWindows } from '../../domain/app-windows.ts';
import { formatFields, formatTable, shortRevision } from '../output.ts';
import { formatWindows } from '../proj-windows.ts';

export function formatAppList(apps: readonly Application[], wide: boolean): string {
  const headers = ['NAME', 'CLUSTER', 'NAMESPACE', 'PROJECT', 'SYNC', 'HEALTH', 'REVISION', 'CONDITIONS'];
  if (wide) headers.push('REPO', 'PATH', 'TARGET');
  const rows = apps.map((raw) => {
    const app = withDefaults(raw);
    const row = [
      app.metadata.name,
      app.spec.destination.cluster,
      app.spec.destination.namespace ?? '',
      app.spec.project,
      app.status?.sync?.status ?? 'Unknown',
      app.status?.health?.status ?? 'Unknown',
      shortRevision(app.status?.sync?.revision),
      String(app.status?.conditions?.length ?? 0),
    ];
    if (wide) row.push(app.spec.source.repoURL, app.spec.source.path, app.spec.source.targetRevision);
    return row;
  });
  return formatTable(headers, rows);
}

function syncPolicyText(app: Application): string {
  const automated = app.spec.syncPolicy?.automated;
  if (!automated) return 'Manual';
  const extras = [
    automated.prune && 'Prune',
    automated.selfHeal && 'SelfHeal',
    automated.allowEmpty && 'AllowEmpty',
  ];
  const shown = extras.filter(Boolean);
  return shown.length > 0 ? `Automated (${shown.join(', ')})` : 'Automated';
}

function sourceKind(app: Application): string | undefined {
  const source = withDefaults(app).spec.source;
  if (source.chart !== undefined) return 'Helm chart';
  if (source.helm) return 'Helm';
  if (source.kustomize) return 'Kustomize';
  if (source.directory) return 'Directory';
  return undefined;
}

/** Repo, path and target of the one source; a line per source of an app of several. */
function sourceFields(app: ReturnType<typeof withDefaults>): [string, string | undefined][] {
  const sources = app.spec.sources;
  if (!sources) {
    const { repoURL, path, targetRevision } = app.spec.source;
    return [
      ['Repo', repoURL],
      ['Path', path],
      ['Target', targetRevision],
    ];
  }
  return sources.map((s, i) => [
    `Source ${i + 1}`,
    `${s.repoURL}${s.chart !== undefined ? ` chart ${s.chart}` : s.path ? ` path ${s.path}` : ''} at ${s.targetRevision}${s.ref !== undefined ? ` (ref ${s.ref})` : ''}`,
  ]);
}

/** The whole of `app get`: summary, conditions, the last operation, notifications, then the resources. */
export function formatAppDetails(raw: Application, windows?: AppWindows): string {
  const app = withDefaults(raw);
  const status = app.status;
  const sync = status?.sync;
  const deleting = (raw.metadata as { deletionTimestamp?: string }).deletionTimestamp;
  const sections = [
    formatFields([
      ['Name', app.metadata.name],
      ['Namespace', app.metadata.namespace],
      ['Project', app.spec.project],
      ...sourceFields(app),
      ['Source type', sourceKind(app)],
      ['Destination', `${app.spec.destination.cluster} / ${app.spec.destination.namespace ?? ''}`],
      ['Depends on', app.spec.dependsOn?.join(', ')],
      ['Sync policy', syncPolicyText(app)],
      [
        'Sync status',
        // Argo CD's wording: "Synced to main (abc1234)", "OutOfSync from main (abc1234)".
        `${sync?.status ?? 'Unknown'}${sync?.revision ? ` ${sync.status === 'Synced' ? 'to' : 'from'} ${app.spec.source.targetRevision} (${shortRevision(sync.revision)})` : ''}`,
      ],
      [
        'Health status',
        `${status?.health?.status ?? 'Unknown'}${status?.health?.message ? ` (${status.health.message})` : ''}`,
      ],
      ['Reconciled at', status?.reconciledAt],
      ['Pending operation', raw.operation ? describePending(raw) : undefined],
      ['Being deleted', deleting ? `since ${deleting}` : undefined],
    ]),
  ];
  const conditions = status?.conditions ?? [];
  if (conditions.length > 0) {
    sections.push(
      formatTable(
        ['CONDITION', 'MESSAGE', 'LAST TRANSITION'],
        conditions.map((c) => [c.type, c.message, c.lastTransitionTime ?? '']),
      ),
    );
  }
  if (windows && windows.windows.length > 0) sections.push(formatAppWindows(windows));
  if (status?.operationState) sections.push(formatOperationState(status.operationState));
  const notifications = status?.notifications ?? [];
  if (notifications.length > 0) sections.push(formatNotifications(notifications));
  const resources = status?.resources ?? [];
  sections.push(
    resources.length === 0
      ? 'No resources.'
      : formatTable(
          ['GROUP', 'KIND', 'NAMESPACE', 'NAME', 'SYNC', 'HEALTH', 'MESSAGE'],
          resources.map((r) => [
            r.group ?? '',
            r.kind,
            r.namespace ?? '',
            r.name,
            r.status ?? '',
            r.health?.status ?? '',
            r.health?.message ?? '',
          ]),
        ),
  );
  return sections.join('\n\n');
}

/** Whether a manual and an automated sync may start now, and the windows that concern the app. */
export function formatAppWindows(report: AppWindows): string {
  const verdict = (v: AppWindows['manual']) =>
    v.allowed ? 'may start now' : `blocked: ${v.reason}${v.opensAt ? `; may start at ${v.opensAt}` : ''}`;
  return [
    formatFields([
      ['Manual sync', verdict(report.manual)],
      ['Automated sync', verdict(report.automated)],
    ]),
    formatWindows({ project: report.project, now: report.now, windows: report.windows }),
  ].join('\n');
}

/** The last delivery per trigger and destination; the messages were masked of secrets when written. */
export function formatNotifications(results: readonly NotificationResult[]): string {
  const last = results.reduce<NotificationResult[]>(
    (kept, r) => keepLastPerDestination(kept, r, Infinity),
    [],
  );
  return formatTable(
    ['TRIGGER', 'SERVICE', 'RECIPIENT', 'RESULT', 'ATTEMPTS', 'AT', 'MESSAGE'],
    last.map((r) => [
      r.trigger,
      r.service,
      r.recipient ?? '',
      r.outcome,
      r.attempts === undefined ? '' : String(r.attempts),
      r.at,
      r.message ?? '',
    ]),
  );
}

function describePending(app: Application): string {
  const sync = app.operation?.sync;
  const parts = ['sync'];
  if (sync?.revision) parts.push(`to ${shortRevision(sync.revision)}`);
  if (sync?.dryRun) parts.push('(dry run)');
  const by = app.operation?.initiatedBy?.username;
  if (by) parts.push(`by ${by}`);
  return parts.join(' ');
}

/** The last operation: what ran, how it ended, and each resource's result. */
export function formatOperationState(state: OperationState): string {
  const summary = formatFields([
    ['Operation', state.operation.sync.dryRun ? 'Sync (dry run)' : 'Sync'],
    ['Phase', state.phase],
    ['Message', state.message],
    ['Revision', shortRevision(state.syncResult?.revision ?? state.operation.sync.revision)],
    ['Started at', state.startedAt],
    ['Finished at', state.finishedAt],
    [
      'Initiated by',
      state.operation.initiatedBy?.username ??
        (state.operation.initiatedBy?.automated ? 'automated sync' : undefined),
    ],
  ]);
  const results = state.syncResult?.resources ?? [];
  return results.length === 0 ? summary : `${summary}\n\n${formatSyncResults(results)}`;
}

export function formatSyncResults(results: readonly ResourceResult[]): string {
  return formatTable(
    ['GROUP', 'KIND', 'NAMESPACE', 'NAME', 'STATUS', 'HOOK', 'MESSAGE'],
    results.map((r) => [
      r.group ?? '',
      r.kind,
      r.namespace ?? '',
      r.name,
      r.hookPhase && r.hookType ? r.hookPhase : (r.status ?? ''),
      r.hookType ?? '',
      r.message ?? '',
    ]),
  );
}

export function formatHistory(app: Application): string {
  const history = [...(app.status?.history ?? [])].sort((a, b) => a.id - b.id);
  if (history.length === 0) return `application "${app.metadata.name}" has no deployment history yet`;
  return formatTable(
    ['ID', 'DATE', 'REVISION', 'INITIATED BY'],
    history.map((h) => [
      String(h.id),
      h.deployedAt,
      h.revision,
      h.initiatedBy?.username ?? (h.initiatedBy?.automated ? 'automated' : ''),
    ]),
  );
}
