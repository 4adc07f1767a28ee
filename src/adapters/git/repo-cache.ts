// Git access for the controller: one bare mirror per repository under the cache folder
// (mirror.ts), revisions resolved with ls-remote, and checkouts of commits and of folders, leased
// to the renders that read them and swept when nobody needs them (checkout-store.ts). Calls
// that fetch or write for the same repository are serialised so two fetches never race on a
// mirror; readers queue apart; different repositories run in parallel.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CheckoutLease, type CheckoutLimits, CheckoutStore } from './checkout-store.ts';
import type { SweepReport } from './checkout-sweep.ts';
import type { GitCredentials } from './credentials.ts';
import { InvalidGitArgumentError, RevisionNotFoundError } from './errors.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import { Mirrors, type Repo } from './mirror.ts';
import { pickRevision } from './refs.ts';
import { RepoReaders } from './repo-readers.ts';
import { treePath } from './tree-ids.ts';
import { isFullSha, isShortSha, parseRepoURL, validateCommitSha, validateRevision } from './validate.ts';

export type { CheckoutLease, CheckoutLimits, SweepReport };

export type GitRepoCacheOptions = {
  cacheDir: string;
  /**
   * Reads file:// URLs and local paths too. They read the controller's own disk, so only the
   * operator turns this on (`--allow-local-repos`), for local development and tests.
   */
  allowLocalRepos?: boolean;
  /** Per `git` call; default 60 s. */
  timeoutMs?: number;
  /** How long unused checkouts stay and how many (checkout-store.ts has the defaults). */
  checkouts?: CheckoutLimits;
  log?: (line: string) => void;
};

/** Counts of Git operations, for metrics. */
export type GitStats = {
  fetches: number;
  lsRemotes: number;
  checkouts: number;
  folderCheckouts: number;
  /** Checkouts (whole or folder) the sweep removed. */
  checkoutsRemoved: number;
};

export type ResolveOptions = {
  /**
   * Epoch ms: a listing of the remote that started at or after this time is recent enough (the
   * event that asked for this look, e.g. a push's webhook, came before it). Without it, only a
   * listing that starts after the call will do.
   */
  listedSince?: number;
};

export class GitRepoCache {
  readonly cacheDir: string;
  readonly stats: GitStats = {
    fetches: 0,
    lsRemotes: 0,
    checkouts: 0,
    folderCheckouts: 0,
    checkoutsRemoved: 0,
  };
  readonly #allowLocal: boolean;
  readonly #mirrors: Mirrors;
  readonly #checkouts: CheckoutStore;
  readonly #locks = new KeyedMutex();
  readonly #reads: RepoReaders;

