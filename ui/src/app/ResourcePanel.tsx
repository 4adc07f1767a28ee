// The side panel of a selected graph node: its live and desired manifests, its part of the diff,
// its events, the logs of its Pods, and (for an object the app manages) its Actions menu. The Application node shows the Application itself, the whole diff, all events.
import { useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import type { Application, KubeEvent } from '../api/types.ts';
import { HealthBadge, SyncBadge } from '../components/Badge.tsx';
import { DiffText } from '../components/DiffText.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { kindBadge, kindCategory } from '../graph/kinds.ts';
import { type GraphNode, keyOfRef, refOf } from '../graph/model.ts';
import { formatTime, timeAgo } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import { toYaml } from '../lib/yaml.ts';
import { LogsTab } from './LogsTab.tsx';
import { ResourceActions } from './ResourceActions.tsx';

type Tab = 'live' | 'desired' | 'diff' | 'events' | 'logs';

const TAB_LABELS: Record<Tab, string> = {
  live: 'Live manifest',
  desired: 'Desired manifest',
  diff: 'Diff',
  events: 'Events',
  logs: 'Logs',
};

/** Kinds whose Pods' logs the Logs tab shows (a Pod's own, or those below the workload). */
const LOG_KINDS = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);

export function ResourcePanel({
  app,
  node,
  onClose,
}: {
  app: Application;
  node: GraphNode;
  onClose: () => void;
}) {
  const tabs: Tab[] = node.root ? ['live', 'diff', 'events'] : ['live', 'desired', 'diff', 'events'];
  if (!node.root && LOG_KINDS.has(node.kind)) tabs.push('logs');
  const managed = !node.root && isManaged(app, node);
  const [tab, setTab] = useState<Tab>('live');
  return (
    <aside className="panel" aria-label={`${node.kind} ${node.name}`}>
      <header className="panel-header">
        <span className={`kind-chip cat-${kindCategory(node.kind)}`}>{kindBadge(node.kind)}</span>
        <div className="panel-title">
          <span className="muted">
            {node.kind}
            {node.namespace ? ` · ${node.namespace}` : ''}
            {node.hook ? ' · hook' : ''}
          </span>
          <h2>{node.name}</h2>
        </div>
        {managed && <ResourceActions app={app.metadata.name} resource={refOf(node)} />}
        <button type="button" className="icon-button" aria-label="Close panel" onClick={onClose}>
          ×
        </button>
      </header>
      <div className="panel-status">
        {node.health && <HealthBadge status={node.health.status} message={node.health.message} />}
        {node.sync && <SyncBadge status={node.sync} />}
        {node.health?.message && <span className="muted">{node.health.message}</span>}
      </div>
      <div className="tabs" role="tablist">
        {tabs.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            className={tab === t ? 'tab active' : 'tab'}
            onClick={() => setTab(t)}
          >
            {TAB_LABELS[t]}
          </button>
        ))}
      </div>
      <div className="panel-body" role="tabpanel">
        {tab === 'live' && node.root && <Yaml value={app} />}
        {(tab === 'live' || tab === 'desired') && !node.root && (
          <ManifestTab app={app.metadata.name} node={node} which={tab} managed={managed} />
        )}
        {tab === 'diff' && <DiffTab app={app.metadata.name} node={node} />}
        {tab === 'events' && <EventsTab app={app.metadata.name} node={node} />}
        {tab === 'logs' && <LogsTab app={app.metadata.name} resource={refOf(node)} />}
      </div>
    </aside>
  );
}

function isManaged(app: Application, node: GraphNode): boolean {
  const key = keyOfRef(refOf(node));
  return (app.status?.resources ?? []).some((r) => keyOfRef(r) === key);
}

