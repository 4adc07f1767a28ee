// Writes the files of one commit into a folder that appears all at once: built in a temporary
// sibling, then renamed, so a reader never sees half a tree and a crash leaves only a `.tmp-*`.
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Runs `git args…` with extra environment variables. */
export type GitRunner = (args: string[], env?: Record<string, string>) => Promise<string>;

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Fills `dest` with the tree of `sha` from a bare mirror. `read-tree` + `checkout-index` into a
 * private index file rather than `git archive`: archive applies export-ignore/export-subst and
 * would not give the exact files. Symlinks stay symlinks, as Git writes them; the renderer
 * decides whether one may be followed.
 */
export function writeCommitTree(git: GitRunner, mirror: string, sha: string, dest: string): Promise<void> {
  return writeIndexedTree(git, mirror, ['read-tree', sha], sha, dest);
}

/**
 * Fills `dest` with one folder of a commit: the tree `treeId` (that folder's, see treeIds)
 * written at `path` (normalised, repository-relative, '' for the root), so a render of `path`
 * finds its files where a whole checkout has them, and nothing else is written.
 */
export function writeFolderTree(
  git: GitRunner,
  mirror: string,
  treeId: string,
  path: string,
  dest: string,
): Promise<void> {
  const read = path === '' ? ['read-tree', treeId] : ['read-tree', `--prefix=${path}/`, treeId];
  return writeIndexedTree(git, mirror, read, treeId, dest);
}

async function writeIndexedTree(
  git: GitRunner,
  mirror: string,
  readTree: string[],
  id: string,
  dest: string,
): Promise<void> {
  const parent = dirname(dest);
  await mkdir(parent, { recursive: true });
  const temp = await mkdtemp(join(parent, `.tmp-${id.slice(0, 12)}-`));
  // Outside the tree, so the index never becomes one of its files.
  const index = `${temp}.index`;
  const env = { GIT_INDEX_FILE: index };
  try {
    // A work tree even for read-tree: with --prefix, Git refuses to run in a bare repository.
    await git([`--git-dir=${mirror}`, `--work-tree=${temp}`, ...readTree], env);
    await git([`--git-dir=${mirror}`, `--work-tree=${temp}`, 'checkout-index', '--all', '--force'], env);
    try {
      await rename(temp, dest);
    } catch (error) {
      // Another process finished the same tree first: its copy is just as good.
      if (!(await isDirectory(dest))) throw error;
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
    await rm(index, { force: true });
  }
}
