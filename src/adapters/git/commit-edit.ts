// Write-back: commit an edit to one branch of one repository and push it, for the image updater,
// `tiphys image set` and promotions. Each call works in a fresh shallow clone of the branch tip,
// so nothing is shared with the read-only mirrors of repo-cache.ts. A push that another writer
// beat (non-fast-forward) is retried on the new tip, with the edit computed again from its files,
// a bounded number of times; an edit that changes nothing makes no commit.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type GitCredentials, openCredentialSession, writeAskpassScript } from './credentials.ts';
import { GitCommandError, GitError, InvalidGitArgumentError } from './errors.ts';
import { maskSecrets } from './mask.ts';
import { gitEnv, runGit } from './run-git.ts';
import { parseRepoURL, validateRevision } from './validate.ts';
import { listTreeFiles, readTreeFile, writeTreeFile } from './work-tree-files.ts';

/** Reads files of the branch tip the edit is computed on. */
export interface TreeReader {
  /** The file's text, or undefined when the branch has no such file. Paths are relative, `/`-separated. */
  read(path: string): Promise<string | undefined>;
  /** Regular files under a folder ('' for the root), recursively, `/`-separated; .git and links left out. */
  list(folder: string): Promise<string[]>;
}

/** Path → new content of each file the edit writes. Unchanged contents are fine: they make no commit. */
export type FileWrites = Record<string, string>;

export interface CommitEditRequest {
  repoURL: string;
  /** A branch name (not `refs/…`); it must exist. */
  branch: string;
  credentials?: GitCredentials;
  author: { name: string; email: string };
  message: string;
  /** Computes the files to write from the branch tip; called again on the new tip after a rejected push. */
  edit: (tree: TreeReader) => Promise<FileWrites> | FileWrites;
  /** Compute and show the diff, commit and push nothing. */
  dryRun?: boolean;
  /** Push attempts before giving up (default 5). */
  maxAttempts?: number;
}

export interface CommitEditResult {
  /** committed: pushed; unchanged: the branch already had these contents; dry-run: diff only. */
  outcome: 'committed' | 'unchanged' | 'dry-run';
  /** The branch tip the edit was applied to. */
  parent: string;
  /** The pushed commit (outcome committed). */
  commit?: string;
  /** `git diff` of the edit ('' when unchanged). */
  diff: string;
  /** Files whose content changed. */
  changed: string[];
  /** Push attempts made (0 when nothing was pushed). */
  attempts: number;
}

/** Every attempt's push was beaten by another writer. */
export class PushRejectedError extends GitError {
  override name = 'PushRejectedError';
}

export interface GitWriterOptions {
  /** A private folder for the clones (each removed after its call) and the askpass helper. */
  workDir: string;
  allowLocalRepos?: boolean;
  /** Per `git` call; default 60 s. */
  timeoutMs?: number;
}

const authorPart = /^[^<>\n\r\0]{1,200}$/;

export class GitWriter {
  readonly #workDir: string;
  readonly #allowLocal: boolean;
  readonly #timeoutMs: number;
  #askpass: Promise<string> | undefined;

  constructor(options: GitWriterOptions) {
    this.#workDir = options.workDir;
    this.#allowLocal = options.allowLocalRepos ?? false;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
  }

