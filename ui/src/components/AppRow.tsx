import type { Application } from '../api/types.ts';
import { shortRevision } from '../lib/format.ts';
import { clusterOf, namespaceOf, primarySource, projectOf } from '../list/filter.ts';
import { href } from '../router.ts';
import { HealthBadge, OperationBadge, SyncBadge } from './Badge.tsx';

export const ROW_HEIGHT = 60;

export function AppRowHeader() {
  return (
    <div className="app-row app-row-header" aria-hidden="true">
      <span>Name</span>
      <span>Status</span>
      <span>Revision</span>
      <span>Destination</span>
      <span>Source</span>
    </div>
  );
}

export function AppRow({ app }: { app: Application }) {
  const source = primarySource(app);
  const status = app.status;
  const op = status?.operationState;
  const labels = Object.entries(app.metadata.labels ?? {});
  return (
    <a className="app-row" href={href('applications', app.metadata.name)} data-app={app.metadata.name}>
      <span className="cell name-cell">
        <strong className="app-name">{app.metadata.name}</strong>
        <span className="sub">
          <span className="tag" title="Project">
            {projectOf(app)}
          </span>
          {labels.slice(0, 3).map(([k, v]) => (
            <span key={k} className="tag label" title={`${k}=${v}`}>
              {k}={v}
            </span>
          ))}
        </span>
      </span>
      <span className="cell status-cell">
        <HealthBadge status={status?.health?.status} message={status?.health?.message} />
        <SyncBadge status={status?.sync?.status} />
        {op?.phase === 'Running' && <OperationBadge phase="Running" text="Syncing" />}
        {(op?.phase === 'Failed' || op?.phase === 'Error') && (
          <OperationBadge phase={op.phase} text="Sync failed" message={op.message} />
        )}
        {app.metadata.deletionTimestamp && <span className="tag bad">Deleting</span>}
      </span>
      <span className="cell mono" title={status?.sync?.revision}>
        {shortRevision(status?.sync?.revision)}
        <span className="sub">{source.targetRevision || 'HEAD'}</span>
      </span>
      <span className="cell">
        <span>{clusterOf(app)}</span>
        <span className="sub">{namespaceOf(app) || '—'}</span>
      </span>
      <span className="cell source-cell" title={`${source.repoURL} ${source.path ?? ''}`}>
        <span className="ellipsis">{source.repoURL.replace(/^https?:\/\//, '')}</span>
        <span className="sub ellipsis">{source.path || '.'}</span>
      </span>
    </a>
  );
}
