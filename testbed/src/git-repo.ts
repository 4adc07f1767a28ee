// Work-clone helpers for the testbed's Git server: each runs the system `git` with execFile (no shell),
// a timeout and a clean environment, so the machine's own Git config, credential helpers and
// any inherited GIT_DIR never change what a test sees.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';

const gitTimeoutMs = 60_000;

// A fixed identity and no signing, given per command so no global config is needed.
const commitConfig = [
  '-c',
  'user.name=Tiphys Testbed',
  '-c',
  'user.email=testbed@tiphys.invalid',
  '-c',
  'commit.gpgsign=false',
  '-c',
  'tag.gpgsign=false',
];

export class GitCommandError extends Error {
  override name = 'GitCommandError';
}

export class InvalidGitNameError extends Error {
  override name = 'InvalidGitNameError';
}

/** The environment every testbed `git` runs with: the caller's PATH, nothing else of the machine's. */
export function cleanGitEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: tmpdir(),
    LANG: 'C',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    // A refused clone must fail, not wait for a password on a terminal.
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

/** Hides the user:password of URLs so credentials never reach an error message. */
export function maskCredentials(text: string): string {
  return text.replace(/\/\/[^/@\s]+@/g, '//***@');
}

/** Runs `git args…` and resolves with its stdout, trimmed of the final newline. */
export function runGit(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        env: cleanGitEnv(options.env),
        timeout: options.timeoutMs ?? gitTimeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          const why = error.killed ? 'timed out' : `failed (exit ${error.code})`;
          const message = `git ${args.join(' ')} ${why}: ${stderr.trim() || error.message}`;
          reject(new GitCommandError(maskCredentials(message), { cause: error }));
          return;
        }
        resolve(stdout.replace(/\n$/, ''));
      },
    );
  });
}

// One path segment: no leading '.' or '-' (so never an option, never '.' or '..').
const safeSegment = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

function isSafeName(name: string): boolean {
  return (
    name.length > 0 &&
    !name.includes('..') &&
    !name.endsWith('.lock') &&
    !name.endsWith('.') &&
    name.split('/').every((segment) => safeSegment.test(segment))
  );
}

/** A repository name as served at `/<name>.git`: letters, digits, `._-`, and `/` between segments. */
export function assertValidRepoName(name: string): void {
  if (!isSafeName(name) || name.endsWith('.git')) {
    throw new InvalidGitNameError(
      `invalid repository name ${JSON.stringify(name)}: use [A-Za-z0-9._-] segments separated by '/', ` +
        `no leading '-' or '.', no '..', without the '.git' suffix`,
    );
  }
}

/** A branch, tag or revision name; also rejects anything `git` could read as an option. */
export function assertValidRefName(ref: string, what = 'ref'): void {
  if (!isSafeName(ref)) {
    throw new InvalidGitNameError(
      `invalid ${what} ${JSON.stringify(ref)}: use [A-Za-z0-9._-] segments separated by '/', ` +
        `no leading '-' or '.', no '..', not ending in '.lock'`,
    );
  }
}

/** Creates a bare repository that accepts pushes over smart HTTP, with `main` as its default branch. */
export async function initBareRepo(path: string): Promise<void> {
  await runGit(['init', '--quiet', '--bare', '--initial-branch=main', path]);
  // http-backend refuses receive-pack without an authenticated REMOTE_USER unless this is set.
  await runGit(['config', 'http.receivepack', 'true'], { cwd: path });
}

/** The commit a revision points to in a repository, or undefined when it does not exist. */
export async function resolveCommit(repoPath: string, rev: string): Promise<string | undefined> {
  try {
    return await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], {
      cwd: repoPath,
    });
  } catch {
    return undefined;
  }
}

/**
 * Runs `change` in a temporary work tree that starts at `branch` of the bare repository (or at
 * its HEAD when the branch is new, or empty when the repository is), then commits everything
 * and pushes the result to `branch`. Resolves with the new commit.
 */
export async function commitInWorkClone(
  bareRepoPath: string,
  branch: string,
  message: string,
  change: (workTree: string) => Promise<void>,
): Promise<string> {
  const workTree = await mkdtemp(join(tmpdir(), 'tiphys-git-work-'));
  try {
    await runGit(['init', '--quiet', `--initial-branch=${branch}`, workTree]);
    const branchRef = `refs/heads/${branch}`;
    const baseRef = (await resolveCommit(bareRepoPath, branchRef)) ? branchRef : 'HEAD';
    if (await resolveCommit(bareRepoPath, baseRef)) {
      await runGit(['fetch', '--quiet', bareRepoPath, baseRef], { cwd: workTree });
      await runGit(['reset', '--quiet', '--hard', 'FETCH_HEAD'], { cwd: workTree });
    }
    await change(workTree);
    await runGit(['add', '--all'], { cwd: workTree });
    // Empty commits are allowed so every call yields a new commit a test can wait for.
    await runGit([...commitConfig, 'commit', '--quiet', '--allow-empty', '-m', message], { cwd: workTree });
    await runGit(['push', '--quiet', bareRepoPath, `HEAD:${branchRef}`], { cwd: workTree });
    return await runGit(['rev-parse', 'HEAD'], { cwd: workTree });
  } finally {
    await rm(workTree, { recursive: true, force: true });
  }
}

/** Copies a folder's files (not its `.git`) into a work tree, symlinks as they are. */
export async function copyFolder(from: string, workTree: string): Promise<void> {
  await cp(from, workTree, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (source) => basename(source) !== '.git',
  });
}

/** Writes (string) or deletes (null) files given by repo-relative paths in a work tree. */
export async function applyFiles(workTree: string, files: Record<string, string | null>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const normal = posix.normalize(path);
    if (
      posix.isAbsolute(normal) ||
      normal.startsWith('../') ||
      normal === '..' ||
      normal.split('/')[0] === '.git'
    ) {
      throw new InvalidGitNameError(
        `invalid file path ${JSON.stringify(path)}: must stay inside the repository`,
      );
    }
    const target = join(workTree, normal);
    if (content === null) {
      await rm(target, { recursive: true }).catch((error: unknown) => {
        throw new Error(`cannot delete ${JSON.stringify(path)}: not in the repository`, { cause: error });
      });
    } else {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
  }
}

/** Creates a branch at a revision of a bare repository; resolves with its commit. */
export async function createBranchAt(repoPath: string, branch: string, fromRef: string): Promise<string> {
  await runGit(['branch', '--no-track', branch, fromRef], { cwd: repoPath });
  return runGit(['rev-parse', `refs/heads/${branch}`], { cwd: repoPath });
}

/** Creates a tag at a revision, annotated when a message is given; resolves with the tagged commit. */
export async function createTagAt(
  repoPath: string,
  tag: string,
  ref: string,
  message?: string,
): Promise<string> {
  const annotation = message === undefined ? [] : ['--annotate', '-m', message];
  await runGit([...commitConfig, 'tag', ...annotation, tag, ref], { cwd: repoPath });
  return runGit(['rev-parse', `refs/tags/${tag}^{commit}`], { cwd: repoPath });
}
