// All Applications, filtered in the browser and windowed, updated live from the shared store.
import { useMemo } from 'react';
import { HEALTH_STATUSES, SYNC_STATUSES } from '../api/types.ts';
import { AppRow, AppRowHeader, ROW_HEIGHT } from '../components/AppRow.tsx';
import { HealthBadge, SyncBadge } from '../components/Badge.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { VirtualList } from '../components/VirtualList.tsx';
import {
  type AppFilters,
  countStatuses,
  EMPTY_FILTERS,
  facetsOf,
  filterApps,
  filtersFromQuery,
  filtersToQuery,
} from '../list/filter.ts';
import { navigate } from '../router.ts';
import { appsStore, useApps } from '../state/apps-store.ts';

export function AppListPage({ query }: { query: URLSearchParams }) {
  const { sorted, loaded, error } = useApps();
  const filters = useMemo(() => filtersFromQuery(query), [query]);
  const facets = useMemo(() => facetsOf(sorted), [sorted]);
  const counts = useMemo(() => countStatuses(sorted), [sorted]);
  const { apps, selectorError } = useMemo(() => filterApps(sorted, filters), [sorted, filters]);

  const set = (patch: Partial<AppFilters>) => {
    const q = filtersToQuery({ ...filters, ...patch }).toString();
    navigate(`#/applications${q ? `?${q}` : ''}`, { replace: true });
  };
  const filtered = Object.values(filters).some(Boolean);

  return (
    <div className="page list-page">
      <div className="page-title">
        <h1>Applications</h1>
        <span className="muted count" data-testid="app-count">
          {filtered ? `${apps.length} of ${sorted.length}` : `${sorted.length}`}
        </span>
        <input
          className="search"
          type="search"
          placeholder="Search by name, repository, path, destination…"
          aria-label="Search applications"
          value={filters.search}
          onChange={(e) => set({ search: e.target.value })}
        />
      </div>
      <ErrorBox error={error} onRetry={() => void appsStore.reload()} />
      <div className="list-layout">
        <aside className="filters" aria-label="Filters">
          <Select
            label="Project"
            value={filters.project}
            options={facets.projects}
            onChange={(project) => set({ project })}
          />
          <Select
            label="Cluster"
            value={filters.cluster}
            options={facets.clusters}
            onChange={(cluster) => set({ cluster })}
          />
          <Select
            label="Namespace"
            value={filters.namespace}
            options={facets.namespaces}
            onChange={(namespace) => set({ namespace })}
          />
          <fieldset className="chips">
            <legend>Health</legend>
            {HEALTH_STATUSES.map((s) => (
              <Chip
                key={s}
                active={filters.health === s}
                count={counts.health[s]}
                onClick={() => set({ health: filters.health === s ? '' : s })}
              >
                <HealthBadge status={s} />
              </Chip>
            ))}
          </fieldset>
          <fieldset className="chips">
            <legend>Sync</legend>
            {SYNC_STATUSES.map((s) => (
              <Chip
                key={s}
                active={filters.sync === s}
                count={counts.sync[s]}
                onClick={() => set({ sync: filters.sync === s ? '' : s })}
              >
                <SyncBadge status={s} />
              </Chip>
            ))}
          </fieldset>
          <label className="field">
            Labels
            <input
              placeholder="team=web,env in (dev,qa)"
              aria-label="Label selector"
              value={filters.selector}
              aria-invalid={selectorError !== undefined}
              onChange={(e) => set({ selector: e.target.value })}
            />
            {selectorError && <span className="field-error">{selectorError}</span>}
          </label>
          <button
            type="button"
            className="button subtle"
            disabled={!filtered}
            onClick={() => set(EMPTY_FILTERS)}
          >
            Clear filters
          </button>
        </aside>
        <section className="app-list" aria-label="Application list">
          <AppRowHeader />
          {!loaded ? (
            <div className="empty">Loading applications…</div>
          ) : apps.length === 0 ? (
            <div className="empty">
              {sorted.length === 0 ? (
                <>
                  No applications yet. Create one with <code>tiphys app create</code>.
                </>
              ) : (
                <>
                  No application matches the filters.{' '}
                  <button type="button" className="link-button" onClick={() => set(EMPTY_FILTERS)}>
                    Clear filters
                  </button>
                </>
              )}
            </div>
          ) : (
            <VirtualList
              label="Applications"
              items={apps}
              rowHeight={ROW_HEIGHT}
              rowKey={(app) => app.metadata.name}
              renderRow={(app) => <AppRow app={app} />}
            />
          )}
        </section>
      </div>
    </div>
  );
}

function Select({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string;
  options: string[];
  onChange: (value: string) => void;
}) {
  // A value from the URL that no application has (any more) stays selectable, so it can be cleared.
  const all = value && !options.includes(value) ? [value, ...options] : options;
  return (
    <label className="field">
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)} aria-label={`${label} filter`}>
        <option value="">All</option>
        {all.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

function Chip({
  active,
  count,
  onClick,
  children,
}: {
  active: boolean;
  count: number | undefined;
  onClick: () => void;
  children: React.ReactNode;
}) {
  return (
    <button type="button" className={active ? 'chip active' : 'chip'} aria-pressed={active} onClick={onClick}>
      {children}
      <span className="chip-count">{count ?? 0}</span>
    </button>
  );
}
