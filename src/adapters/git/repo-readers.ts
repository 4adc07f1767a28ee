// What the repo cache reads without writing the mirror's refs: listings of the remote
// (`ls-remote`) and tree ids of folders (`cat-file --batch-check`). Once the mirror exists they
// queue apart from fetches and checkouts, one at a time per kind and repository, and callers
// that ask while one waits share it (tree-ids.ts, SharedRuns).
import { createHash } from 'node:crypto';
import type { GitCredentials } from './credentials.ts';
import type { KeyedMutex } from './keyed-mutex.ts';
import type { Mirrors, Repo } from './mirror.ts';
import { pickRevision } from './refs.ts';
import { batchCheckInput, parseBatchCheck, SharedRuns, TreeIdMemo, treePath } from './tree-ids.ts';

export class RepoReaders {
  readonly #mirrors: Mirrors;
  /** The mirrors' lock (fetches, whole checkouts), shared with the repo cache. */
  readonly #locks: KeyedMutex;
  readonly #lsRemote: (repo: Repo) => Promise<Map<string, string>>;
  readonly #queues: KeyedMutex;
  /** One `ls-remote` for the reconciles of a repository that asked while another ran. */
  readonly #listings = new SharedRuns<Map<string, string>>();
  /** The last listing of each repository (and credentials), with when it started. */
  readonly #listed = new Map<string, { startedAt: number; refs: Map<string, string> }>();
  readonly #treeLookups = new SharedRuns<void>();
  readonly #trees = new TreeIdMemo();

  constructor(deps: {
    mirrors: Mirrors;
    locks: KeyedMutex;
    queues: KeyedMutex;
    lsRemote: (repo: Repo) => Promise<Map<string, string>>;
  }) {
    this.#mirrors = deps.mirrors;
    this.#locks = deps.locks;
    this.#queues = deps.queues;
    this.#lsRemote = deps.lsRemote;
  }

  /**
   * Listings and folder lookups only read (the remote, or the mirror's objects, which a fetch
   * adds to without changing any): once the mirror exists they queue apart from the fetches and
   * checkouts, one at a time per kind, so a push's listings do not hold up its changed app's
   * checkout. Before the mirror exists they take the mirror's lock, which creates it.
   */
  lock<T>(repo: Repo, kind: string, task: () => Promise<T>): Promise<T> {
    if (!this.#mirrors.exists(repo)) return this.#locks.run(repo.key, task);
    return this.#queues.run(`${repo.key}\u0000${kind}`, task);
  }

  /**
   * The remote's refs, listed after the call, or since `listedSince` when that listing names
   * `revision` (a push's triage listed the remote after the webhook came: its reconciles use
   * that listing). The reconciles of a push (hundreds of apps of one monorepo) share one
   * listing taken after each asked, instead of one ls-remote each, one at a time.
   */
  async listing(repo: Repo, revision: string, listedSince: number | undefined): Promise<Map<string, string>> {
    const key = `${repo.key}\u0000${credentialsId(repo.credentials)}`;
    const last = this.#listed.get(key);
    const recent = listedSince !== undefined && last && last.startedAt >= listedSince;
    if (recent && pickRevision(last.refs, revision)) return last.refs;
    return this.#listings.run(
      key,
      [],
      (task) => this.lock(repo, 'list', task),
      async () => {
        const startedAt = Date.now();
        const listed = await this.#lsRemote(repo);
        const previous = this.#listed.get(key);
        if (!previous || previous.startedAt <= startedAt) this.#listed.set(key, { startedAt, refs: listed });
        return listed;
      },
    );
  }

  /** GitRepoCache.treeIds, for a validated commit id. */
  async treeIds(repo: Repo, sha: string, paths: readonly string[]): Promise<Map<string, string | undefined>> {
    const key = `${repo.key}\u0000${sha}`;
    const wanted = paths.map((path) => treePath(path));
    const unknown = wanted.filter(
      (path): path is string => path !== undefined && this.#trees.get(key, path) === null,
    );
    let holdsMirror = false;
    if (unknown.length > 0)
      await this.#treeLookups.run(
        key,
        unknown,
        (task) => {
          holdsMirror = !this.#mirrors.exists(repo);
          return this.lock(repo, 'trees', task);
        },
        async (all) => {
          const args = [`--git-dir=${repo.mirror}`, 'cat-file', '--batch-check=%(objectname) %(objecttype)'];
          const look = () =>
            this.#mirrors.local(repo, args, 'look up folders', {}, batchCheckInput(sha, all));
          let found = parseBatchCheck(this.#mirrors.exists(repo) ? await look() : '', all);
          if (!found.commitKnown) {
            // Under the mirror's lock already when the mirror did not exist (the lock is not re-entrant).
            if (holdsMirror) await this.#mirrors.ensureCommit(repo, sha);
            else await this.#locks.run(repo.key, () => this.#mirrors.ensureCommit(repo, sha));
            found = parseBatchCheck(await look(), all);
          }
          this.#trees.add(key, found.trees);
        },
      );
    return new Map(
      paths.map((path, i) => {
        const normal = wanted[i];
        return [path, normal === undefined ? undefined : (this.#trees.get(key, normal) ?? undefined)];
      }),
    );
  }

  /** The tree ids remembered for a commit. */
  treeIdsOf(repoKey: string, sha: string): string[] {
    return this.#trees.treeIdsOf(`${repoKey}\u0000${sha}`);
  }
}

/** Which credentials a listing was taken with (callers with other credentials do not share it). */
function credentialsId(credentials: GitCredentials): string {
  return createHash('sha256').update(JSON.stringify(credentials)).digest('hex');
}
