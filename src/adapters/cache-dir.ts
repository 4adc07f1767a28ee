// The folder a process keeps Git mirrors, checkouts and rendered output in. It holds every
// tenant's repositories, so it must be private to this process's user: a fixed name under /tmp
// could be created first (or linked elsewhere) by any local user, and read by all.
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface CacheDir {
  path: string;
  /** Made for this process (no folder was given): removed when the process is done with it. */
  temporary: boolean;
  remove(): void;
}

export class CacheDirError extends Error {
  override name = 'CacheDirError';
}

/**
 * The given folder, else a fresh private folder under the system temp dir. A given folder of
 * this user's is made 0700; one that belongs to someone else (a Pod's emptyDir owned by root,
 * /tmp) gets a private subfolder `tiphys-<uid>`, refused when someone else made it first.
 */
export function prepareCacheDir(
  given: string | undefined,
  purpose: string,
  options: { uid?: number } = {},
): CacheDir {
  if (given === undefined || given === '') {
    const path = mkdtempSync(join(tmpdir(), `tiphys-${purpose}-`));
    return { path, temporary: true, remove: () => rmSync(path, { recursive: true, force: true }) };
  }
  const uid = options.uid ?? process.getuid?.() ?? 0;
  const base = resolve(given);
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const stats = statSync(base);
  if (!stats.isDirectory()) throw new CacheDirError(`cache folder ${base} is not a folder`);
  if (stats.uid === uid) {
    if ((stats.mode & 0o077) !== 0) chmodSync(base, 0o700);
    return { path: base, temporary: false, remove: () => {} };
  }
  const path = join(base, `tiphys-${uid}`);
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // lstat: a symlink planted under that name must not lead the cache elsewhere.
  const own = lstatSync(path);
  if (!own.isDirectory() || own.uid !== uid || (own.mode & 0o077) !== 0) {
    throw new CacheDirError(
      `cache folder ${path} exists and is not a private folder of this user (uid ${uid}); remove it or give another --cache-dir`,
    );
  }
  return { path, temporary: false, remove: () => {} };
}
