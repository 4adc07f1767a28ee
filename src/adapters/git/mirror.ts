// The bare mirror of each repository and the `git` processes that read and fill it: creation,
// fetches, commit look-ups. No locking here: the repo cache calls these under the repository's
// lock (or a reader's queue), so two fetches never race on one mirror.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type GitCredentials, openCredentialSession, writeAskpassScript } from './credentials.ts';
import { GitCommandError, GitTimeoutError, RevisionNotFoundError } from './errors.ts';
import { maskSecrets } from './mask.ts';
import { parseLsRemote } from './refs.ts';
import { gitEnv, runGit } from './run-git.ts';
import type { ParsedRepoURL } from './validate.ts';

export type Repo = ParsedRepoURL & { mirror: string; credentials: GitCredentials };

export type MirrorOptions = {
  cacheDir: string;
  allowLocal: boolean;
  timeoutMs: number;
  log: (line: string) => void;
  /** Called as each fetch starts (counted for metrics). */
  onFetch: () => void;
  /** Called after each fetch that succeeded (new commits may have come: a moment to sweep). */
  onFetched?: () => void;
};

export class Mirrors {
  readonly #options: MirrorOptions;
  #askpass: Promise<string> | undefined;

  constructor(options: MirrorOptions) {
    this.#options = options;
  }

  exists(repo: Repo): boolean {
    return existsSync(join(repo.mirror, 'HEAD'));
  }

  async lsRemote(repo: Repo): Promise<Map<string, string>> {
    await this.ensureMirror(repo);
    const output = await this.network(repo, ['ls-remote', '--symref', 'origin'], `list refs of ${repo.url}`);
    return parseLsRemote(output);
  }

  async fetch(repo: Repo, what: string[] = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*']) {
    await this.ensureMirror(repo);
    this.#options.onFetch();
    const started = Date.now();
    try {
      await this.network(repo, ['fetch', '--prune', '--force', 'origin', ...what], `fetch from ${repo.url}`);
    } catch (error) {
      // A killed fetch can leave ref locks behind that would fail every later fetch.
      if (error instanceof GitTimeoutError) await removeStaleLocks(repo.mirror);
      throw error;
    }
    this.#options.log(`git: fetched ${repo.url} in ${Date.now() - started}ms`);
    this.#options.onFetched?.();
  }

  /** Makes sure the mirror has the commit: fetch branches and tags, then the id itself. */
  async ensureCommit(repo: Repo, sha: string): Promise<void> {
    if (await this.hasCommit(repo, sha)) return;
    await this.fetch(repo);
    if (await this.hasCommit(repo, sha)) return;
    try {
      // Reaches commits no branch or tag points to, where the server allows it (protocol v2 does).
      await this.fetch(repo, [sha]);
    } catch (error) {
      if (!(error instanceof GitCommandError)) throw error;
    }
    if (await this.hasCommit(repo, sha)) return;
    throw new RevisionNotFoundError(repo.url, sha, { hint: 'no such commit on the remote' });
  }

  async hasCommit(repo: Repo, sha: string): Promise<boolean> {
    if (!this.exists(repo)) return false;
    try {
      await this.local(
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

  async revParse(repo: Repo, revision: string): Promise<string | undefined> {
    if (!this.exists(repo)) return undefined;
    const args = [`--git-dir=${repo.mirror}`, 'rev-parse', '--verify', '--quiet', '--end-of-options'];
    try {
      return (await this.local(repo, [...args, `${revision}^{commit}`], 'look up a commit')).trim();
    } catch (error) {
      if (error instanceof GitCommandError) return undefined;
      throw error;
    }
  }

  /** `git init --bare` + `remote add` in a temporary folder, renamed into place when complete. */
  async ensureMirror(repo: Repo): Promise<void> {
    if (this.exists(repo)) return;
    await mkdir(join(this.#options.cacheDir, 'mirrors'), { recursive: true });
    const temp = `${repo.mirror}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      const init = (args: string[]) => this.local(repo, args, `create the mirror of ${repo.url}`);
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

  async network(repo: Repo, args: string[], what: string): Promise<string> {
    const { cacheDir, allowLocal, timeoutMs } = this.#options;
    const session = await openCredentialSession({
      cacheDir,
      askpassPath: () => {
        this.#askpass ??= writeAskpassScript(cacheDir);
        return this.#askpass;
      },
      credentials: repo.credentials,
      url: repo.url,
      repoKey: repo.key,
    });
    try {
      return await runGit([`--git-dir=${repo.mirror}`, ...args], {
        cwd: cacheDir,
        env: gitEnv(session.env, { allowLocal }),
        timeoutMs,
        what: maskSecrets(what),
        secrets: session.secrets,
      });
    } finally {
      await session.dispose();
    }
  }

  local(repo: Repo, args: string[], what: string, env: Record<string, string> = {}, input?: string) {
    const { cacheDir, allowLocal, timeoutMs } = this.#options;
    return runGit(args, {
      cwd: cacheDir,
      env: gitEnv(env, { allowLocal }),
      timeoutMs,
      what: `${what} (${repo.url})`,
      input,
    });
  }
}

async function removeStaleLocks(mirror: string): Promise<void> {
  const entries = await readdir(mirror, { recursive: true }).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((entry) => entry.endsWith('.lock'))
      .map((entry) => rm(join(mirror, entry), { force: true })),
  );
}
