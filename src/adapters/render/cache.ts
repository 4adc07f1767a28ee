import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { RenderResult, RenderSource } from './types.ts';

/** Everything that decides a render's output. */
export interface RenderCacheKeyInput {
  repoURL: string;
  commit: string;
  path: string;
  source: RenderSource & { allowEmpty?: boolean };
  /** The default helm release name. */
  appName: string;
  namespace?: string;
  kubeVersion?: string;
  /** Ref sources whose files helm value files read (`$REF/…`): name → repository@commit. */
  valueRefs?: Record<string, string>;
}

/**
 * The cache key of a render: repository, commit and path in clear (readable when debugging),
 * the options as a hash of their canonical JSON so that key order and absent-vs-undefined
 * fields do not make two equal requests miss each other.
 */
export function renderCacheKey(input: RenderCacheKeyInput): string {
  const options = canonicalJson({
    source: input.source,
    appName: input.appName,
    namespace: input.namespace,
    kubeVersion: input.kubeVersion,
    valueRefs: input.valueRefs,
  });
  const hash = createHash('sha256').update(options).digest('hex');
  const path = posix.normalize(input.path || '.').replace(/\/+$/, '') || '.';
  return JSON.stringify([input.repoURL, input.commit, path, hash]);
}

/**
 * The key of a render by the app path's Git tree instead of its commit: only for renders that
 * read nothing outside the path (`RenderResult.selfContained`), so equal trees render equally.
 */
export function treeRenderKey(commitKey: string, treeId: string): string {
  const [repoURL, , path, hash] = JSON.parse(commitKey) as string[];
  return JSON.stringify([repoURL, `tree:${treeId}`, path, hash]);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const fields = Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Renders by key, least recently used first out. Results are deep-frozen: every caller shares
 * the same objects, so one that wants to change them must clone (structuredClone) first.
 */
export class RenderCache {
  readonly maxEntries: number;
  hits = 0;
  misses = 0;
  #entries = new Map<string, RenderResult>();
  /** Renders under way, so that concurrent requests for one key run the tool once. */
  #pending = new Map<string, Promise<RenderResult>>();

  constructor(maxEntries = 256) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be >= 1');
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): RenderResult | undefined {
    const result = this.#entries.get(key);
    if (result !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as the most recently used.
      this.#entries.delete(key);
      this.#entries.set(key, result);
    }
    return result;
  }

  set(key: string, result: RenderResult): RenderResult {
    const frozen = deepFreeze(result);
    this.#entries.delete(key);
    this.#entries.set(key, frozen);
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    return frozen;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** The cached result, or render's result (cached). Failed renders are not cached. */
  async getOrRender(key: string, render: () => Promise<RenderResult>): Promise<RenderResult> {
    const cached = this.get(key);
    if (cached !== undefined) {
      this.hits++;
      return cached;
    }
    const pending = this.#pending.get(key);
    if (pending !== undefined) {
      this.hits++;
      return pending;
    }
    this.misses++;
    const run = render().then((result) => this.set(key, result));
    this.#pending.set(key, run);
    try {
      return await run;
    } finally {
      this.#pending.delete(key);
    }
  }
}

/** `cache.getOrRender(key, render)`, as a function. */
export function cachedRender(
  cache: RenderCache,
  key: string,
  render: () => Promise<RenderResult>,
): Promise<RenderResult> {
  return cache.getOrRender(key, render);
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const field of Object.values(value)) deepFreeze(field);
  return Object.freeze(value);
}
