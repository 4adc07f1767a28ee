// The one client of the OCI distribution API: image automation (tags paginated by Link headers,
// manifests and indexes, config blobs for creation times), OCI charts and OCI artifacts (a
// manifest's exact bytes and a blob, each checked against its digest, under a size cap). Retries
// with backoff and Retry-After on 429, 5xx and network errors. What cannot change is cached: a
// manifest or config blob by digest, and so an image's creation time; a tag's digest is asked
// again (tags move). Its vocabulary and pure helpers are in protocol.ts.
import { mayReceiveCredentials, parseChallenge } from './auth.ts';
import { type HttpResponse, httpFetch, RegistryHttpError } from './http.ts';
import {
  basicHeader,
  MANIFEST_TYPES,
  type Manifest,
  nextLink,
  parseJson,
  type RegistryClientOptions,
  RegistryError,
  type RegistryStats,
  retryAfterMs,
  sha256Of,
} from './protocol.ts';

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
/**
 * Origins that answered a Basic challenge: later clients of the same origin send the credentials
 * with the first request (to that origin only), so a scan is one request per tag list, not two.
 */
const basicOrigins = new Set<string>();

/** Forget the process-wide caches (tests and benches measuring a cold scan). */
export function clearRegistryCaches(): void {
  immutable.manifests.clear();
  immutable.created.clear();
  basicOrigins.clear();
}

export class RegistryClient {
  readonly stats: RegistryStats = { tagPages: 0, manifests: 0, heads: 0, blobs: 0, tokens: 0, retries: 0 };
  readonly #options: RegistryClientOptions;
  readonly #origin: string;
  /** scope → bearer token (with its expiry). */
  readonly #tokens = new Map<string, { value: string; until: number }>();
  #basic = false;

  constructor(options: RegistryClientOptions) {
    this.#options = options;
    this.#origin = `${options.insecureHttp ? 'http' : 'https'}://${options.registry}`;
    this.#basic = basicOrigins.has(this.#origin);
  }

