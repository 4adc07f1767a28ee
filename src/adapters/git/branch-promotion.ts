// Promotion in the branch-per-environment layout: move a stage's branch to a verified commit (a
// fast-forward, or a merge commit when asked), or put back an earlier verified tree as a new
// commit on it (a rollback that keeps history). Like commit-edit.ts each call works in a fresh
// clone and retries a push another writer beat; a move that changes nothing pushes nothing.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type GitCredentials, openCredentialSession, writeAskpassScript } from './credentials.ts';
import { GitCommandError, GitError, InvalidGitArgumentError } from './errors.ts';
import { gitEnv, runGit } from './run-git.ts';
import { parseRepoURL, validateCommitSha, validateRevision } from './validate.ts';

export interface BranchMoveRequest {
  repoURL: string;
  branch: string;
  /** The verified commit (move) or the commit whose tree is put back (restore). */
  commit: string;
  credentials?: GitCredentials;
  author: { name: string; email: string };
  message: string;
}

export interface BranchMoveResult {
  outcome: 'committed' | 'unchanged';
  commit: string;
  /** fast-forward, merge or restore; absent when unchanged. */
  how?: 'fast-forward' | 'merge' | 'restore';
}

/** The branch cannot reach the commit the way the stage asks (diverged, or a merge conflict). */
export class BranchMoveError extends GitError {
  override name = 'BranchMoveError';
}

const MAX_ATTEMPTS = 5;
const beaten = /\[rejected\][^\n]*\((fetch first|non-fast-forward|stale info)\)/;

export class BranchPromoter {
  readonly #workDir: string;
  readonly #allowLocal: boolean;
  readonly #timeoutMs: number;
  readonly #trees = new Map<string, string>();
  #askpass: Promise<string> | undefined;

