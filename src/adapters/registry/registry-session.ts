// How the registry client talks to one registry: a request of a repository's scope, the
// authentication a 401 asks for (a Bearer token per scope from the token service, or Basic,
// remembered per origin), and retries with backoff and Retry-After on 429, 5xx and network
// errors. Errors name the registry and the repository, never a credential.
import { mayReceiveCredentials, parseChallenge } from './auth.ts';
import { type HttpResponse, httpFetch, RegistryHttpError } from './http.ts';
import {
  basicHeader,
  parseJson,
  type RegistryClientOptions,
  RegistryError,
  type RegistryStats,
  retryAfterMs,
} from './protocol.ts';

/**
 * Origins that answered a Basic challenge: later clients of the same origin send the credentials
 * with the first request (to that origin only), so a scan is one request per tag list, not two.
 */
const basicOrigins = new Set<string>();

export function forgetBasicOrigins(): void {
  basicOrigins.clear();
}

export class RegistrySession {
  readonly origin: string;
  readonly #options: RegistryClientOptions;
  /** The client's counters: tokens fetched and retries are counted here. */
  readonly #stats: RegistryStats;
  /** scope → bearer token (with its expiry). */
  readonly #tokens = new Map<string, { value: string; until: number }>();
  #basic = false;

  constructor(options: RegistryClientOptions, stats: RegistryStats) {
    this.#options = options;
    this.#stats = stats;
    this.origin = `${options.insecureHttp ? 'http' : 'https'}://${options.registry}`;
    this.#basic = basicOrigins.has(this.origin);
  }

  async get(
    repository: string,
    path: string,
    headers: Record<string, string>,
    method: 'GET' | 'HEAD' = 'GET',
    maxBytes?: number,
  ): Promise<HttpResponse> {
    const scope = `repository:${repository}:pull`;
    const url = `${this.origin}${path}`;
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
      authorization: value ? { origin: this.origin, value } : undefined,
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
      if (credentials) basicOrigins.add(this.origin);
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
    const sendCredentials = credentials !== undefined && mayReceiveCredentials(this.origin, realm);
    this.#stats.tokens++;
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
      this.#stats.retries++;
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