function ManifestTab({
  app,
  node,
  which,
  managed,
}: {
  app: string;
  node: GraphNode;
  which: 'live' | 'desired';
  managed: boolean;
}) {
  const { data, error, loading, reload } = useAsync(() => api.manifests(app, refOf(node)), [app, node.id]);
  if (error) return <ErrorBox error={error} onRetry={reload} />;
  if (!data && loading) return <p className="muted">Loading…</p>;
  const value = data?.[which];
  if (value === undefined || value === null) {
    return (
      <p className="muted">
        {which === 'live'
          ? managed
            ? 'This object does not exist in the cluster.'
            : `Manifests are shown for the objects Tiphys manages; this ${node.kind} was created by Kubernetes from its owner.`
          : node.hook
            ? 'A hook: created by syncs, not kept in the desired state.'
            : 'Not in Git: this object is created by Kubernetes from its owner, or is to be pruned.'}
      </p>
    );
  }
  return <Yaml value={value} />;
}

function Yaml({ value }: { value: unknown }) {
  const [text, setText] = useState<string>();
  useEffect(() => {
    let current = true;
    toYaml(value).then(
      (t) => current && setText(t),
      () => current && setText(JSON.stringify(value, null, 2)),
    );
    return () => {
      current = false;
    };
  }, [value]);
  return <pre className="code">{text ?? ''}</pre>;
}

function DiffTab({ app, node }: { app: string; node: GraphNode }) {
  const { data, error, loading, reload } = useAsync(() => api.diff(app), [app]);
  if (error) return <ErrorBox error={error} onRetry={reload} />;
  if (!data) return <p className="muted">{loading ? 'Comparing with Git…' : ''}</p>;
  const key = keyOfRef(refOf(node));
  const parts = node.root ? data.resources : data.resources.filter((r) => r.key === key);
  const changed = parts.filter((r) => r.diff);
  if (changed.length === 0) {
    return (
      <p className="muted">
        {node.root || parts.length > 0
          ? 'No differences: the cluster matches Git.'
          : 'Not compared: this object is not in Git (Kubernetes created it from its owner).'}
      </p>
    );
  }
  return (
    <div className="diffs">
      {changed.map((r) => (
        <section key={r.key} className="diff">
          <h3 className="mono">
            {r.key} <span className="tag warn">{r.status}</span>
          </h3>
          <DiffText text={r.diff} />
        </section>
      ))}
    </div>
  );
}

function matchesNode(event: KubeEvent, node: GraphNode): boolean {
  const o = event.involvedObject;
  if (!o) return false;
  if (o.uid && node.uid) return o.uid === node.uid;
  return o.kind === node.kind && o.name === node.name && (o.namespace ?? '') === node.namespace;
}

const eventTime = (e: KubeEvent) =>
  e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;

function EventsTab({ app, node }: { app: string; node: GraphNode }) {
  const { data, error, loading, reload } = useAsync(() => api.events(app), [app]);
  if (error) return <ErrorBox error={error} onRetry={reload} />;
  if (!data) return <p className="muted">{loading ? 'Loading…' : ''}</p>;
  const events = (node.root ? data : data.filter((e) => matchesNode(e, node))).sort((a, b) =>
    (eventTime(b) ?? '').localeCompare(eventTime(a) ?? ''),
  );
  if (events.length === 0) return <p className="muted">No events.</p>;
  return (
    <table className="table events">
      <thead>
        <tr>
          <th>Type</th>
          <th>Reason</th>
          {node.root && <th>Object</th>}
          <th>Message</th>
          <th>Last seen</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.metadata.uid ?? e.metadata.name} className={e.type === 'Warning' ? 'warning' : ''}>
            <td>{e.type}</td>
            <td>{e.reason}</td>
            {node.root && (
              <td className="mono">
                {e.involvedObject?.kind}/{e.involvedObject?.name}
              </td>
            )}
            <td>
              {e.message}
              {e.count && e.count > 1 ? <span className="muted"> ×{e.count}</span> : null}
            </td>
            <td title={formatTime(eventTime(e))}>{timeAgo(eventTime(e))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