  async commitEdit(request: CommitEditRequest): Promise<CommitEditResult> {
    const parsed = parseRepoURL(request.repoURL, { allowLocal: this.#allowLocal });
    validateBranch(request.branch);
    if (!authorPart.test(request.author.name) || !authorPart.test(request.author.email))
      throw new InvalidGitArgumentError(
        'commit author name and email must be 1-200 characters without <, > or newlines',
      );
    if (request.message.trim() === '') throw new InvalidGitArgumentError('the commit message is empty');
    const credentials: GitCredentials = {
      ...request.credentials,
      username: request.credentials?.username ?? parsed.username,
      password: request.credentials?.password ?? parsed.password,
    };
    await mkdir(this.#workDir, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(join(this.#workDir, 'edit-'));
    const git = new WorkClone(dir, parsed.url, parsed.key, credentials, this);
    try {
      await git.local(['init', '--quiet', dir], 'create a work clone');
      await git.local(['remote', 'add', 'origin', parsed.url], 'create a work clone');
      const maxAttempts = Math.max(1, request.maxAttempts ?? 5);
      for (let attempt = 1; ; attempt++) {
        const parent = await git.fetchBranch(request.branch);
        const writes = await request.edit({
          read: (path) => readTreeFile(dir, path),
          list: (folder) => listTreeFiles(dir, folder),
        });
        for (const [path, content] of Object.entries(writes)) await writeTreeFile(dir, path, content);
        await git.local(['add', '--all', '--', ...Object.keys(writes)], 'stage the edit');
        const changed = (await git.local(['diff', '--cached', '--name-only', '-z'], 'list changes'))
          .split('\0')
          .filter(Boolean);
        if (changed.length === 0)
          return { outcome: 'unchanged', parent, diff: '', changed, attempts: attempt - 1 };
        const diff = await git.local(['diff', '--cached', '--no-color', '--no-ext-diff'], 'show the diff');
        if (request.dryRun) return { outcome: 'dry-run', parent, diff, changed, attempts: 0 };
        const messageFile = `${dir}.message`;
        await writeFile(
          messageFile,
          request.message.endsWith('\n') ? request.message : `${request.message}\n`,
        );
        try {
          await git.local(
            ['commit', '--quiet', '--no-verify', '--cleanup=verbatim', '-F', messageFile],
            'commit',
            {
              GIT_AUTHOR_NAME: request.author.name,
              GIT_AUTHOR_EMAIL: request.author.email,
              GIT_COMMITTER_NAME: request.author.name,
              GIT_COMMITTER_EMAIL: request.author.email,
            },
          );
        } finally {
          await rm(messageFile, { force: true });
        }
        const commit = (await git.local(['rev-parse', 'HEAD'], 'read the commit')).trim();
        const pushed = await git.push(request.branch);
        if (pushed) return { outcome: 'committed', parent, commit, diff, changed, attempts: attempt };
        if (attempt >= maxAttempts)
          throw new PushRejectedError(
            `push to branch ${request.branch} of ${parsed.url} was rejected ${attempt} times: other commits kept landing first`,
          );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** @internal */
  askpass(): Promise<string> {
    this.#askpass ??= writeAskpassScript(this.#workDir);
    return this.#askpass;
  }

  /** @internal */
  get settings() {
    return { workDir: this.#workDir, allowLocal: this.#allowLocal, timeoutMs: this.#timeoutMs };
  }
}

function validateBranch(branch: string): void {
  validateRevision(branch);
  if (branch === '' || branch === 'HEAD' || branch.startsWith('refs/'))
    throw new InvalidGitArgumentError(`branch ${JSON.stringify(branch)}: name a branch, e.g. main`);
}

// A push beaten by another writer; anything else (hook declined, no permission) is not retried.
const beaten =
  /\[rejected\][^\n]*\((fetch first|non-fast-forward|stale info)\)|\[remote rejected\][^\n]*(cannot lock ref|failed to update ref)/;

/** One call's clone: local commands, and the network ones with the credentials session. */
class WorkClone {
  readonly #dir: string;
  readonly #url: string;
  readonly #key: string;
  readonly #credentials: GitCredentials;
  readonly #writer: GitWriter;

  constructor(dir: string, url: string, key: string, credentials: GitCredentials, writer: GitWriter) {
    this.#dir = dir;
    this.#url = url;
    this.#key = key;
    this.#credentials = credentials;
    this.#writer = writer;
  }

  local(args: string[], what: string, env: Record<string, string> = {}): Promise<string> {
    const { allowLocal, timeoutMs } = this.#writer.settings;
    return runGit(['-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgSign=false', ...args], {
      cwd: this.#dir,
      env: gitEnv(env, { allowLocal }),
      timeoutMs,
      what: `${what} (${this.#url})`,
    });
  }

  /** Fetches the branch tip (depth 1), checks it out clean; returns its commit. */
  async fetchBranch(branch: string): Promise<string> {
    const ref = `refs/remotes/origin/${branch}`;
    try {
      await this.#network(
        ['fetch', '--quiet', '--no-tags', '--depth=1', '--force', 'origin', `+refs/heads/${branch}:${ref}`],
        `fetch branch ${branch} of ${this.#url}`,
      );
    } catch (error) {
      if (error instanceof GitCommandError && /couldn't find remote ref/i.test(error.stderr))
        throw new InvalidGitArgumentError(`branch ${JSON.stringify(branch)} does not exist in ${this.#url}`, {
          cause: error,
        });
      throw error;
    }
    await this.local(
      ['checkout', '--quiet', '--force', '-B', `tiphys-edit-${randomBytes(3).toString('hex')}`, ref],
      'check out the branch',
    );
    await this.local(['clean', '-fdq'], 'clean the work tree');
    return (await this.local(['rev-parse', 'HEAD'], 'read the branch tip')).trim();
  }

  /** True when pushed; false when another writer's commit landed first. */
  async push(branch: string): Promise<boolean> {
    try {
      await this.#network(
        ['push', '--quiet', '--no-verify', 'origin', `HEAD:refs/heads/${branch}`],
        `push to ${branch} of ${this.#url}`,
      );
      return true;
    } catch (error) {
      if (error instanceof GitCommandError && beaten.test(error.stderr)) return false;
      throw error;
    }
  }

  async #network(args: string[], what: string): Promise<string> {
    const { workDir, allowLocal, timeoutMs } = this.#writer.settings;
    const session = await openCredentialSession({
      cacheDir: workDir,
      askpassPath: () => this.#writer.askpass(),
      credentials: this.#credentials,
      url: this.#url,
      repoKey: this.#key,
    });
    try {
      return await runGit(['-c', 'core.hooksPath=/dev/null', ...args], {
        cwd: this.#dir,
        env: gitEnv(session.env, { allowLocal }),
        timeoutMs,
        what: maskSecrets(what),
        secrets: session.secrets,
      });
    } finally {
      await session.dispose();
    }
  }
}