  constructor(options: GitRepoCacheOptions) {
    this.cacheDir = resolve(options.cacheDir);
    this.#allowLocal = options.allowLocalRepos ?? false;
    const log = options.log ?? (() => {});
    const timeoutMs = options.timeoutMs ?? 60_000;
    this.#mirrors = new Mirrors({
      cacheDir: this.cacheDir,
      allowLocal: this.#allowLocal,
      timeoutMs,
      log,
      onFetch: () => this.stats.fetches++,
      // New commits came: checkouts of older ones may have had their day.
      onFetched: () => this.#checkouts.maybeSweep(),
    });
    this.#checkouts = new CheckoutStore({
      root: this.cacheDir,
      mirrors: this.#mirrors,
      limits: options.checkouts ?? {},
      timeoutMs,
      treesOf: (repoKey, sha) => this.#reads.treeIdsOf(repoKey, sha),
      log,
      counted: (kind, n = 1) => {
        this.stats[kind] += n;
      },
    });
    this.#reads = new RepoReaders({
      mirrors: this.#mirrors,
      locks: this.#locks,
      queues: new KeyedMutex(),
      lsRemote: (repo) => this.#lsRemote(repo),
    });
  }

  /** Where the bare mirror of a repository lives (it may not exist yet). */
  mirrorPath(repoURL: string): string {
    return join(this.cacheDir, 'mirrors', parseRepoURL(repoURL, { allowLocal: this.#allowLocal }).key);
  }

  /** Ref name → object id on the remote, including HEAD and peeled tags (`refs/tags/v1^{}`). */
  async lsRemote(repoURL: string, creds?: GitCredentials): Promise<Map<string, string>> {
    const repo = this.#repo(repoURL, creds);
    return this.#locks.run(repo.key, () => this.#lsRemote(repo));
  }

  /**
   * The full commit id a revision names: '' or 'HEAD' (the remote's default branch), a branch,
   * a tag (peeled to its commit), a `refs/…` name, a full commit id (fetched if the mirror lacks
   * it) or a short one (looked up in the mirror). Throws RevisionNotFoundError when none fits.
   */
  async resolveRevision(
    repoURL: string,
    revision: string,
    creds?: GitCredentials,
    options: ResolveOptions = {},
  ): Promise<string> {
    const repo = this.#repo(repoURL, creds);
    validateRevision(revision);
    const sha = await this.#resolveNow(repo, revision, options);
    this.#checkouts.tracked(repo, revision, sha);
    return sha;
  }

  async #resolveNow(repo: Repo, revision: string, options: ResolveOptions): Promise<string> {
    if (isFullSha(revision)) return this.#locks.run(repo.key, () => this.#resolve(repo, revision));
    const refs = await this.#reads.listing(repo, revision, options.listedSince);
    return pickRevision(refs, revision) ?? this.#locks.run(repo.key, () => this.#resolve(repo, revision));
  }

  /**
   * Fetches the repository's branches and tags now (a push was announced: its commit will be
   * needed), under the mirror's lock like any fetch; a lookup or checkout of the pushed commit
   * that queues behind it finds the commit without fetching again.
   */
  async prefetch(repoURL: string, creds?: GitCredentials): Promise<void> {
    const repo = this.#repo(repoURL, creds);
    await this.#locks.run(repo.key, () => this.#mirrors.fetch(repo));
  }

  /**
   * The tree id of each folder path at a commit (undefined: no such folder, or a symlink), what
   * its files are by content: equal ids, equal files. Remembered; paths asked for while a
   * lookup of the same commit waits go into the same `git` call.
   */
  async treeIds(
    repoURL: string,
    commitSha: string,
    paths: readonly string[],
    creds?: GitCredentials,
  ): Promise<Map<string, string | undefined>> {
    return this.#reads.treeIds(this.#repo(repoURL, creds), validateCommitSha(commitSha), paths);
  }

  /**
   * A folder with the files of exactly that commit, shared by every caller: read it, never
   * write to it. Created once; later calls return it without running Git. It stays at least the
   * grace period after the call (five minutes by default); a caller that reads for longer, or
   * must not race a sweep at all, uses `leaseCheckout`.
   */
  async checkout(repoURL: string, commitSha: string, creds?: GitCredentials): Promise<string> {
    const lease = await this.leaseCheckout(repoURL, commitSha, creds);
    lease.release();
    return lease.dir;
  }

  /** `checkout`, held against the sweep until `release` is called. */
  leaseCheckout(repoURL: string, commitSha: string, creds?: GitCredentials): Promise<CheckoutLease> {
    const repo = this.#repo(repoURL, creds);
    const sha = validateCommitSha(commitSha);
    return this.#checkouts.leaseCommit(repo, sha, (task) => this.#locks.run(repo.key, task));
  }

  /** Whether `checkout` of this commit would return at once (its folder exists). */
  hasCheckout(repoURL: string, commitSha: string, creds?: GitCredentials): boolean {
    const repo = this.#repo(repoURL, creds);
    return existsSync(this.#checkouts.commitDir(repo, validateCommitSha(commitSha)));
  }

  /**
   * One folder of a commit: the tree `treeId` (its id from `treeIds`) written at `path` in a
   * folder of its own, for a render that reads nothing else. A push that changes one app of a
   * monorepo writes that app's few files instead of the whole commit; commits whose folder is
   * the same share it. It only reads objects by id from the mirror (a lookup found the tree),
   * so it queues with the readers, apart from fetches and whole checkouts. Kept like `checkout`.
   */
  async checkoutFolder(
    repoURL: string,
    path: string,
    treeId: string,
    creds?: GitCredentials,
  ): Promise<string> {
    const lease = await this.leaseFolder(repoURL, path, treeId, creds);
    lease.release();
    return lease.dir;
  }

  /** `checkoutFolder`, held against the sweep until `release` is called. */
  leaseFolder(repoURL: string, path: string, treeId: string, creds?: GitCredentials): Promise<CheckoutLease> {
    const repo = this.#repo(repoURL, creds);
    const normal = treePath(path);
    if (normal === undefined || !/^[0-9a-f]{40,64}$/.test(treeId))
      throw new InvalidGitArgumentError(`cannot check out folder ${JSON.stringify(path)} at ${treeId}`);
    return this.#checkouts.leaseFolder(repo, normal, treeId, (task) =>
      this.#reads.lock(repo, 'folders', task),
    );
  }

  /**
   * Removes the checkouts nobody needs now (checkout-sweep.ts says which). It also runs by
   * itself after checkouts are written and fetches, at most once a minute.
   */
  sweepCheckouts(): Promise<SweepReport> {
    return this.#checkouts.sweep();
  }

  /** Resolves when no sweep runs (tests wait for the one a checkout started). */
  sweepIdle(): Promise<void> {
    return this.#checkouts.idle();
  }

  #repo(repoURL: string, creds: GitCredentials | undefined): Repo {
    const parsed = parseRepoURL(repoURL, { allowLocal: this.#allowLocal });
    // Explicit credentials win over ones embedded in the URL.
    const credentials: GitCredentials = {
      ...creds,
      username: creds?.username ?? parsed.username,
      password: creds?.password ?? parsed.password,
    };
    return { ...parsed, credentials, mirror: join(this.cacheDir, 'mirrors', parsed.key) };
  }

  async #resolve(repo: Repo, revision: string): Promise<string> {
    if (isFullSha(revision)) {
      const sha = revision.toLowerCase();
      await this.#mirrors.ensureCommit(repo, sha);
      return sha;
    }
    const found = pickRevision(await this.#lsRemote(repo), revision);
    if (found) return found;
    if (isShortSha(revision)) {
      // The mirror may already know it; only fetch when it does not.
      let local = await this.#mirrors.revParse(repo, revision);
      if (!local) {
        await this.#mirrors.fetch(repo);
        local = await this.#mirrors.revParse(repo, revision);
      }
      if (local) return local;
      throw new RevisionNotFoundError(repo.url, revision, {
        hint: 'no branch, tag or unique commit id matches',
      });
    }
    throw new RevisionNotFoundError(repo.url, revision, { hint: 'no such branch or tag' });
  }

  #lsRemote(repo: Repo): Promise<Map<string, string>> {
    this.stats.lsRemotes++;
    return this.#mirrors.lsRemote(repo);
  }
}
