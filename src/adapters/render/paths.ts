import { readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { PathOutsideRepoError, RenderError } from './errors.ts';

/** Whether `target` (a real path) is `root` or lies below it. */
export function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** `target` relative to `root` with POSIX separators, for messages and parse errors. */
export function repoRelative(root: string, target: string): string {
  return relative(root, target).split(sep).join('/');
}

/**
 * Resolves a path the user wrote (app path, value file) against a base directory inside the
 * repository and returns its real path. Every prefix is resolved separately, so a symlink that
 * leaves the repository is refused even when a second symlink would lead back in: whatever lies
 * outside the checkout (the host's files, other tenants' repositories) must never be read.
 */
export async function resolveInsideRepo(
  repoRoot: string,
  base: string,
  userPath: string,
  what = 'path',
): Promise<string> {
  if (isAbsolute(userPath)) throw new PathOutsideRepoError(userPath, 'absolute paths are not allowed');
  const fromRoot = posix.normalize(posix.join(repoRelative(repoRoot, base) || '.', userPath));
  if (fromRoot === '..' || fromRoot.startsWith('../')) {
    throw new PathOutsideRepoError(userPath, "it climbs above the repository root with '..'");
  }
  const segments = fromRoot.split('/').filter((segment) => segment !== '' && segment !== '.');
  let real = repoRoot;
  for (let i = 0; i < segments.length; i++) {
    const prefix = segments.slice(0, i + 1).join('/');
    try {
      real = await realpath(join(repoRoot, ...segments.slice(0, i + 1)));
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw new RenderError(`${what} ${JSON.stringify(userPath)} does not exist in the repository`, {
          terminal: true,
          cause,
        });
      }
      throw new RenderError(`cannot resolve ${what} ${JSON.stringify(userPath)}: ${String(cause)}`, {
        terminal: false,
        cause,
      });
    }
    if (!isInside(repoRoot, real)) {
      throw new PathOutsideRepoError(userPath, `${prefix} is a symlink to ${real}`);
    }
  }
  return real;
}

/** Real path of a file found while walking the repository, refused when it leaves the repository. */
export async function realFileInsideRepo(repoRoot: string, file: string): Promise<string> {
  const real = await realpath(file);
  if (!isInside(repoRoot, real)) {
    const shown = repoRelative(repoRoot, file);
    throw new PathOutsideRepoError(shown, `${shown} is a symlink to ${real}`);
  }
  return real;
}

/** Entries scanned at most; a chart or kustomization bigger than this is not a config folder. */
const maxScannedEntries = 100_000;

/**
 * Refuses a tree holding a symlink that leads outside the repository. helm reads every file of
 * a chart (`.Files.Get`), so a chart must not be able to smuggle in, say, /etc/passwd. Dangling
 * symlinks are left alone: they read nothing.
 */
export async function assertNoEscapingSymlinks(repoRoot: string, dir: string): Promise<void> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  if (entries.length > maxScannedEntries) {
    throw new RenderError(
      `${repoRelative(repoRoot, dir) || '.'} holds more than ${maxScannedEntries} files`,
      {
        terminal: true,
      },
    );
  }
  for (const entry of entries) {
    if (!entry.isSymbolicLink()) continue;
    const file = join(entry.parentPath, entry.name);
    try {
      await realFileInsideRepo(repoRoot, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
  }
}

/** Whether the path exists as a regular file (after following symlinks). */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
