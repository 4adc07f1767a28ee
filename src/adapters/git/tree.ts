// The folders and files of a checked-out commit, for ApplicationSet Git generators. A checkout
// is a tenant's tree: symbolic links are never followed (a link to /etc would otherwise read the
// controller's disk), and files are read with a size cap.
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Bigger generator files are refused: they are parameter lists, not data sets. */
export const MAX_GENERATOR_FILE_BYTES = 1024 * 1024;
/** Entries walked at most, so a huge monorepo cannot stall a reconcile. */
const MAX_ENTRIES = 200_000;

export interface CheckoutTree {
  directories: string[];
  files: string[];
  read(path: string): Promise<string>;
}

export async function readCheckoutTree(root: string): Promise<CheckoutTree> {
  const directories: string[] = [];
  const files: string[] = [];
  const pending = [''];
  let seen = 0;
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
      if (++seen > MAX_ENTRIES)
        throw new Error(`the repository has more than ${MAX_ENTRIES} files and folders`);
      if (entry.name === '.git') continue;
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        directories.push(path);
        pending.push(path);
      } else if (entry.isFile()) files.push(path);
    }
  }
  directories.sort();
  files.sort();
  const known = new Set(files);
  return {
    directories,
    files,
    async read(path) {
      if (!known.has(path)) throw new Error(`${path}: no such file in the commit`);
      const full = join(root, path);
      const info = await lstat(full);
      if (!info.isFile()) throw new Error(`${path}: not a regular file`);
      if (info.size > MAX_GENERATOR_FILE_BYTES) {
        throw new Error(
          `${path}: ${info.size} bytes, more than the ${MAX_GENERATOR_FILE_BYTES} a generator file may have`,
        );
      }
      return readFile(full, 'utf8');
    },
  };
}
