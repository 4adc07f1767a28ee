// The one client of the OCI distribution API: image automation (tags paginated by Link headers,
// manifests and indexes, config blobs for creation times), OCI charts and OCI artifacts (a
// manifest's exact bytes and a blob, each checked against its digest, under a size cap). Retries
// with backoff and Retry-After on 429, 5xx and network errors. What cannot change is cached: a
// manifest or config blob by digest, and so an image's creation time; a tag's digest is asked
// again (tags move). Its vocabulary and pure helpers are in protocol.ts; authentication and
// retries in registry-session.ts.
import {
  MANIFEST_TYPES,
  type Manifest,
  nextLink,
  parseJson,
  type RegistryClientOptions,
  RegistryError,
  type RegistryStats,
  sha256Of,
} from './protocol.ts';
import { forgetBasicOrigins, RegistrySession } from './registry-session.ts';

export {
  MANIFEST_TYPES,
  type Manifest,
  nextLink,
  type RegistryClientOptions,
  type RegistryCredentials,
  RegistryError,
  type RegistryStats,
} from './protocol.ts';

const immutable = {
  manifests: new Map<string, Manifest>(),
  created: new Map<string, number | null>(),
};

/** Forget the process-wide caches (tests and benches measuring a cold scan). */
export function clearRegistryCaches(): void {
  immutable.manifests.clear();
  immutable.created.clear();
  forgetBasicOrigins();
}

export class RegistryClient {
  readonly stats: RegistryStats = { tagPages: 0, manifests: 0, heads: 0, blobs: 0, tokens: 0, retries: 0 };
  readonly #options: RegistryClientOptions;
  readonly #origin: string;
  readonly #session: RegistrySession;

  constructor(options: RegistryClientOptions) {
    this.#options = options;
    this.#session = new RegistrySession(options, this.stats);
    this.#origin = this.#session.origin;
  }

  /** Every tag of a repository, following `Link: <…>; rel="next"` pages. */
  async listTags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repository}/tags/list?n=${this.#options.pageSize ?? 1000}`;
    for (let page = 0; path && page < 1000; page++) {
      this.stats.tagPages++;
      const response = await this.#session.get(repository, path, { accept: 'application/json' });
      const body = parseJson(response, 'tag list') as { tags?: unknown };
      for (const tag of Array.isArray(body.tags) ? body.tags : [])
        if (typeof tag === 'string') tags.push(tag);
      path = nextLink(response.headers.link, this.#origin);
    }
    return tags;
  }

  /** The digest a tag points to now (HEAD, falling back to GET when the registry sends none). */
  async tagDigest(repository: string, tag: string): Promise<string> {
    this.stats.heads++;
    const response = await this.#session.get(
      repository,
      `/v2/${repository}/manifests/${encodeURIComponent(tag)}`,
      { accept: MANIFEST_TYPES.join(', ') },
      'HEAD',
    );
    const digest = response.headers['docker-content-digest'];
    if (typeof digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(digest)) return digest;
    this.stats.manifests++;
    const full = await this.#session.get(
      repository,
      `/v2/${repository}/manifests/${encodeURIComponent(tag)}`,
      {
        accept: MANIFEST_TYPES.join(', '),
      },
    );
    return sha256Of(full.body);
  }

  /** A manifest or index by digest (cached: a digest names one content forever). */
  async manifest(repository: string, digest: string): Promise<Manifest> {
    const key = `${this.#origin}/${repository}@${digest}`;
    const cached = immutable.manifests.get(key);
    if (cached) return cached;
    this.stats.manifests++;
    const response = await this.#session.get(repository, `/v2/${repository}/manifests/${digest}`, {
      accept: MANIFEST_TYPES.join(', '),
    });
    const manifest = parseJson(response, 'manifest') as Manifest;
    immutable.manifests.set(key, manifest);
    return manifest;
  }

  /**
   * A manifest's exact bytes by tag or digest, and their digest (computed here, never taken from
   * the registry's header). Asked by digest, bytes of another digest are refused. Not cached: a
   * tag moves.
   */
  async manifestBytes(
    repository: string,
    reference: string,
    maxBytes = 4 * 1024 * 1024,
  ): Promise<{ bytes: Buffer; digest: string }> {
    this.stats.manifests++;
    const response = await this.#session.get(
      repository,
      `/v2/${repository}/manifests/${encodeURIComponent(reference)}`,
      { accept: MANIFEST_TYPES.join(', ') },
      'GET',
      maxBytes,
    );
    const digest = sha256Of(response.body);
    if (reference.startsWith('sha256:') && digest !== reference)
      throw new RegistryError(
        `${this.#options.registry}/${repository}: the manifest sent for ${reference} has digest ${digest}; refused`,
        { terminal: true },
      );
    return { bytes: response.body, digest };
  }

  /** A blob, refused unless its bytes have `digest` (and, when given, `size`). */
  async blobBytes(repository: string, digest: string, maxBytes: number, size?: number): Promise<Buffer> {
    this.stats.blobs++;
    const response = await this.#session.get(
      repository,
      `/v2/${repository}/blobs/${digest}`,
      {},
      'GET',
      maxBytes,
    );
    const actual = sha256Of(response.body);
    if (actual !== digest || (size !== undefined && response.body.length !== size))
      throw new RegistryError(
        `${this.#options.registry}/${repository}: the blob sent for ${digest} has digest ${actual} (${response.body.length} bytes); refused`,
        { terminal: true },
      );
    return response.body;
  }

  /**
   * When the image a digest names was created (its config's `created`), in ms; for an index,
   * the linux/amd64 image's, else the first one's. undefined when the image does not say.
   */
  async createdAt(repository: string, digest: string): Promise<number | undefined> {
    const key = `${this.#origin}/${repository}@${digest}`;
    if (immutable.created.has(key)) return immutable.created.get(key) ?? undefined;
    let manifest = await this.manifest(repository, digest);
    if (manifest.manifests) {
      const images = manifest.manifests.filter((entry) => entry.platform?.os !== 'unknown');
      const chosen =
        images.find((entry) => entry.platform?.os === 'linux' && entry.platform.architecture === 'amd64') ??
        images[0];
      if (!chosen) return undefined;
      manifest = await this.manifest(repository, chosen.digest);
    }
    let created: number | undefined;
    if (manifest.config?.digest) {
      this.stats.blobs++;
      const response = await this.#session.get(
        repository,
        `/v2/${repository}/blobs/${manifest.config.digest}`,
        {},
      );
      const config = parseJson(response, 'image config') as { created?: unknown };
      const time = typeof config.created === 'string' ? Date.parse(config.created) : Number.NaN;
      created = Number.isNaN(time) ? undefined : time;
    }
    immutable.created.set(key, created ?? null);
    return created;
  }
}
