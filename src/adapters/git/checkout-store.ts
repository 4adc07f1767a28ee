// The checkouts of the repo cache: writing them (a whole commit, or one folder of it), leasing
// them to the renders that read them, and sweeping away those nobody needs (checkout-sweep.ts).
// The sweep runs after a checkout is written or a fetch brought commits, at most once per
// interval and one at a time: no timer, so a controller with nothing changing does no work.
import { isDirectory, writeCommitTree, writeFolderTree } from './checkout.ts';
import { commitCheckoutDir, folderCheckoutDir } from './checkout-layout.ts';
import { CheckoutLeases } from './checkout-leases.ts';
import { type CheckoutEntry, type SweepPolicy, type SweepReport, sweepCheckouts } from './checkout-sweep.ts';
import type { Mirrors, Repo } from './mirror.ts';

/** A checkout held against the sweep: read `dir`, then call `release` (once is enough). */
export type CheckoutLease = { dir: string; release: () => void };

export type CheckoutLimits = Partial<SweepPolicy> & {
  /** Sweeps start at most this often (ms); default one minute. */
  sweepIntervalMs?: number;
};

export const DEFAULT_CHECKOUT_LIMITS = {
  maxAgeMs: 60 * 60_000,
  maxCommits: 32,
  maxFolders: 1024,
  graceMs: 5 * 60_000,
  sweepIntervalMs: 60_000,
};

type StoreDeps = {
  root: string;
  mirrors: Mirrors;
  limits: CheckoutLimits;
  timeoutMs: number;
  /** The tree ids known for a commit (its folders' checkouts are protected with it). */
  treesOf: (repoKey: string, sha: string) => Iterable<string>;
  log: (line: string) => void;
  counted: (kind: 'checkouts' | 'folderCheckouts' | 'checkoutsRemoved', n?: number) => void;
};

export class CheckoutStore {
  readonly leases = new CheckoutLeases();
  readonly #deps: StoreDeps;
  readonly #policy: SweepPolicy;
  readonly #interval: number;
  /** The latest commit of each (repository, revision) resolved, with when. */
  readonly #latest = new Map<string, { repoKey: string; sha: string; at: number }>();
  #lastSweep = 0;
  #sweeping: Promise<SweepReport> | undefined;

