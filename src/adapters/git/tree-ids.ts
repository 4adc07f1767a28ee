// Tree ids of folders at a commit (`git cat-file --batch-check`, one process for many paths), and
// the two ways the repo cache shares work between reconciles of one repository: a listing of
// the remote's refs asked for while another waits for the repository's lock is the same
// listing, and paths asked for while a lookup waits are looked up in the same process.
import { treePath } from '../../core/webhook/push-lanes.ts';

export { treePath };

/** The lines `git cat-file --batch-check` is given: the commit itself first, then each path. */
export function batchCheckInput(commit: string, paths: readonly string[]): string {
  return `${[commit, ...paths.map((path) => `${commit}:${path}`)].join('\n')}\n`;
}

/**
 * Reads `--batch-check=%(objectname) %(objecttype)` output for `batchCheckInput`: whether the
 * commit is known, and each path's tree id (undefined: missing, or not a folder, e.g. a
 * symlink, whose target Git does not follow).
 */
export function parseBatchCheck(
  output: string,
  paths: readonly string[],
): { commitKnown: boolean; trees: Map<string, string | undefined> } {
  const lines = output.split('\n');
  const tree = (line: string | undefined) => {
    const [id, type] = (line ?? '').split(' ');
    return type === 'tree' && /^[0-9a-f]{40,64}$/.test(id) ? id : undefined;
  };
  const commitKnown = (lines[0] ?? '').split(' ')[1] === 'commit';
  return { commitKnown, trees: new Map(paths.map((path, i) => [path, tree(lines[i + 1])])) };
}

/**
 * Work shared by the callers that ask for it before it starts: the first call queues a task
 * (behind the repository's lock), later calls with the same key join it until it starts, adding
 * their items. Every caller gets a result taken after its call, never an older one.
 */
export class SharedRuns<T> {
  readonly #open = new Map<string, { items: Set<string>; result: Promise<T> }>();

  run(
    key: string,
    items: readonly string[],
    schedule: (task: () => Promise<T>) => Promise<T>,
    task: (items: string[]) => Promise<T>,
  ): Promise<T> {
    const open = this.#open.get(key);
    if (open) {
      for (const item of items) open.items.add(item);
      return open.result;
    }
    const entry = { items: new Set(items), result: Promise.resolve() as Promise<T> };
    entry.result = schedule(() => {
      // Started: later callers open a new run, so they see what happens after their call.
      if (this.#open.get(key) === entry) this.#open.delete(key);
      return task([...entry.items]);
    });
    this.#open.set(key, entry);
    return entry.result;
  }
}

/** Tree ids by (repository, commit), the most recently used kept; a commit never changes. */
export class TreeIdMemo {
  readonly #commits = new Map<string, Map<string, string | undefined>>();
  readonly #max: number;

  constructor(maxCommits = 64) {
    this.#max = maxCommits;
  }

  get(key: string, path: string): string | undefined | null {
    const trees = this.#commits.get(key);
    if (!trees?.has(path)) return null;
    return trees.get(path);
  }

  /** The tree ids known for a commit (its folders' checkouts are kept while it is the latest). */
  treeIdsOf(key: string): string[] {
    return [...(this.#commits.get(key)?.values() ?? [])].filter((id): id is string => id !== undefined);
  }

  add(key: string, trees: ReadonlyMap<string, string | undefined>): void {
    const known = this.#commits.get(key) ?? new Map<string, string | undefined>();
    this.#commits.delete(key);
    for (const [path, id] of trees) known.set(path, id);
    this.#commits.set(key, known);
    while (this.#commits.size > this.#max) this.#commits.delete(this.#commits.keys().next().value as string);
  }
}
