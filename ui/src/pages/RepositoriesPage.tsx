import { api } from '../api/client.ts';
import { ConnectionBadge } from '../components/Badge.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { StatusIcon } from '../components/StatusIcon.tsx';
import { useAsync } from '../lib/use-async.ts';
import { connectionParts } from './ClustersPage.tsx';

export function RepositoriesPage() {
  const { data, error, loading, reload } = useAsync(() => api.listRepositories(), []);
  const showConnection = data?.some((r) => r.connection !== undefined) ?? false;
  return (
    <div className="page">
      <div className="page-title">
        <h1>Repositories</h1>
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
          No repositories registered. Public repositories need none; add credentials for private ones with{' '}
          <code>tiphys repo add</code>.
        </p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>URL</th>
              <th>Username</th>
              <th>Credentials</th>
              {showConnection && <th>Connection</th>}
            </tr>
          </thead>
          <tbody>
            {data.map((r) => {
              const conn = connectionParts(r.connection);
              return (
                <tr key={r.name ?? r.url} data-repository={r.url}>
                  <td>
                    <strong>{r.name ?? ''}</strong>
                  </td>
                  <td className="mono">{r.url}</td>
                  <td>{r.username ?? <span className="muted">—</span>}</td>
                  <td>
                    {r.hasCredentials ? (
                      <span className="badge tone-ok">
                        <StatusIcon name="check" />
                        <span>Present</span>
                      </span>
                    ) : (
                      <span className="badge tone-muted">
                        <span>None</span>
                      </span>
                    )}
                  </td>
                  {showConnection && (
                    <td>
                      <ConnectionBadge status={conn.status} message={conn.message} />
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
