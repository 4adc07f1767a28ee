// One AppProject: its sync windows now (open until when, or when they next open) and its
// applications, with the reason the controller gives for any sync a window holds.
import { api } from '../api/client.ts';
import { WindowTable } from '../app/SyncWindows.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useAsync, useThrottledTick } from '../lib/use-async.ts';
import { projectOf } from '../list/filter.ts';
import { href } from '../router.ts';
import { useApps } from '../state/apps-store.ts';

const WINDOWS_RELOAD_MS = 30_000;

export function ProjectPage({ name }: { name: string }) {
  // Windows open and close with time: read again every half minute (a slow answer is still shown).
  const tick = useThrottledTick(name, WINDOWS_RELOAD_MS, WINDOWS_RELOAD_MS);
  const windows = useAsync(() => api.projectWindows(name), [name], tick);
  const { byName } = useApps();
  const apps = [...byName.values()]
    .filter((a) => projectOf(a) === name)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return (
    <div className="page project-page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <a href="#/applications">Applications</a>
        <span aria-hidden="true">/</span>
        <span>Project {name}</span>
      </nav>
      <h1>Project {name}</h1>
      <section aria-label="Sync windows">
        <h2>Sync windows</h2>
        <ErrorBox error={windows.error} onRetry={windows.reload} />
        {windows.data && <WindowTable windows={windows.data.windows} />}
      </section>
      <section aria-label="Applications of the project">
        <h2>Applications</h2>
        {apps.length === 0 && <p className="muted">No application you may see uses this project.</p>}
        <ul className="project-apps">
          {apps.map((a) => {
            const held = a.status?.conditions?.find((c) => c.type === 'SyncWindowClosed');
            return (
              <li key={a.metadata.name} data-app={a.metadata.name}>
                <a href={href('applications', a.metadata.name)}>{a.metadata.name}</a>
                {held && (
                  <div className="condition" role="status" data-sync-held="true">
                    <strong>Sync held</strong> {held.message}
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      </section>
    </div>
  );
}