  /** Every tag of a repository, following `Link: <…>; rel="next"` pages. */
  async listTags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repository}/tags/list?n=${this.#options.pageSize ?? 1000}`;
    for (let page = 0; path && page < 1000; page++) {
      this.stats.tagPages++;
      const response = await this.#get(repository, path, { accept: 'application/json' });
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
    const response = await this.#get(
      repository,
      `/v2/${repository}/manifests/${encodeURIComponent(tag)}`,
      { accept: MANIFEST_TYPES.join(', ') },
      'HEAD',
    );
    const digest = response.headers['docker-content-digest'];
    if (typeof digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(digest)) return digest;
    this.stats.manifests++;
    const full = await this.#get(repository, `/v2/${repository}/manifests/${encodeURIComponent(tag)}`, {
      accept: MANIFEST_TYPES.join(', '),
    });
    return sha256Of(full.body);
  }

  /** A manifest or index by digest (cached: a digest names one content forever). */
  async manifest(repository: string, digest: string): Promise<Manifest> {
    const key = `${this.#origin}/${repository}@${digest}`;
    const cached = immutable.manifests.get(key);
    if (cached) return cached;
    this.stats.manifests++;
    const response = await this.#get(repository, `/v2/${repository}/manifests/${digest}`, {
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
    const response = await this.#get(
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
    const response = await this.#get(repository, `/v2/${repository}/blobs/${digest}`, {}, 'GET', maxBytes);
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
      const response = await this.#get(repository, `/v2/${repository}/blobs/${manifest.config.digest}`, {});
      const config = parseJson(response, 'image config') as { created?: unknown };
      const time = typeof config.created === 'string' ? Date.parse(config.created) : Number.NaN;
      created = Number.isNaN(time) ? undefined : time;
    }
    immutable.created.set(key, created ?? null);
    return created;
  }

  async #get(
    repository: string,
    path: string,
    headers: Record<string, string>,
    method: 'GET' | 'HEAD' = 'GET',
    maxBytes?: number,
  ): Promise<HttpResponse> {
    const scope = `repository:${repository}:pull`;
    const url = `${this.#origin}${path}`;
    let response = await this.#retrying(() => this.#send(url, headers, method, scope, maxBytes));
    if (response.status === 401) {
      await this.#authenticate(response, scope);
      response = await this.#retrying(() => this.#send(url, headers, method, scope, maxBytes));
    }
    if (response.status >= 200 && response.status < 300) return response;
    const where = `${this.#options.registry}/${repository}`;
    if (response.status === 401 || response.status === 403)
      throw new RegistryError(
        `registry ${this.#options.registry} refused the credentials (HTTP ${response.status}) for ${repository}: ${this.#options.credentials ? 'check the credentials Secret' : 'no credentials were given'}`,
        { status: response.status, terminal: true },
      );
    if (response.status === 404)
      throw new RegistryError(`${where}: not found (${path.split('?')[0]})`, { status: 404, terminal: true });
    throw new RegistryError(`${where}: the registry answered ${response.status}`, {
      status: response.status,
    });
  }

  #send(
    url: string,
    headers: Record<string, string>,
    method: 'GET' | 'HEAD',
    scope: string,
    maxBytes?: number,
  ): Promise<HttpResponse> {
    const token = this.#tokens.get(scope);
    const value =
      token && token.until > Date.now()
        ? `Bearer ${token.value}`
        : this.#basic && this.#options.credentials
          ? basicHeader(this.#options.credentials)
          : undefined;
    return httpFetch(url, {
      method,
      headers,
      authorization: value ? { origin: this.#origin, value } : undefined,
      ca: this.#options.ca,
      timeoutMs: this.#options.timeoutMs,
      maxBytes,
    });
  }

  async #authenticate(response: HttpResponse, scope: string): Promise<void> {
    const challenge = parseChallenge(response.headers['www-authenticate']);
    const credentials = this.#options.credentials;
    if (!challenge) return;
    if (challenge.scheme === 'basic') {
      this.#basic = Boolean(credentials);
      if (credentials) basicOrigins.add(this.#origin);
      return;
    }
    const realm = challenge.params.realm;
    if (!realm)
      throw new RegistryError(`registry ${this.#options.registry}: a Bearer challenge without a realm`, {
        terminal: true,
      });
    const tokenURL = new URL(realm);
    if (challenge.params.service) tokenURL.searchParams.set('service', challenge.params.service);
    tokenURL.searchParams.set('scope', challenge.params.scope ?? scope);
    const sendCredentials = credentials !== undefined && mayReceiveCredentials(this.#origin, realm);
    this.stats.tokens++;
    const answer = await this.#retrying(() =>
      httpFetch(tokenURL.toString(), {
        headers: { accept: 'application/json' },
        authorization: sendCredentials
          ? { origin: tokenURL.origin, value: basicHeader(credentials) }
          : undefined,
        ca: this.#options.ca,
        timeoutMs: this.#options.timeoutMs,
      }),
    );
    if (answer.status === 401 || answer.status === 403)
      throw new RegistryError(
        `token service of ${this.#options.registry} refused the credentials (${answer.status})`,
        {
          status: answer.status,
          terminal: true,
        },
      );
    if (answer.status !== 200)
      throw new RegistryError(`token service of ${this.#options.registry} answered ${answer.status}`, {
        status: answer.status,
      });
    const body = parseJson(answer, 'token') as {
      token?: unknown;
      access_token?: unknown;
      expires_in?: unknown;
    };
    const value =
      typeof body.token === 'string'
        ? body.token
        : typeof body.access_token === 'string'
          ? body.access_token
          : undefined;
    if (!value)
      throw new RegistryError(`token service of ${this.#options.registry} sent no token`, { terminal: true });
    const seconds = typeof body.expires_in === 'number' ? body.expires_in : 60;
    this.#tokens.set(scope, { value, until: Date.now() + Math.max(10, seconds - 10) * 1000 });
  }

  async #retrying(call: () => Promise<HttpResponse>): Promise<HttpResponse> {
    const attempts = this.#options.maxAttempts ?? 4;
    const sleep =
      this.#options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let attempt = 1; ; attempt++) {
      let response: HttpResponse | undefined;
      let failure: unknown;
      try {
        response = await call();
      } catch (error) {
        // An answer over the size cap is the same on every try.
        if (error instanceof RegistryHttpError && error.terminal)
          throw new RegistryError(`registry ${this.#options.registry}: ${error.message}`, {
            terminal: true,
            cause: error,
          });
        failure = error;
      }
      const retryable =
        failure !== undefined || (response && (response.status === 429 || response.status >= 500));
      if (!retryable && response) return response;
      if (attempt >= attempts) {
        if (response) return response;
        throw new RegistryError(
          `registry ${this.#options.registry} unreachable: ${(failure as Error).message}`,
          { cause: failure },
        );
      }
      this.stats.retries++;
      const backoff = (this.#options.backoffMs ?? 500) * 2 ** (attempt - 1);
      await sleep(
        Math.min(
          retryAfterMs(response?.headers['retry-after']) ?? backoff,
          this.#options.maxRetryAfterMs ?? 30_000,
        ),
      );
    }
  }
}
