// Git access for the controller: one bare mirror per repository under the cache folder,
// revisions resolved with ls-remote, and one extracted folder per commit. Calls for the same
// repository are serialised so two fetches never race on a mirror; different repositories run
// in parallel.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isDirectory, writeCommitTree, writeFolderTree } from './checkout.ts';
import { type GitCredentials, openCredentialSession, writeAskpassScript } from './credentials.ts';
import {
  GitCommandError,
  GitTimeoutError,
  InvalidGitArgumentError,
  RevisionNotFoundError,
} from './errors.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import { maskSecrets } from './mask.ts';
import { parseLsRemote, pickRevision } from './refs.ts';
import { gitEnv, runGit } from './run-git.ts';
import { batchCheckInput, parseBatchCheck, SharedRuns, TreeIdMemo, treePath } from './tree-ids.ts';
import {
  isFullSha,
  isShortSha,
  type ParsedRepoURL,
  parseRepoURL,
  validateCommitSha,
  validateRevision,
} from './validate.ts';

export type GitRepoCacheOptions = {
  cacheDir: string;
  /**
   * Reads file:// URLs and local paths too. They read the controller's own disk, so only the
   * operator turns this on (`--allow-local-repos`), for local development and tests.
   */
  allowLocalRepos?: boolean;
  /** Per `git` call; default 60 s. */
  timeoutMs?: number;
  log?: (line: string) => void;
};

/** Counts of Git operations, for metrics. */
export type GitStats = { fetches: number; lsRemotes: number; checkouts: number; folderCheckouts: number };

