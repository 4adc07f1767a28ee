import { api } from '../api/client.ts';
import type { Connection } from '../api/types.ts';
import { ConnectionBadge } from '../components/Badge.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useAsync } from '../lib/use-async.ts';
import { href } from '../router.ts';

/** `connection` is a status word or `{status, message}`; both read the same. */
export function connectionParts(c: Connection): { status?: string; message?: string } {
  if (typeof c === 'string') return { status: c };
  return { status: c?.status, message: c?.message };
}

export function ClustersPage() {
  const { data, error, loading, reload } = useAsync(() => api.listClusters(), []);
  return (
    <div className="page">
      <div className="page-title">
        <h1>Clusters</h1>
        <span className="muted count">{data?.length ?? ''}</span>
        <button type="button" className="button subtle" onClick={reload}>
          Reload
        </button>
      </div>
      <ErrorBox error={error} onRetry={reload} />
      {!data ? (
        loading && <p className="muted">Loading…</p>
      ) : data.length === 0 ? (
        <p className="empty">
          No clusters registered. Applications deploy to <code>in-cluster</code>, the cluster Tiphys runs in;
          add others with <code>tiphys cluster add</code>.
        </p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Server</th>
              <th>Connection</th>
              <th>Health</th>
              <th>Labels</th>
            </tr>
          </thead>
          <tbody>
            {data.map((c) => {
              const conn = connectionParts(c.connection);
              return (
                <tr key={c.name} data-cluster={c.name}>
                  <td>
                    <a href={href('clusters', c.name)}>
                      <strong>{c.name}</strong>
                    </a>
                  </td>
                  <td className="mono">{c.server}</td>
                  <td>
                    <ConnectionBadge status={conn.status} message={conn.message} />
                    {conn.message && <div className="muted small">{conn.message}</div>}
                  </td>
                  <td data-health-phase={c.health?.phase ?? ''}>
                    {c.health?.phase ?? ''}
                    {c.recovery && <div className="muted small">recovery {c.recovery.phase}</div>}
                  </td>
                  <td>
                    {Object.entries(c.labels ?? {}).map(([k, v]) => (
                      <span key={k} className="tag label">
                        {k}={v}
                      </span>
                    ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