  constructor(options: { workDir: string; allowLocalRepos?: boolean; timeoutMs?: number }) {
    this.#workDir = options.workDir;
    this.#allowLocal = options.allowLocalRepos ?? false;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** The tree of a commit (a commit never changes, so the answer is kept). */
  async treeOf(repoURL: string, commit: string, credentials?: GitCredentials): Promise<string> {
    validateCommitSha(commit);
    const known = this.#trees.get(commit);
    if (known) return known;
    const tree = await this.#inClone(repoURL, credentials, async (git) => {
      await git.fetchAll();
      return git.tree(commit);
    });
    this.#trees.set(commit, tree);
    return tree;
  }

  /** Moves `branch` to `commit`: fast-forward, or with `merge` a merge commit when it diverged. */
  move(request: BranchMoveRequest, strategy: 'fastForward' | 'merge'): Promise<BranchMoveResult> {
    return this.#retrying(request, async (git, tip) => {
      const target = await git.tree(request.commit);
      if ((await git.tree(tip)) === target) return { outcome: 'unchanged', commit: tip };
      if (await git.isAncestor(tip, request.commit)) return { push: request.commit, how: 'fast-forward' };
      if (strategy !== 'merge') {
        throw new BranchMoveError(
          `branch ${request.branch} has commits that ${request.commit.slice(0, 7)} does not: it cannot be fast-forwarded (set the stage's strategy to merge)`,
        );
      }
      try {
        await git.run(
          ['merge', '--no-ff', '--no-edit', '-m', request.message, request.commit],
          'merge',
          authorEnv(request),
        );
      } catch (error) {
        throw new BranchMoveError(
          `merging ${request.commit.slice(0, 7)} into ${request.branch} conflicts: ${error instanceof GitCommandError ? error.stderr.split('\n')[0] : String(error)}`,
        );
      }
      return { push: (await git.run(['rev-parse', 'HEAD'], 'read the merge')).trim(), how: 'merge' };
    });
  }

  /** A new commit on `branch` whose tree is `commit`'s: a rollback that keeps the history. */
  restore(request: BranchMoveRequest): Promise<BranchMoveResult> {
    return this.#retrying(request, async (git, tip) => {
      const target = await git.tree(request.commit);
      if ((await git.tree(tip)) === target) return { outcome: 'unchanged', commit: tip };
      const made = await git.run(
        ['commit-tree', target, '-p', tip, '-m', request.message],
        'commit',
        authorEnv(request),
      );
      return { push: made.trim(), how: 'restore' };
    });
  }

  async #retrying(
    request: BranchMoveRequest,
    step: (
      git: Clone,
      tip: string,
    ) => Promise<BranchMoveResult | { push: string; how: BranchMoveResult['how'] }>,
  ): Promise<BranchMoveResult> {
    validateRevision(request.branch);
    validateCommitSha(request.commit);
    return this.#inClone(request.repoURL, request.credentials, async (git) => {
      for (let attempt = 1; ; attempt++) {
        await git.fetchAll();
        const tip = await git.branchTip(request.branch);
        if (!(await git.hasCommit(request.commit))) {
          throw new InvalidGitArgumentError(`commit ${request.commit} is not in ${git.url}`);
        }
        await git.run(['checkout', '--quiet', '--force', '--detach', tip], 'check out the branch');
        const result = await step(git, tip);
        if ('outcome' in result) return result;
        if (await git.push(result.push, request.branch))
          return { outcome: 'committed', commit: result.push, how: result.how };
        if (attempt >= MAX_ATTEMPTS) {
          throw new GitError(
            `push to branch ${request.branch} of ${git.url} was rejected ${attempt} times: other commits kept landing first`,
          );
        }
      }
    });
  }

  async #inClone<T>(
    repoURL: string,
    credentials: GitCredentials | undefined,
    body: (git: Clone) => Promise<T>,
  ): Promise<T> {
    const parsed = parseRepoURL(repoURL, { allowLocal: this.#allowLocal });
    await mkdir(this.#workDir, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(join(this.#workDir, 'branch-'));
    this.#askpass ??= writeAskpassScript(this.#workDir);
    const creds = {
      ...credentials,
      username: credentials?.username ?? parsed.username,
      password: credentials?.password ?? parsed.password,
    };
    const git = new Clone(dir, parsed.url, parsed.key, creds, {
      workDir: this.#workDir,
      allowLocal: this.#allowLocal,
      timeoutMs: this.#timeoutMs,
      askpass: () => this.#askpass as Promise<string>,
    });
    try {
      await git.run(['init', '--quiet', dir], 'create a work clone');
      await git.run(['remote', 'add', 'origin', parsed.url], 'create a work clone');
      return await body(git);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

function authorEnv(request: BranchMoveRequest): Record<string, string> {
  const { name, email } = request.author;
  if (!/^[^<>\n\r\0]{1,200}$/.test(name) || !/^[^<>\n\r\0]{1,200}$/.test(email)) {
    throw new InvalidGitArgumentError(
      'commit author name and email must be 1-200 characters without <, > or newlines',
    );
  }
  return {
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: email,
  };
}

interface CloneSettings {
  workDir: string;
  allowLocal: boolean;
  timeoutMs: number;
  askpass: () => Promise<string>;
}

class Clone {
  readonly url: string;
  readonly #dir: string;
  readonly #key: string;
  readonly #credentials: GitCredentials;
  readonly #settings: CloneSettings;

  constructor(dir: string, url: string, key: string, credentials: GitCredentials, settings: CloneSettings) {
    this.#dir = dir;
    this.url = url;
    this.#key = key;
    this.#credentials = credentials;
    this.#settings = settings;
  }

  run(args: string[], what: string, env: Record<string, string> = {}): Promise<string> {
    return runGit(['-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgSign=false', ...args], {
      cwd: this.#dir,
      env: gitEnv(env, { allowLocal: this.#settings.allowLocal }),
      timeoutMs: this.#settings.timeoutMs,
      what: `${what} (${this.url})`,
    });
  }

  /** Every branch, full history: config repositories are small, and any verified commit is on one. */
  fetchAll(): Promise<string> {
    return this.#network(
      ['fetch', '--quiet', '--no-tags', '--force', 'origin', '+refs/heads/*:refs/remotes/origin/*'],
      'fetch',
    );
  }

  async branchTip(branch: string): Promise<string> {
    try {
      return (
        await this.run(['rev-parse', '--verify', `refs/remotes/origin/${branch}^{commit}`], 'read the branch')
      ).trim();
    } catch {
      throw new InvalidGitArgumentError(`branch ${JSON.stringify(branch)} does not exist in ${this.url}`);
    }
  }

  async hasCommit(commit: string): Promise<boolean> {
    return this.run(['cat-file', '-e', `${commit}^{commit}`], 'find the commit').then(
      () => true,
      () => false,
    );
  }

  async tree(commit: string): Promise<string> {
    try {
      return (await this.run(['rev-parse', '--verify', `${commit}^{tree}`], 'read the tree')).trim();
    } catch {
      throw new InvalidGitArgumentError(`commit ${commit} is not in ${this.url}`);
    }
  }

  async isAncestor(ancestor: string, commit: string): Promise<boolean> {
    return this.run(['merge-base', '--is-ancestor', ancestor, commit], 'compare history').then(
      () => true,
      () => false,
    );
  }

  async push(commit: string, branch: string): Promise<boolean> {
    try {
      await this.#network(
        ['push', '--quiet', '--no-verify', 'origin', `${commit}:refs/heads/${branch}`],
        `push to ${branch}`,
      );
      return true;
    } catch (error) {
      if (error instanceof GitCommandError && beaten.test(error.stderr)) return false;
      throw error;
    }
  }

  async #network(args: string[], what: string): Promise<string> {
    const session = await openCredentialSession({
      cacheDir: this.#settings.workDir,
      askpassPath: this.#settings.askpass,
      credentials: this.#credentials,
      url: this.url,
      repoKey: this.#key,
    });
    try {
      return await runGit(['-c', 'core.hooksPath=/dev/null', ...args], {
        cwd: this.#dir,
        env: gitEnv(session.env, { allowLocal: this.#settings.allowLocal }),
        timeoutMs: this.#settings.timeoutMs,
        what: `${what} (${this.url})`,
        secrets: session.secrets,
      });
    } finally {
      await session.dispose();
    }
  }
}
