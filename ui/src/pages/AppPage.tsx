// One Application: its status, the actions on it, and its resource graph. The Application comes
// from the live store, so a sync started here (or anywhere) shows its progress without a reload.
import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api, errorMessage } from '../api/client.ts';
import type { Application } from '../api/types.ts';
import { DeleteDialog } from '../app/DeleteDialog.tsx';
import { HistoryDialog } from '../app/HistoryDialog.tsx';
import { NotificationResults } from '../app/NotificationResults.tsx';
import { ResourcePanel } from '../app/ResourcePanel.tsx';
import { SyncDialog } from '../app/SyncDialog.tsx';
import { AppSyncWindows } from '../app/SyncWindows.tsx';
import { HealthBadge, OperationBadge, SyncBadge } from '../components/Badge.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { notify } from '../components/toasts.tsx';
import { matchingNodes } from '../graph/filter.ts';
import { buildGraph } from '../graph/model.ts';
import { ResourceGraph } from '../graph/ResourceGraph.tsx';
import { formatTime, shortRevision, timeAgo } from '../lib/format.ts';
import { useAsync, useThrottledTick } from '../lib/use-async.ts';
import { clusterOf, namespaceOf, primarySource, projectOf } from '../list/filter.ts';
import { href } from '../router.ts';
import { appsStore, useApps } from '../state/apps-store.ts';

type Dialog = 'sync' | 'history' | 'delete' | undefined;

export function AppPage({ name }: { name: string }) {
  const { byName } = useApps();
  const app = byName.get(name);
  const [loadError, setLoadError] = useState<{ message: string; status: number }>();
  // Once shown, an app that leaves the store was deleted (the stream said so).
  const seen = useRef(false);
  if (app) seen.current = true;

  useEffect(() => {
    let current = true;
    api.getApplication(name).then(
      (fresh) => current && appsStore.upsert(fresh),
      (e: unknown) =>
        current && setLoadError({ message: errorMessage(e), status: e instanceof ApiError ? e.status : 0 }),
    );
    return () => {
      current = false;
    };
  }, [name]);

  if (!app) {
    return (
      <div className="page">
        <Breadcrumb name={name} />
        {seen.current ? (
          <div className="empty">
            The application {name} was deleted. <a href="#/applications">Back to the applications</a>
          </div>
        ) : loadError ? (
          <ErrorBox
            error={loadError.status === 404 ? `There is no application named ${name}.` : loadError.message}
          />
        ) : (
          <p className="muted">Loading…</p>
        )}
      </div>
    );
  }
  return <AppView app={app} />;
}

function Breadcrumb({ name }: { name: string }) {
  return (
    <nav className="breadcrumb" aria-label="Breadcrumb">
      <a href="#/applications">Applications</a>
      <span aria-hidden="true">/</span>
      <span>{name}</span>
    </nav>
  );
}

