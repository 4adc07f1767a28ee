// ApplicationSets: the list of sets the user may see, and a set's page with its generators, the
// apps it generated (sync and health from the live app list) grouped by rollout step, and the
// rollout's progress, with Resume and Abort for a person who may update the set. The API lists
// only the generated apps the user may see.
import { api } from '../api/client.ts';
import type { ApplicationSet } from '../api/types.ts';
import { RolloutActions } from '../appset/RolloutActions.tsx';
import { generatorSummary, stepGroups } from '../appset/set-view.ts';
import { HealthBadge, SyncBadge } from '../components/Badge.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { useAsync, useThrottledTick } from '../lib/use-async.ts';
import { href } from '../router.ts';
import { useApps } from '../state/apps-store.ts';

const projectOf = (set: ApplicationSet) => set.spec.template.spec.project || 'default';

export function AppSetListPage() {
  const { data, error, reload } = useAsync(() => api.listApplicationSets(), []);
  return (
    <div className="page">
      <div className="page-title">
        <h1>ApplicationSets</h1>
        <span className="muted count">{data?.length ?? ''}</span>
        <button type="button" className="button subtle" onClick={reload}>
          Reload
        </button>
      </div>
      <ErrorBox error={error} onRetry={reload} />
      {data?.length === 0 && (
        <p className="empty">
          No ApplicationSets. A set stamps out one Application per cluster, directory or list entry; see
          docs/fleet.md.
        </p>
      )}
      {data && data.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Project</th>
              <th>Generators</th>
              <th>Apps</th>
              <th>Rollout</th>
            </tr>
          </thead>
          <tbody>
            {data.map((set) => (
              <tr key={set.metadata.name} data-appset={set.metadata.name}>
                <td>
                  <a href={href('applicationsets', set.metadata.name)}>
                    <strong>{set.metadata.name}</strong>
                  </a>
                </td>
                <td>{projectOf(set)}</td>
                <td className="small">{set.spec.generators.map(generatorSummary).join('; ')}</td>
                <td>{set.status?.applicationStatus?.length ?? 0}</td>
                <td>{set.status?.rollout?.phase ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function AppSetPage({ name }: { name: string }) {
  const { byName } = useApps();
  // The rollout moves when its apps do: reload on app events (throttled) and every 3 s. The tick
  // is a refresh, not a dependency: as one, an answer slower than the tick would always be dropped.
  const tick = useThrottledTick(byName, 1000, 3000);
  const { data: set, error, reload } = useAsync(() => api.getApplicationSet(name), [name], tick);
  const rollout = set?.status?.rollout;
  return (
    <div className="page appset-page" data-appset-page={name}>
      <div className="page-title">
        <a href={href('applicationsets')} className="muted">
          ApplicationSets
        </a>
        <span className="muted">/</span>
        <h1>{name}</h1>
      </div>
      <ErrorBox error={error} onRetry={reload} />
      {set && (
        <>
          <dl className="facts">
            <dt>Project</dt>
            <dd>{projectOf(set)}</dd>
            <dt>Policy</dt>
            <dd>{set.spec.syncPolicy?.applicationsSync ?? 'sync'}</dd>
            <dt>Strategy</dt>
            <dd>{set.spec.strategy?.type ?? 'AllAtOnce'}</dd>
          </dl>
          <section aria-label="Generators">
            <h2>Generators</h2>
            <ul>
              {set.spec.generators.map((g, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: generators have no identity but their place
                <li key={i} data-generator={i}>
                  {generatorSummary(g)}
                </li>
              ))}
            </ul>
          </section>
          {set.status?.conditions?.map((c) => (
            <div key={c.type} className="error-box" data-condition={c.type}>
              {c.type}: {c.message}
            </div>
          ))}
          {rollout && (
            <p data-rollout-phase={rollout.phase}>
              Rollout <strong>{rollout.phase}</strong>
              {rollout.step !== undefined && ` at step ${rollout.step}`}
              {rollout.message && <span className="muted"> — {rollout.message}</span>}{' '}
              <RolloutActions set={name} phase={rollout.phase} onDone={reload} />
            </p>
          )}
          <section aria-label="Applications">
            <h2>Applications</h2>
            {(set.status?.applicationStatus?.length ?? 0) === 0 && (
              <p className="muted">No generated application you may see.</p>
            )}
            {stepGroups(set, byName).map((group) => (
              <div key={group.step ?? 0} data-step={group.step ?? 'all'} className="appset-step">
                {group.step !== undefined && (
                  <h3>
                    Step {group.step}: {group.selects}
                    {group.maxUpdate !== undefined && (
                      <span className="muted small"> (at most {group.maxUpdate} at a time)</span>
                    )}
                  </h3>
                )}
                <table className="table">
                  <tbody>
                    {group.apps.map((a) => (
                      <tr key={a.name} data-app={a.name} data-rollout-state={a.rollout}>
                        <td>
                          <a href={href('applications', a.name)}>{a.name}</a>
                        </td>
                        <td>
                          <SyncBadge status={a.sync} />
                        </td>
                        <td>
                          <HealthBadge status={a.health} />
                        </td>
                        <td>{a.rollout}</td>
                        <td className="muted small">{a.message}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ))}
          </section>
        </>
      )}
    </div>
  );
}