  constructor(deps: StoreDeps) {
    this.#deps = deps;
    const limits = deps.limits;
    const defaults = DEFAULT_CHECKOUT_LIMITS;
    this.#interval = limits.sweepIntervalMs ?? defaults.sweepIntervalMs;
    this.#policy = {
      maxAgeMs: limits.maxAgeMs ?? defaults.maxAgeMs,
      maxCommits: limits.maxCommits ?? defaults.maxCommits,
      maxFolders: limits.maxFolders ?? defaults.maxFolders,
      graceMs: limits.graceMs ?? defaults.graceMs,
      // A temporary tree is written by two `git` calls of at most timeoutMs each.
      staleTempMs: limits.staleTempMs ?? Math.max(60 * 60_000, 4 * deps.timeoutMs),
    };
  }

  commitDir(repo: Repo, sha: string): string {
    return commitCheckoutDir(this.#deps.root, repo.key, sha);
  }

  /** A revision resolved to `sha`: its checkout (and folders) are kept while it is tracked. */
  tracked(repo: Repo, revision: string, sha: string): void {
    this.#latest.set(`${repo.key}\u0000${revision}`, { repoKey: repo.key, sha, at: Date.now() });
  }

  /** The whole commit, written under `lock` (the mirror's) when missing. */
  async leaseCommit(
    repo: Repo,
    sha: string,
    lock: (task: () => Promise<string>) => Promise<string>,
  ): Promise<CheckoutLease> {
    const dest = this.commitDir(repo, sha);
    return this.#lease(dest, () =>
      lock(async () => {
        if (await isDirectory(dest)) return dest;
        await this.#deps.mirrors.ensureCommit(repo, sha);
        const started = Date.now();
        const git = (args: string[], env?: Record<string, string>) =>
          this.#deps.mirrors.local(repo, args, 'check out a commit', env);
        await writeCommitTree(git, repo.mirror, sha, dest);
        this.#deps.counted('checkouts');
        this.#deps.log(`git: checked out ${sha} of ${repo.url} in ${Date.now() - started}ms`);
        this.maybeSweep();
        return dest;
      }),
    );
  }

  /** One folder (`path`, normalised) of a commit, by its tree id, written under `lock` when missing. */
  async leaseFolder(
    repo: Repo,
    path: string,
    treeId: string,
    lock: (task: () => Promise<string>) => Promise<string>,
  ): Promise<CheckoutLease> {
    const dest = folderCheckoutDir(this.#deps.root, repo.key, treeId, path);
    return this.#lease(dest, () =>
      lock(async () => {
        if (await isDirectory(dest)) return dest;
        const started = Date.now();
        const git = (args: string[], env?: Record<string, string>) =>
          this.#deps.mirrors.local(repo, args, 'check out a folder', env);
        await writeFolderTree(git, repo.mirror, treeId, path, dest);
        this.#deps.counted('folderCheckouts');
        this.#deps.log(
          `git: checked out folder ${path || '.'} (${treeId}) of ${repo.url} in ${Date.now() - started}ms`,
        );
        this.maybeSweep();
        return dest;
      }),
    );
  }

  /** Leased before it is looked for: a sweep cannot remove it between the look and the use. */
  async #lease(dest: string, write: () => Promise<string>): Promise<CheckoutLease> {
    const release = await this.leases.acquire(dest);
    try {
      if (!(await isDirectory(dest))) await write();
      return { dir: dest, release };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Starts a sweep unless one runs or ran less than the interval ago. */
  maybeSweep(): void {
    if (this.#sweeping || Date.now() - this.#lastSweep < this.#interval) return;
    void this.sweep().catch((error: unknown) => this.#deps.log(`git: checkout sweep failed: ${error}`));
  }

  /** Sweeps now, after the sweep that runs (which may have looked before the call). */
  async sweep(): Promise<SweepReport> {
    while (this.#sweeping) await this.#sweeping.catch(() => {});
    this.#lastSweep = Date.now();
    const run = this.#sweep().finally(() => {
      this.#sweeping = undefined;
    });
    this.#sweeping = run;
    return run;
  }

  /** Resolves when no sweep runs (tests). */
  async idle(): Promise<void> {
    await this.#sweeping?.catch(() => {});
  }

  async #sweep(): Promise<SweepReport> {
    const started = Date.now();
    const keep = this.#protected();
    const report = await sweepCheckouts({
      root: this.#deps.root,
      policy: this.#policy,
      leases: this.leases,
      isProtected: (entry) => keep.has(protectKey(entry.kind, entry.repoKey, entry.id)),
    });
    if (report.removed > 0) this.#deps.counted('checkoutsRemoved', report.removed);
    if (report.removed > 0 || report.temps > 0)
      this.#deps.log(
        `git: swept checkouts in ${Date.now() - started}ms: ${report.removed} removed, ${report.temps} stale temporary trees, ${report.kept} kept`,
      );
    return report;
  }

  /**
   * The latest commit of each revision resolved within the maximum age, and the folders of it
   * the cache knows. A revision no longer resolved (its app deleted or moved) ages out.
   */
  #protected(): Set<string> {
    const keep = new Set<string>();
    const now = Date.now();
    for (const [key, latest] of this.#latest) {
      if (now - latest.at > this.#policy.maxAgeMs) {
        this.#latest.delete(key);
        continue;
      }
      keep.add(protectKey('commit', latest.repoKey, latest.sha));
      for (const tree of this.#deps.treesOf(latest.repoKey, latest.sha))
        keep.add(protectKey('folder', latest.repoKey, tree));
    }
    return keep;
  }
}

function protectKey(kind: CheckoutEntry['kind'], repoKey: string, id: string): string {
  return `${kind}\u0000${repoKey}\u0000${id}`;
}