function AppView({ app }: { app: Application }) {
  const source = primarySource(app);
  const name = app.metadata.name;
  const [dialog, setDialog] = useState<Dialog>();
  const [selected, setSelected] = useState<string>();
  const [filter, setFilter] = useState('');

  const tick = useThrottledTick(app.metadata.resourceVersion, 1500, 15_000);
  const tree = useAsync(() => api.resourceTree(name), [name], tick);
  const health = app.status?.health;
  const sync = app.status?.sync;
  const graph = useMemo(
    () => buildGraph({ name, health, sync: sync?.status }, tree.data?.nodes ?? []),
    [name, health, sync?.status, tree.data],
  );
  const highlighted = useMemo(() => matchingNodes(graph, filter), [graph, filter]);
  const selectedNode = graph.nodes.find((n) => n.id === selected);

  const op = app.status?.operationState;
  const pending = Boolean(app.operation);
  const running = pending || op?.phase === 'Running' || op?.phase === 'Terminating';
  const refresh = async () => {
    try {
      await api.refresh(name);
      notify(`Refresh of ${name} requested`);
    } catch (e) {
      notify(errorMessage(e), 'error');
    }
  };

  return (
    <div className="page app-page">
      <Breadcrumb name={name} />
      <section className="app-header" aria-label="Application status">
        <div className="app-title">
          <h1>{name}</h1>
          <HealthBadge status={health?.status} message={health?.message} />
          <SyncBadge status={sync?.status} />
          {app.metadata.deletionTimestamp && <span className="tag bad">Deleting</span>}
          <div className="actions">
            <button
              type="button"
              className="button primary"
              onClick={() => setDialog('sync')}
              disabled={running}
              title={running ? 'An operation is in progress' : undefined}
            >
              Sync
            </button>
            <button type="button" className="button" onClick={refresh}>
              Refresh
            </button>
            <button type="button" className="button" onClick={() => setDialog('history')}>
              History
            </button>
            <a className="button" href={href('applications', name, 'preview')}>
              Preview a revision
            </a>
            <button type="button" className="button danger-outline" onClick={() => setDialog('delete')}>
              Delete
            </button>
          </div>
        </div>
        <dl className="facts">
          <Fact label="Revision" title={sync?.revision}>
            <span className="mono" data-testid="revision">
              {shortRevision(sync?.revision)}
            </span>{' '}
            <span className="muted">({source.targetRevision || 'HEAD'})</span>
          </Fact>
          <Fact label="Project">
            <a href={href('projects', projectOf(app))}>{projectOf(app)}</a>
          </Fact>
          <Fact label="Destination">
            {clusterOf(app)} / {namespaceOf(app) || '—'}
          </Fact>
          <Fact label={source.count > 1 ? `Sources (${source.count})` : 'Source'} title={source.repoURL}>
            <span className="ellipsis">
              {source.repoURL}{' '}
              <span className="muted">
                {source.chart !== undefined ? `chart ${source.chart}` : source.path || '.'}
              </span>
            </span>
          </Fact>
          <Fact label="Sync policy">
            {app.spec.syncPolicy?.automated
              ? `Automated${app.spec.syncPolicy.automated.prune ? ', prune' : ''}${app.spec.syncPolicy.automated.selfHeal ? ', self-heal' : ''}`
              : 'Manual'}
          </Fact>
          <Fact label="Last sync" title={formatTime(op?.finishedAt ?? op?.startedAt)}>
            {pending ? (
              <OperationBadge phase="Running" text="Requested" />
            ) : op ? (
              <span className="operation" data-testid="operation">
                <OperationBadge phase={op.phase} message={op.message} />
                <span className="muted">
                  {shortRevision(op.syncResult?.revision ?? op.operation.sync.revision)}{' '}
                  {timeAgo(op.finishedAt ?? op.startedAt)}
                </span>
              </span>
            ) : (
              'never'
            )}
          </Fact>
        </dl>
        {op?.message && (op.phase === 'Failed' || op.phase === 'Error') && (
          <ErrorBox error={`Sync ${op.phase.toLowerCase()}: ${op.message}`} />
        )}
        {app.status?.conditions?.map((c) => (
          <div key={`${c.type}:${c.message}`} className="condition" role="status">
            <strong>{c.type}</strong> {c.message}
          </div>
        ))}
        <AppSyncWindows name={name} tick={tick} />
        <NotificationResults results={app.status?.notifications} />
      </section>
      <section className="tree-area" aria-label="Resources">
        <div className="tree-main">
          <div className="tree-toolbar">
            <input
              type="search"
              placeholder="Filter resources by kind or name"
              aria-label="Filter resources"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
            <span className="muted">{graph.nodes.length - 1} objects</span>
            {tree.loading && <span className="muted">updating…</span>}
          </div>
          <ErrorBox error={tree.error} onRetry={tree.reload} />
          <ResourceGraph
            graph={graph}
            selected={selected}
            highlighted={highlighted}
            onSelect={(n) => setSelected(n.id === selected ? undefined : n.id)}
          />
        </div>
        {selectedNode && (
          <ResourcePanel app={app} node={selectedNode} onClose={() => setSelected(undefined)} />
        )}
      </section>
      {dialog === 'sync' && <SyncDialog app={app} onClose={() => setDialog(undefined)} />}
      {dialog === 'history' && <HistoryDialog app={app} onClose={() => setDialog(undefined)} />}
      {dialog === 'delete' && <DeleteDialog app={app} onClose={() => setDialog(undefined)} />}
    </div>
  );
}

function Fact({ label, title, children }: { label: string; title?: string; children: React.ReactNode }) {
  return (
    <div className="fact" title={title}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
