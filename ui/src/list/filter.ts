// Which Applications the list shows. Pure, so it runs on every streamed change of thousands of
// applications without a server round trip, and is unit-tested without a browser.
import type { Application, AppSource } from '../api/types.ts';
import { matchesSelector, parseSelector, type Requirement, SelectorError } from './selector.ts';

export interface AppFilters {
  project: string;
  cluster: string;
  namespace: string;
  health: string;
  sync: string;
  selector: string;
  search: string;
}

export const EMPTY_FILTERS: AppFilters = {
  project: '',
  cluster: '',
  namespace: '',
  health: '',
  sync: '',
  selector: '',
  search: '',
};

export const IN_CLUSTER = 'in-cluster';

export const projectOf = (app: Application) => app.spec.project || 'default';
export const clusterOf = (app: Application) => app.spec.destination.cluster || IN_CLUSTER;
export const namespaceOf = (app: Application) => app.spec.destination.namespace ?? '';
export const healthOf = (app: Application) => app.status?.health?.status ?? 'Unknown';
export const syncOf = (app: Application) => app.status?.sync?.status ?? 'Unknown';

export interface FilterResult {
  apps: Application[];
  /** Set when the label selector does not parse; the list is then filtered without it. */
  selectorError?: string;
}

export function filterApps(apps: readonly Application[], filters: AppFilters): FilterResult {
  let requirements: Requirement[] = [];
  let selectorError: string | undefined;
  try {
    requirements = parseSelector(filters.selector);
  } catch (error) {
    if (!(error instanceof SelectorError)) throw error;
    selectorError = error.message;
  }
  const words = filters.search.toLowerCase().split(/\s+/).filter(Boolean);
  const result = apps.filter(
    (app) =>
      (!filters.project || projectOf(app) === filters.project) &&
      (!filters.cluster || clusterOf(app) === filters.cluster) &&
      (!filters.namespace || namespaceOf(app) === filters.namespace) &&
      (!filters.health || healthOf(app) === filters.health) &&
      (!filters.sync || syncOf(app) === filters.sync) &&
      matchesSelector(app.metadata.labels, requirements) &&
      words.every((word) => searchText(app).includes(word)),
  );
  return { apps: result, selectorError };
}

const searchTexts = new WeakMap<Application, string>();

/**
 * The source a one-line view shows: the app's one source, else the first of several that renders
 * (a ref source without a path only lends files), with the number of sources.
 */
export function primarySource(app: Application): AppSource & { count: number } {
  const { source, sources } = app.spec;
  if (source) return { ...source, count: 1 };
  const first = sources?.find((s) => s.ref === undefined || s.path) ?? sources?.[0];
  return { repoURL: first?.repoURL ?? '', ...first, count: sources?.length ?? 0 };
}

/** What the search box looks in: name, project, repository, path, destination. Cached per object. */
function searchText(app: Application): string {
  let text = searchTexts.get(app);
  if (text === undefined) {
    const source = primarySource(app);
    text = [app.metadata.name, projectOf(app), source.repoURL, source.path, clusterOf(app), namespaceOf(app)]
      .join(' ')
      .toLowerCase();
    searchTexts.set(app, text);
  }
  return text;
}

export interface Facets {
  projects: string[];
  clusters: string[];
  namespaces: string[];
}

/** The values the filter menus offer: every one present in the data, sorted. */
export function facetsOf(apps: readonly Application[]): Facets {
  const projects = new Set<string>();
  const clusters = new Set<string>();
  const namespaces = new Set<string>();
  for (const app of apps) {
    projects.add(projectOf(app));
    clusters.add(clusterOf(app));
    const ns = namespaceOf(app);
    if (ns) namespaces.add(ns);
  }
  const sorted = (s: Set<string>) => [...s].sort();
  return { projects: sorted(projects), clusters: sorted(clusters), namespaces: sorted(namespaces) };
}

export interface StatusCounts {
  health: Record<string, number>;
  sync: Record<string, number>;
}

export function countStatuses(apps: readonly Application[]): StatusCounts {
  const health: Record<string, number> = {};
  const sync: Record<string, number> = {};
  for (const app of apps) {
    health[healthOf(app)] = (health[healthOf(app)] ?? 0) + 1;
    sync[syncOf(app)] = (sync[syncOf(app)] ?? 0) + 1;
  }
  return { health, sync };
}

/** Filters as URL query parameters (only those set), so a filtered list can be bookmarked. */
export function filtersToQuery(filters: AppFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
  return params;
}

export function filtersFromQuery(params: URLSearchParams): AppFilters {
  const filters = { ...EMPTY_FILTERS };
  for (const key of Object.keys(EMPTY_FILTERS) as (keyof AppFilters)[]) {
    filters[key] = params.get(key) ?? '';
  }
  return filters;
}
