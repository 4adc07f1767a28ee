// One registered cluster: its connection and health, and, when it was lost, its recovery: the
// steps from the loss to the apps synced again (status.recovery), the last result of each cluster
// notification (status.notifications), the Events the controller wrote on the Cluster, and Approve for a recovery waiting in approve mode. Approve is shown only when
// the server's RBAC says the user may update the cluster; the route checks again.
import { useEffect, useState } from 'react';
import { api, errorMessage } from '../api/client.ts';
import type { Cluster, ClusterRecovery } from '../api/types.ts';
import { NotificationResults } from '../app/NotificationResults.tsx';
import { recoverySteps } from '../cluster/recovery-steps.ts';
import { ConnectionBadge } from '../components/Badge.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { notify } from '../components/toasts.tsx';
import { formatTime, timeAgo } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import { href } from '../router.ts';
import { connectionParts } from './ClustersPage.tsx';

/** Status changes every probe (seconds apart): a short poll keeps the page current. */
const POLL_MS = 2000;

export function ClusterPage({ name }: { name: string }) {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') setTick((t) => t + 1);
    }, POLL_MS);
    return () => clearInterval(timer);
  }, []);
  const cluster = useAsync(() => api.getCluster(name), [name], tick);
  const events = useAsync(() => api.clusterEvents(name), [name], tick);
  const mayApprove = useAsync(() => api.canI('clusters', 'update', name), [name]);
  const c = cluster.data;
  return (
    <div className="page cluster-page" data-cluster-page={name}>
      <div className="page-title">
        <a href={href('clusters')} className="muted">
          Clusters
        </a>
        <span className="muted">/</span>
        <h1>{name}</h1>
      </div>
      <ErrorBox error={cluster.error} onRetry={cluster.reload} />
      {c && <ClusterSummary cluster={c} />}
      {c?.recovery ? (
        <RecoverySection
          cluster={c.name}
          recovery={c.recovery}
          mayApprove={mayApprove.data === true}
          permissionKnown={mayApprove.data !== undefined}
          onApproved={cluster.reload}
        />
      ) : (
        c && (
          <p className="muted" data-recovery-phase="none">
            No recovery:{' '}
            {c.health?.phase === 'Lost' ? 'the cluster has no recovery policy.' : 'the cluster is not lost.'}
          </p>
        )
      )}
      {c && <NotificationResults results={c.notifications} />}
      <section aria-label="Cluster events">
        <h2>Events</h2>
        <ErrorBox error={events.error} onRetry={events.reload} />
        {events.data?.length === 0 && <p className="muted">No events.</p>}
        {events.data && events.data.length > 0 && (
          <table className="table events">
            <thead>
              <tr>
                <th>Reason</th>
                <th>Message</th>
                <th>When</th>
              </tr>
            </thead>
            <tbody>
              {events.data.map((e) => (
                <tr key={e.metadata.uid ?? e.metadata.name} data-event-reason={e.reason}>
                  <td className={e.type === 'Warning' ? 'warn' : ''}>{e.reason}</td>
                  <td>{e.message}</td>
                  <td className="muted small">{timeAgo(e.lastTimestamp ?? e.eventTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function ClusterSummary({ cluster: c }: { cluster: Cluster }) {
  const conn = connectionParts(c.connection);
  return (
    <section aria-label="Cluster status" className="cluster-summary">
      <dl className="facts">
        <dt>Server</dt>
        <dd className="mono">{c.server}</dd>
        <dt>Connection</dt>
        <dd>
          <ConnectionBadge status={conn.status} message={conn.message} />
          {conn.message && <span className="muted small"> {conn.message}</span>}
        </dd>
        <dt>Health</dt>
        <dd data-health-phase={c.health?.phase ?? 'Unknown'}>
          {c.health?.phase ?? 'Unknown'}
          {c.health?.message && <span className="muted small"> {c.health.message}</span>}
        </dd>
        {c.serverVersion && (
          <>
            <dt>Version</dt>
            <dd>{c.serverVersion}</dd>
          </>
        )}
        <dt>Applications</dt>
        <dd>{c.applicationsCount ?? 0}</dd>
        <dt>Labels</dt>
        <dd>
          {Object.entries(c.labels ?? {}).map(([k, v]) => (
            <span key={k} className="tag label">
              {k}={v}
            </span>
          ))}
        </dd>
      </dl>
      {c.conditions?.map((cond) => (
        <div key={cond.type} className="error-box" data-condition={cond.type}>
          {cond.type}: {cond.message}
        </div>
      ))}
    </section>
  );
}

function RecoverySection(props: {
  cluster: string;
  recovery: ClusterRecovery;
  mayApprove: boolean;
  permissionKnown: boolean;
  onApproved: () => void;
}) {
  const { cluster, recovery, mayApprove, permissionKnown } = props;
  const [busy, setBusy] = useState(false);
  const approve = async () => {
    setBusy(true);
    try {
      const { message } = await api.approveRecovery(cluster);
      notify(message);
      props.onApproved();
    } catch (error) {
      notify(errorMessage(error), 'error');
    } finally {
      setBusy(false);
    }
  };
  const awaiting = recovery.phase === 'AwaitingApproval';
  return (
    <section
      aria-label="Recovery"
      data-recovery-phase={recovery.phase}
      data-may-approve={permissionKnown ? String(mayApprove) : undefined}
    >
      <h2>
        Recovery <span className="muted small">{recovery.phase}</span>
      </h2>
      {recovery.message && <p data-recovery-message>{recovery.message}</p>}
      {awaiting && mayApprove && (
        <button type="button" className="button primary" disabled={busy} onClick={approve}>
          Approve recovery
        </button>
      )}
      {awaiting && permissionKnown && !mayApprove && (
        <p className="muted small">A person who may update this cluster can approve its recovery.</p>
      )}
      <ol className="recovery-steps">
        {recoverySteps(recovery).map((step) => (
          <li key={step.key} data-step={step.key} data-state={step.state} className={`step-${step.state}`}>
            <strong>{step.label}</strong>
            {step.at && <span className="muted small"> {formatTime(step.at)}</span>}
            {step.detail && (
              <div className={step.key === 'output' ? 'mono small' : 'muted small'}>{step.detail}</div>
            )}
          </li>
        ))}
      </ol>
      {recovery.apps && recovery.apps.length > 0 && (
        <p className="small">
          Apps:{' '}
          {recovery.apps.map((app) => (
            <a key={app} href={href('applications', app)} className="tag">
              {app}
            </a>
          ))}
        </p>
      )}
    </section>
  );
}
