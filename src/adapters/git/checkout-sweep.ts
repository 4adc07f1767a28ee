// Removes the checkouts nobody needs any more, so a controller that follows a busy monorepo for
// months does not fill its disk with one folder per commit and per folder tree. Kept: checkouts
// leased now (a render reads them), those used within the grace period (a caller of `checkout`
// that holds no lease reads right after the call), the protected ones (the latest commit of each
// tracked revision, and its folders); of the rest, those unused past the maximum age go, then the
// least recently used past the maximum count of their kind.
//
// Only the cache's own names are removed (checkout-layout.ts), found with lstat: a symbolic link,
// wherever it stands and wherever it points, is never followed nor deleted, and a checkout's own
// links (a hostile repository may hold `x -> /`) are unlinked as links by the recursive removal.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CheckoutKind,
  COMMITS,
  checkoutId,
  FOLDERS,
  isRepoKey,
  isTempName,
  isTrashName,
  TRASH,
} from './checkout-layout.ts';
import type { CheckoutLeases } from './checkout-leases.ts';

export type SweepPolicy = {
  /** A checkout unused for longer goes (unless leased or protected). */
  maxAgeMs: number;
  /** At most this many whole-commit checkouts stay, beyond those leased or protected. */
  maxCommits: number;
  /** Likewise for folder checkouts (small: a few files each). */
  maxFolders: number;
  /** A checkout used more recently stays whatever the limits. */
  graceMs: number;
  /** A temporary tree older than this was left by a crash or a killed `git`. */
  staleTempMs: number;
};

export type CheckoutEntry = {
  kind: CheckoutKind;
  path: string;
  repoKey: string;
  /** Commit id (commit) or tree id (folder). */
  id: string;
  /** Epoch ms of the last use this process saw, else of the folder's last change on disk. */
  lastUsed: number;
};

export type SweepReport = { kept: number; removed: number; temps: number };

/** Which entries to remove; pure. `keep` says which are leased or protected. */
export function chooseRemovals(
  entries: readonly CheckoutEntry[],
  policy: SweepPolicy,
  now: number,
  keep: (entry: CheckoutEntry) => boolean,
): CheckoutEntry[] {
  const removals: CheckoutEntry[] = [];
  for (const kind of ['commit', 'folder'] as const) {
    const all = entries.filter((entry) => entry.kind === kind);
    const max = kind === 'commit' ? policy.maxCommits : policy.maxFolders;
    let excess = all.length - max;
    const removable = all
      .filter((entry) => now - entry.lastUsed >= policy.graceMs && !keep(entry))
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const entry of removable) {
      if (excess > 0 || now - entry.lastUsed > policy.maxAgeMs) {
        removals.push(entry);
        excess--;
      }
    }
  }
  return removals;
}

export type SweepDeps = {
  root: string;
  policy: SweepPolicy;
  leases: CheckoutLeases;
  isProtected: (entry: CheckoutEntry) => boolean;
  now?: () => number;
};

export async function sweepCheckouts(deps: SweepDeps): Promise<SweepReport> {
  const now = deps.now ?? Date.now;
  const { entries, temps } = await listCheckouts(deps.root, deps.leases, now());
  const choose = chooseRemovals(
    entries,
    deps.policy,
    now(),
    (entry) => deps.leases.inUse(entry.path) || deps.isProtected(entry),
  );
  let removed = 0;
  for (const entry of choose)
    if (await deps.leases.removeUnlessUsed(entry.path, () => discard(deps.root, entry.path))) removed++;
  let tempsRemoved = 0;
  for (const temp of temps) {
    if (now() - temp.changed <= deps.policy.staleTempMs) continue;
    await rm(temp.path, { recursive: true, force: true });
    tempsRemoved++;
  }
  // Left by a removal that was interrupted (the process stopped in the middle).
  const trash = join(deps.root, TRASH);
  for (const name of await ownDirectories(trash, isTrashName))
    await rm(join(trash, name), { recursive: true, force: true });
  return { kept: entries.length - removed, removed, temps: tempsRemoved };
}

/** Every checkout on disk with its last use, and the temporary trees beside them. */
export async function listCheckouts(
  root: string,
  leases: CheckoutLeases,
  now: number,
): Promise<{ entries: CheckoutEntry[]; temps: { path: string; changed: number }[] }> {
  const entries: CheckoutEntry[] = [];
  const temps: { path: string; changed: number }[] = [];
  for (const [kind, folder] of [
    ['commit', COMMITS],
    ['folder', FOLDERS],
  ] as const) {
    for (const repoKey of await ownDirectories(join(root, folder), isRepoKey)) {
      const parent = join(root, folder, repoKey);
      for (const name of await ownEntries(parent)) {
        const path = join(parent, name);
        const stats = await lstat(path).catch(() => undefined);
        if (!stats) continue;
        if (isTempName(name) && (stats.isDirectory() || stats.isFile())) {
          temps.push({ path, changed: stats.mtimeMs });
          continue;
        }
        const id = checkoutId(kind, name);
        if (id === undefined || !stats.isDirectory()) continue;
        const lastUsed = leases.lastUsed(path) ?? Math.min(stats.mtimeMs, now);
        entries.push({ kind, path, repoKey, id, lastUsed });
      }
    }
  }
  return { entries, temps };
}

/** Renamed out of sight first (one step), then deleted: a reader never finds half a tree. */
async function discard(root: string, path: string): Promise<void> {
  const trash = join(root, TRASH);
  await mkdir(trash, { recursive: true });
  const target = join(trash, randomBytes(8).toString('hex'));
  try {
    await rename(path, target);
  } catch (error) {
    // Gone already (removed by hand): nothing to do; anything else is the sweep's failure.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  await rm(target, { recursive: true, force: true });
}

/** Names of real folders (not links) under `dir` that `accept` recognises; none if `dir` is not one. */
async function ownDirectories(dir: string, accept: (name: string) => boolean): Promise<string[]> {
  const stats = await lstat(dir).catch(() => undefined);
  if (!stats?.isDirectory()) return [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory() && accept(entry.name)).map((entry) => entry.name);
}

async function ownEntries(dir: string): Promise<string[]> {
  const stats = await lstat(dir).catch(() => undefined);
  if (!stats?.isDirectory()) return [];
  return readdir(dir).catch(() => []);
}
