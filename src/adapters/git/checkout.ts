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
export async function writeCommitTree(
  git: GitRunner,
  mirror: string,
  sha: string,
  dest: string,
): Promise<void> {
  const parent = dirname(dest);
  await mkdir(parent, { recursive: true });
  const temp = await mkdtemp(join(parent, `.tmp-${sha.slice(0, 12)}-`));
  // Outside the tree, so the index never becomes one of its files.
  const index = `${temp}.index`;
  const env = { GIT_INDEX_FILE: index };
  try {
    await git([`--git-dir=${mirror}`, 'read-tree', sha], env);
    await git([`--git-dir=${mirror}`, `--work-tree=${temp}`, 'checkout-index', '--all', '--force'], env);
    try {
      await rename(temp, dest);
    } catch (error) {
      // Another process finished the same commit first: its copy is just as good.
      if (!(await isDirectory(dest))) throw error;
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
    await rm(index, { force: true });
  }
}
