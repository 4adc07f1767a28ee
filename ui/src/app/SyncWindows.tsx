// Sync windows as people need them when a sync does not start: whether a manual or automated
// sync may start now and, if not, the server's reason and when it may; and each window with
// whether it is open (until when) or when it next opens. Shared by the app and project pages.
import { api } from '../api/client.ts';
import type { AppWindows, SyncVerdict, WindowState } from '../api/types.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { formatTime } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';

function scope(state: WindowState): string {
  const w = state.window;
  const parts = [
    w.applications?.length ? `apps ${w.applications.join(', ')}` : '',
    w.namespaces?.length ? `namespaces ${w.namespaces.join(', ')}` : '',
    w.clusters?.length ? `clusters ${w.clusters.join(', ')}` : '',
  ];
  return parts.filter(Boolean).join('; ') || 'no app';
}

function stateText(state: WindowState): string {
  if (state.error) return `cannot be read: ${state.error}`;
  if (state.open) return `open until ${state.open.atLeast ? 'at least ' : ''}${formatTime(state.open.end)}`;
  return state.nextOpen ? `opens ${formatTime(state.nextOpen)}` : 'never opens again';
}

export function WindowTable({ windows }: { windows: WindowState[] }) {
  if (windows.length === 0) return <p className="muted">No sync windows.</p>;
  return (
    <table className="table windows">
      <thead>
        <tr>
          <th>Kind</th>
          <th>Schedule</th>
          <th>Applies to</th>
          <th>Manual sync</th>
          <th>Now</th>
        </tr>
      </thead>
      <tbody>
        {windows.map((s) => (
          <tr
            key={s.index}
            data-window={s.index}
            data-open={s.open ? 'true' : 'false'}
            className={s.error || (s.open && s.window.kind === 'deny') ? 'warning' : undefined}
          >
            <td>{s.window.kind}</td>
            <td>
              <span className="mono">{s.window.schedule}</span> for {s.window.duration}
              {s.window.timeZone ? ` (${s.window.timeZone})` : ''}
              {s.window.description && <div className="muted">{s.window.description}</div>}
            </td>
            <td>{scope(s)}</td>
            <td>{s.window.manualSync ? 'allowed' : 'held'}</td>
            <td>{stateText(s)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Verdict({ kind, verdict }: { kind: 'manual' | 'automated'; verdict: SyncVerdict }) {
  if (verdict.allowed) return null;
  const label = kind === 'manual' ? 'Manual sync blocked' : 'Automated sync waits';
  return (
    <div className="condition" role="status" data-sync-blocked={kind}>
      <strong>{label}</strong> {verdict.reason}
      {verdict.opensAt ? `; it may start at ${formatTime(verdict.opensAt)}.` : '; no opening found ahead.'}
    </div>
  );
}

/** The app page's section; nothing when no window concerns the app. */
export function AppSyncWindows({ name, tick }: { name: string; tick: number }) {
  const state = useAsync<AppWindows>(() => api.appWindows(name), [name], tick);
  if (state.error) return <ErrorBox error={`Sync windows: ${state.error}`} onRetry={state.reload} />;
  const data = state.data;
  if (!data || data.windows.length === 0) return null;
  return (
    <section className="sync-windows" aria-label="Sync windows">
      <h2>Sync windows</h2>
      <Verdict kind="manual" verdict={data.manual} />
      {data.manual.allowed && <Verdict kind="automated" verdict={data.automated} />}
      {data.manual.allowed && data.automated.allowed && (
        <p className="muted" data-sync-blocked="none">
          Syncs may start now.
        </p>
      )}
      <WindowTable windows={data.windows} />
    </section>
  );
}
