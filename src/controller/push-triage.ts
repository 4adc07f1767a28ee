// A push's apps split into lanes before they are queued (core/webhook/push-lanes.ts): one
// listing of each repository's refs, one fetch, one `git cat-file` per commit for every app's
// folder, so the app whose folder changed is reconciled first, not after the push's other apps.
import type { GitCredentials } from '../adapters/git/index.ts';
import type { Application } from '../core/model/application.ts';
import { type PushLane, pushedSources, pushLane, treeQueries } from '../core/webhook/push-lanes.ts';

export interface PushTriageDeps {
  resolveRevision(repoURL: string, revision: string, creds?: GitCredentials): Promise<string>;
  treeIds(
    repoURL: string,
    commit: string,
    paths: readonly string[],
    creds?: GitCredentials,
  ): Promise<Map<string, string | undefined>>;
  credentialsFor(repoURL: string): Promise<GitCredentials | undefined>;
  /** Fetches a pushed repository (its new commit), while its refs are listed. */
  prefetch?(repoURL: string, creds?: GitCredentials): Promise<void>;
  /**
   * Whether the app's project lets it read its sources. A refused app's repositories are not
   * listed, fetched or looked up on its account (a webhook must not make Tiphys read what the
   * project refuses); it goes to the ordinary lane, where its reconcile says why it is refused.
   */
  permits(app: Application): Promise<boolean>;
}

/** The lane of each app (by name); what could not be looked up counts as changed (urgent). */
export async function triagePush(
  apps: readonly Application[],
  deps: PushTriageDeps,
): Promise<Map<string, PushLane>> {
  const permitted = await Promise.all(apps.map((app) => deps.permits(app).catch(() => false)));
  const refused = new Set(apps.filter((_, i) => !permitted[i]).map((app) => app.metadata.name));
  const sources = new Map(
    apps.filter((_, i) => permitted[i]).map((app) => [app.metadata.name, pushedSources(app)]),
  );
  const key = (...parts: string[]) => parts.join('\u0000');
  const commits = new Map<string, string | undefined>();
  const wanted = new Map<string, { repoURL: string; revision: string }>();
  for (const list of sources.values())
    for (const s of list ?? [])
      wanted.set(key(s.repoURL, s.targetRevision), { repoURL: s.repoURL, revision: s.targetRevision });
  // The push's commit is fetched while the refs are listed, not after: the folder lookups and
  // the changed app's checkout need it, and the fetch and the listing are two round trips.
  const fetches = [...new Set([...wanted.values()].map((w) => w.repoURL))].map(async (repoURL) =>
    deps.prefetch?.(repoURL, await deps.credentialsFor(repoURL)).catch(() => {}),
  );
  await Promise.all(
    [...wanted].map(async ([k, { repoURL, revision }]) => {
      const creds = await deps.credentialsFor(repoURL);
      commits.set(k, await deps.resolveRevision(repoURL, revision, creds).catch(() => undefined));
    }),
  );
  await Promise.all(fetches);
  const commitOf = (repoURL: string, revision: string) => commits.get(key(repoURL, revision));
  // Folders by (repository, commit): one lookup each.
  const folders = new Map<string, { repoURL: string; commit: string; paths: Set<string> }>();
  for (const list of sources.values())
    for (const q of treeQueries(list ?? [], commitOf)) {
      const k = key(q.repoURL, q.commit);
      const entry = folders.get(k) ?? { repoURL: q.repoURL, commit: q.commit, paths: new Set<string>() };
      entry.paths.add(q.path);
      folders.set(k, entry);
    }
  const trees = new Map<string, string | undefined>();
  await Promise.all(
    [...folders.values()].map(async ({ repoURL, commit, paths }) => {
      const creds = await deps.credentialsFor(repoURL);
      const found = await deps.treeIds(repoURL, commit, [...paths], creds).catch(() => new Map());
      for (const [path, id] of found) trees.set(key(repoURL, commit, path), id);
    }),
  );
  const treeOf = (repoURL: string, commit: string, path: string) => trees.get(key(repoURL, commit, path));
  return new Map([
    ...[...sources].map(([name, list]) => [name, pushLane(list, commitOf, treeOf)] as const),
    ...[...refused].map((name) => [name, 'ordinary'] as const),
  ]);
}
