// Which apps of a push go first: an app whose folder changed between the commit it last synced
// and the pushed one is someone's change (the urgent lane); an app whose folder is the same
// only confirms it is unchanged (the ordinary lane). Both are reconciled: the lane is an order,
// never a skip, so an app whose inputs live outside its folder (a Kustomize base one level up,
// a chart's value files) is still refreshed, just after the changed ones. Folders are compared
// by Git tree id (equal ids, equal files).
import { posix } from 'node:path';
import { splitRevisions } from '../model/app-sources.ts';
import type { Application } from '../model/application.ts';

/** One Git source of an app: where its files are and the commit it last synced at. */
export interface PushedSource {
  repoURL: string;
  targetRevision: string;
  /** '' for the root; a ref source (value files anywhere) counts the whole tree. */
  path: string;
  synced: string | undefined;
}

export type PushLane = 'urgent' | 'ordinary';

/** A folder of a commit whose tree id is wanted. */
export interface TreeQuery {
  repoURL: string;
  commit: string;
  path: string;
}

/** Tree id of a folder at a commit; undefined when unknown (not looked up, missing, a symlink). */
export type TreeOf = (repoURL: string, commit: string, path: string) => string | undefined;
/** The commit a source's target revision points at now; undefined when it could not be resolved. */
export type CommitOf = (repoURL: string, targetRevision: string) => string | undefined;

/**
 * The Git sources of an app with the commit each last synced at (charts are not Git: skipped).
 * undefined when the synced revision does not say it for every source.
 */
export function pushedSources(app: Application): PushedSource[] | undefined {
  const sources = app.spec.sources ?? (app.spec.source ? [app.spec.source] : []);
  const revision = app.status?.sync?.revision;
  let synced: (string | undefined)[] = sources.map(() => undefined);
  if (revision) {
    try {
      synced = splitRevisions(revision, sources.length);
    } catch {
      return undefined;
    }
  }
  return sources.flatMap((source, i) =>
    source.chart !== undefined
      ? []
      : [
          {
            repoURL: source.repoURL,
            targetRevision: source.targetRevision ?? 'HEAD',
            // A ref source lends files anywhere in its repository (`$ref/…` value files).
            path: source.ref !== undefined ? '' : (treePath(source.path) ?? source.path ?? ''),
            synced: synced[i],
          },
        ],
  );
}

/**
 * A repository path as Git names it in `COMMIT:PATH` ('' for the root), or undefined when it
 * cannot name a folder of the commit (it leaves the root).
 */
export function treePath(path: string | undefined): string | undefined {
  const normal = posix.normalize(path || '.').replace(/\/+$/, '');
  if (normal === '.' || normal === '') return '';
  if (normal.startsWith('/') || normal === '..' || normal.startsWith('../')) return undefined;
  return normal;
}

/** The folders whose tree ids decide the lanes: each moved source's path, before and after. */
export function treeQueries(sources: readonly PushedSource[], commitOf: CommitOf): TreeQuery[] {
  const queries: TreeQuery[] = [];
  for (const source of sources) {
    const now = commitOf(source.repoURL, source.targetRevision);
    if (now === undefined || source.synced === undefined || now === source.synced) continue;
    queries.push({ repoURL: source.repoURL, commit: source.synced, path: source.path });
    queries.push({ repoURL: source.repoURL, commit: now, path: source.path });
  }
  return queries;
}

/**
 * Urgent when any Git source's folder changed, or when that cannot be told (never synced, a
 * revision that did not resolve, a folder whose tree id is unknown); ordinary otherwise.
 */
export function pushLane(
  sources: readonly PushedSource[] | undefined,
  commitOf: CommitOf,
  treeOf: TreeOf,
): PushLane {
  if (sources === undefined) return 'urgent';
  for (const source of sources) {
    const now = commitOf(source.repoURL, source.targetRevision);
    if (now === undefined || source.synced === undefined) return 'urgent';
    if (now === source.synced) continue;
    const before = treeOf(source.repoURL, source.synced, source.path);
    const after = treeOf(source.repoURL, now, source.path);
    if (before === undefined || after === undefined || before !== after) return 'urgent';
  }
  return 'ordinary';
}