type Repo = ParsedRepoURL & { mirror: string; credentials: GitCredentials };

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
  readonly stats: GitStats = { fetches: 0, lsRemotes: 0, checkouts: 0, folderCheckouts: 0 };
  readonly #timeoutMs: number;
  readonly #allowLocal: boolean;
  readonly #log: (line: string) => void;
  readonly #locks = new KeyedMutex();
  /** One `ls-remote` for the reconciles of a repository that asked while another ran. */
  readonly #listings = new SharedRuns<Map<string, string>>();
  /** The last listing of each repository (and credentials), with when it started. */
  readonly #listed = new Map<string, { startedAt: number; refs: Map<string, string> }>();
  readonly #treeLookups = new SharedRuns<void>();
  readonly #readers = new KeyedMutex();
  readonly #trees = new TreeIdMemo();
  #askpass: Promise<string> | undefined;

  constructor(options: GitRepoCacheOptions) {
    this.cacheDir = resolve(options.cacheDir);
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#allowLocal = options.allowLocalRepos ?? false;
    this.#log = options.log ?? (() => {});
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
    if (isFullSha(revision)) return this.#locks.run(repo.key, () => this.#resolve(repo, revision));
    const key = `${repo.key}\u0000${credentialsId(repo.credentials)}`;
    // A push's triage listed the remote after the webhook came: its reconciles use that listing.
    const last = this.#listed.get(key);
    const recent = options.listedSince !== undefined && last && last.startedAt >= options.listedSince;
    const known = recent ? pickRevision(last.refs, revision) : undefined;
    if (known) return known;
    // The reconciles of a push (hundreds of apps of one monorepo) share one listing taken after
    // each asked, instead of one ls-remote each, one at a time.
    const refs = await this.#listings.run(
      key,
      [],
      (task) => this.#readerLock(repo, 'list', task),
      async () => {
        const startedAt = Date.now();
        const listed = await this.#lsRemote(repo);
        const previous = this.#listed.get(key);
        if (!previous || previous.startedAt <= startedAt) this.#listed.set(key, { startedAt, refs: listed });
        return listed;
      },
    );
    return pickRevision(refs, revision) ?? this.#locks.run(repo.key, () => this.#resolve(repo, revision));
  }

  /**
   * Fetches the repository's branches and tags now (a push was announced: its commit will be
   * needed), under the mirror's lock like any fetch; a lookup or checkout of the pushed commit
   * that queues behind it finds the commit without fetching again.
   */
  async prefetch(repoURL: string, creds?: GitCredentials): Promise<void> {
    const repo = this.#repo(repoURL, creds);
    await this.#locks.run(repo.key, () => this.#fetch(repo));
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
    const repo = this.#repo(repoURL, creds);
    const sha = validateCommitSha(commitSha);
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
          holdsMirror = !existsSync(join(repo.mirror, 'HEAD'));
          return this.#readerLock(repo, 'trees', task);
        },
        async (all) => {
          const args = [`--git-dir=${repo.mirror}`, 'cat-file', '--batch-check=%(objectname) %(objecttype)'];
          const look = () => this.#local(repo, args, 'look up folders', {}, batchCheckInput(sha, all));
          let found = parseBatchCheck(existsSync(join(repo.mirror, 'HEAD')) ? await look() : '', all);
          if (!found.commitKnown) {
            // Under the mirror's lock already when the mirror did not exist (the lock is not re-entrant).
            if (holdsMirror) await this.#ensureCommit(repo, sha);
            else await this.#locks.run(repo.key, () => this.#ensureCommit(repo, sha));
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

  /**
   * A folder with the files of exactly that commit, shared by every caller: read it, never
   * write to it. Created once; later calls return it without running Git.
   */
  async checkout(repoURL: string, commitSha: string, creds?: GitCredentials): Promise<string> {
    const repo = this.#repo(repoURL, creds);
    const sha = validateCommitSha(commitSha);
    const dest = join(this.cacheDir, 'checkouts', repo.key, sha);
    if (await isDirectory(dest)) return dest;
    return this.#locks.run(repo.key, async () => {
      if (await isDirectory(dest)) return dest;
      await this.#ensureCommit(repo, sha);
      const started = Date.now();
      await writeCommitTree(
        (args, env) => this.#local(repo, args, 'check out a commit', env),
        repo.mirror,
        sha,
        dest,
      );
      this.stats.checkouts++;
      this.#log(`git: checked out ${sha} of ${repo.url} in ${Date.now() - started}ms`);
      return dest;
    });
  }

  /** Whether `checkout` of this commit would return at once (its folder exists). */
  hasCheckout(repoURL: string, commitSha: string, creds?: GitCredentials): boolean {
    const repo = this.#repo(repoURL, creds);
    return existsSync(join(this.cacheDir, 'checkouts', repo.key, validateCommitSha(commitSha)));
  }

  /**
   * One folder of a commit: the tree `treeId` (its id from `treeIds`) written at `path` in a
   * folder of its own, for a render that reads nothing else. A push that changes one app of a
   * monorepo writes that app's few files instead of the whole commit; commits whose folder is
   * the same share it. It only reads objects by id from the mirror (a lookup found the tree),
   * so it queues with the readers, apart from fetches and whole checkouts.
   */
  async checkoutFolder(
    repoURL: string,
    path: string,
    treeId: string,
    creds?: GitCredentials,
  ): Promise<string> {
    const repo = this.#repo(repoURL, creds);
    const normal = treePath(path);
    if (normal === undefined || !/^[0-9a-f]{40,64}$/.test(treeId))
      throw new InvalidGitArgumentError(`cannot check out folder ${JSON.stringify(path)} at ${treeId}`);
    const where = createHash('sha256').update(normal).digest('hex').slice(0, 16);
    const dest = join(this.cacheDir, 'folders', repo.key, `${treeId}-${where}`);
    if (await isDirectory(dest)) return dest;
    return this.#readerLock(repo, 'folders', async () => {
      if (await isDirectory(dest)) return dest;
      const started = Date.now();
      await writeFolderTree(
        (args, env) => this.#local(repo, args, 'check out a folder', env),
        repo.mirror,
        treeId,
        normal,
        dest,
      );
      this.stats.folderCheckouts++;
      this.#log(
        `git: checked out folder ${normal || '.'} (${treeId}) of ${repo.url} in ${Date.now() - started}ms`,
      );
      return dest;
    });
  }

  /**
   * Listings and folder lookups only read (the remote, or the mirror's objects, which a fetch
   * adds to without changing any): once the mirror exists they queue apart from the fetches and
   * checkouts, one at a time per kind, so a push's listings do not hold up its changed app's
   * checkout. Before the mirror exists they take the mirror's lock, which creates it.
   */
  #readerLock<T>(repo: Repo, kind: string, task: () => Promise<T>): Promise<T> {
    if (!existsSync(join(repo.mirror, 'HEAD'))) return this.#locks.run(repo.key, task);
    return this.#readers.run(`${repo.key}\u0000${kind}`, task);
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
      await this.#ensureCommit(repo, sha);
      return sha;
    }
    const found = pickRevision(await this.#lsRemote(repo), revision);
    if (found) return found;
    if (isShortSha(revision)) {
      // The mirror may already know it; only fetch when it does not.
      let local = await this.#revParse(repo, revision);
      if (!local) {
        await this.#fetch(repo);
        local = await this.#revParse(repo, revision);
      }
      if (local) return local;
      throw new RevisionNotFoundError(repo.url, revision, {
        hint: 'no branch, tag or unique commit id matches',
      });
    }
    throw new RevisionNotFoundError(repo.url, revision, { hint: 'no such branch or tag' });
  }

  async #lsRemote(repo: Repo): Promise<Map<string, string>> {
    await this.#ensureMirror(repo);
    this.stats.lsRemotes++;
    const output = await this.#network(repo, ['ls-remote', '--symref', 'origin'], `list refs of ${repo.url}`);
    return parseLsRemote(output);
  }

  async #fetch(repo: Repo, what: string[] = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*']) {
    await this.#ensureMirror(repo);
    this.stats.fetches++;
    const started = Date.now();
    try {
      await this.#network(repo, ['fetch', '--prune', '--force', 'origin', ...what], `fetch from ${repo.url}`);
    } catch (error) {
      // A killed fetch can leave ref locks behind that would fail every later fetch.
      if (error instanceof GitTimeoutError) await removeStaleLocks(repo.mirror);
      throw error;
    }
    this.#log(`git: fetched ${repo.url} in ${Date.now() - started}ms`);
  }

  /** Makes sure the mirror has the commit: fetch branches and tags, then the id itself. */
  async #ensureCommit(repo: Repo, sha: string): Promise<void> {
    if (await this.#hasCommit(repo, sha)) return;
    await this.#fetch(repo);
    if (await this.#hasCommit(repo, sha)) return;
    try {
      // Reaches commits no branch or tag points to, where the server allows it (protocol v2 does).
      await this.#fetch(repo, [sha]);
    } catch (error) {
      if (!(error instanceof GitCommandError)) throw error;
    }
    if (await this.#hasCommit(repo, sha)) return;
    throw new RevisionNotFoundError(repo.url, sha, { hint: 'no such commit on the remote' });
  }

  async #hasCommit(repo: Repo, sha: string): Promise<boolean> {
    if (!existsSync(join(repo.mirror, 'HEAD'))) return false;
    try {
      await this.#local(
        repo,
        [`--git-dir=${repo.mirror}`, 'cat-file', '-e', `${sha}^{commit}`],
        'look up a commit',
      );
      return true;
    } catch (error) {
      if (error instanceof GitCommandError) return false;
      throw error;
    }
  }

  async #revParse(repo: Repo, revision: string): Promise<string | undefined> {
    if (!existsSync(join(repo.mirror, 'HEAD'))) return undefined;
    const args = [`--git-dir=${repo.mirror}`, 'rev-parse', '--verify', '--quiet', '--end-of-options'];
    try {
      return (await this.#local(repo, [...args, `${revision}^{commit}`], 'look up a commit')).trim();
    } catch (error) {
      if (error instanceof GitCommandError) return undefined;
      throw error;
    }
  }

  /** `git init --bare` + `remote add` in a temporary folder, renamed into place when complete. */
  async #ensureMirror(repo: Repo): Promise<void> {
    if (existsSync(join(repo.mirror, 'HEAD'))) return;
    await mkdir(join(this.cacheDir, 'mirrors'), { recursive: true });
    const temp = `${repo.mirror}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      const init = (args: string[]) => this.#local(repo, args, `create the mirror of ${repo.url}`);
      await init(['init', '--quiet', '--bare', temp]);
      await init([`--git-dir=${temp}`, 'remote', 'add', 'origin', repo.url]);
      // Auto-gc in the foreground: a detached gc would outlive the call and its timeout.
      await init([`--git-dir=${temp}`, 'config', 'gc.autoDetach', 'false']);
      await rm(repo.mirror, { recursive: true, force: true });
      await rename(temp, repo.mirror);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  async #network(repo: Repo, args: string[], what: string): Promise<string> {
    const session = await openCredentialSession({
      cacheDir: this.cacheDir,
      askpassPath: () => {
        this.#askpass ??= writeAskpassScript(this.cacheDir);
        return this.#askpass;
      },
      credentials: repo.credentials,
      url: repo.url,
      repoKey: repo.key,
    });
    try {
      return await runGit([`--git-dir=${repo.mirror}`, ...args], {
        cwd: this.cacheDir,
        env: gitEnv(session.env, { allowLocal: this.#allowLocal }),
        timeoutMs: this.#timeoutMs,
        what: maskSecrets(what),
        secrets: session.secrets,
      });
    } finally {
      await session.dispose();
    }
  }

  #local(
    repo: Repo,
    args: string[],
    what: string,
    env: Record<string, string> = {},
    input?: string,
  ): Promise<string> {
    return runGit(args, {
      cwd: this.cacheDir,
      env: gitEnv(env, { allowLocal: this.#allowLocal }),
      timeoutMs: this.#timeoutMs,
      what: `${what} (${repo.url})`,
      input,
    });
  }
}

/** Which credentials a listing was taken with (callers with other credentials do not share it). */
function credentialsId(credentials: GitCredentials): string {
  return createHash('sha256').update(JSON.stringify(credentials)).digest('hex');
}

async function removeStaleLocks(mirror: string): Promise<void> {
  const entries = await readdir(mirror, { recursive: true }).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((entry) => entry.endsWith('.lock'))
      .map((entry) => rm(join(mirror, entry), { force: true })),
  );
}
