// Where checkouts live under the cache folder, and the exact names the repo cache writes there.
// The sweep removes only entries whose names match these formats: whatever else is found (a file
// an operator left, a name a bug or an attacker made) is not the cache's, so it is left alone.
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** Whole commits: `checkouts/<repository key>/<commit id>`. */
export const COMMITS = 'checkouts';
/** One folder of a commit: `folders/<repository key>/<tree id>-<path hash>`. */
export const FOLDERS = 'folders';
/** Checkouts being removed: renamed here first, so none is ever seen half deleted. */
export const TRASH = 'trash';

export type CheckoutKind = 'commit' | 'folder';

/** parseRepoURL's key: a sha256 in hex. */
const REPO_KEY = /^[0-9a-f]{64}$/;
const COMMIT_NAME = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const FOLDER_NAME = /^([0-9a-f]{40,64})-[0-9a-f]{16}$/;
/** checkout.ts's temporary trees (mkdtemp: six letters or digits) and their index files. */
const TEMP_NAME = /^\.tmp-[0-9a-f]{1,12}-[A-Za-z0-9]{6}(?:\.index)?$/;
const TRASH_NAME = /^[0-9a-f]{16}$/;

export function commitCheckoutDir(root: string, repoKey: string, sha: string): string {
  return join(root, COMMITS, repoKey, sha);
}

/** `path` normalised (treePath); the hash keeps equal trees at different paths apart. */
export function folderCheckoutDir(root: string, repoKey: string, treeId: string, path: string): string {
  const where = createHash('sha256').update(path).digest('hex').slice(0, 16);
  return join(root, FOLDERS, repoKey, `${treeId}-${where}`);
}

export function isRepoKey(name: string): boolean {
  return REPO_KEY.test(name);
}

/** The commit id (commit) or tree id (folder) an entry's name holds; undefined: not ours. */
export function checkoutId(kind: CheckoutKind, name: string): string | undefined {
  if (kind === 'commit') return COMMIT_NAME.test(name) ? name : undefined;
  return FOLDER_NAME.exec(name)?.[1];
}

export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

export function isTrashName(name: string): boolean {
  return TRASH_NAME.test(name);
}
