// A small JSON client of the Tiphys API server (docs/api.md) for the CLI: Bearer token, JSON in
// and out, and errors a person can act on. Built on node:http(s) rather than fetch because
// `--insecure` needs `rejectUnauthorized: false`, which fetch offers only through undici's Agent,
// not a dependency of Tiphys.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { CliError } from './output.ts';

export const NOT_LOGGED_IN = 'not logged in or token expired: run tiphys login';

/** An error answer of the API server: its status and its own message, mapped for a person. */
export class ApiError extends CliError {
  override name = 'ApiError';
  readonly status: number;
  readonly serverMessage: string;
  constructor(status: number, serverMessage: string, message: string) {
    super(message);
    this.status = status;
    this.serverMessage = serverMessage;
  }
}

/** What the CLI says for an error status: 401 and 403 get a hint, others the server's message. */
export function apiErrorMessage(status: number, serverMessage: string, server: string): string {
  if (status === 401) return `${NOT_LOGGED_IN} ${server}`;
  if (status === 403) return `permission denied: ${serverMessage}`;
  return serverMessage;
}

/** The `{error}` of a response body, else a short description of what came back instead. */
export function serverMessageOf(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed?.error === 'string' && parsed.error !== '') return parsed.error;
  } catch {}
  const text = body.replace(/\s+/g, ' ').trim().slice(0, 200);
  return `HTTP ${status}${text ? `: ${text}` : ''} (is this a Tiphys API server?)`;
}

export interface ApiClientOptions {
  server: string;
  token?: string;
  insecure?: boolean;
  timeoutMs?: number;
}

export interface ApiRequest {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  /** Return these statuses' bodies as errors the caller maps itself (login's 401 is not "log in"). */
  raw?: boolean;
}

export class ApiClient {
  readonly server: string;
  private readonly token: string | undefined;
  private readonly insecure: boolean;
  private readonly timeoutMs: number;
  private readonly agent: HttpAgent | HttpsAgent;

  constructor(options: ApiClientOptions) {
    this.server = options.server;
    this.token = options.token;
    this.insecure = options.insecure ?? false;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.agent = this.server.startsWith('http:')
      ? new HttpAgent({ keepAlive: true })
      : new HttpsAgent({ keepAlive: true, rejectUnauthorized: !this.insecure });
  }

  get<T>(path: string, query?: ApiRequest['query']): Promise<T> {
    return this.request<T>('GET', path, { query });
  }
  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, { body });
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }
  delete<T>(path: string, query?: ApiRequest['query']): Promise<T> {
    return this.request<T>('DELETE', path, { query });
  }

  /** Sends one request; resolves to the parsed JSON of a 2xx, throws an ApiError otherwise. */
  async request<T>(method: string, path: string, request: ApiRequest = {}): Promise<T> {
    const { status, body, location } = await this.send(method, path, request);
    if (status >= 200 && status < 300) {
      if (body === '') return {} as T;
      try {
        return JSON.parse(body) as T;
      } catch {
        throw new CliError(`${method} ${path}: ${this.server} answered with something other than JSON`);
      }
    }
    if (status >= 300 && status < 400) {
      // A redirect is an answer of its own (SSO's /auth/login); the API itself never redirects.
      return { redirect: location } as T;
    }
    const serverMessage = serverMessageOf(status, body);
    const message = request.raw ? serverMessage : apiErrorMessage(status, serverMessage, this.server);
    throw new ApiError(status, serverMessage, message);
  }

  /**
   * A GET whose answer is read as it arrives (`tiphys app logs -f`): resolves with the response
   * once it is a 2xx, else throws the ApiError request() would. No timeout: a followed log is
   * quiet for as long as the workload is.
   */
  stream(path: string, query: ApiRequest['query'] = {}): Promise<IncomingMessage> {
    const url = new URL(`${this.server}${path}`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/x-ndjson' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method: 'GET', headers, agent: this.agent }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve(res);
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const serverMessage = serverMessageOf(status, Buffer.concat(chunks).toString('utf8'));
          reject(new ApiError(status, serverMessage, apiErrorMessage(status, serverMessage, this.server)));
        });
      });
      req.on('error', (error) =>
        reject(new CliError(`cannot reach the Tiphys API server at ${this.server}: ${error.message}`)),
      );
      req.end();
    });
  }

  /** Frees the kept-alive connections, so a finished command exits at once. */
  close(): void {
    this.agent.destroy();
  }

  private send(
    method: string,
    path: string,
    request: ApiRequest,
  ): Promise<{ status: number; body: string; location?: string }> {
    const url = new URL(`${this.server}${path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.agent, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            location: res.headers.location,
          }),
        );
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs / 1000} s`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        const reason = error.code ? `${error.code} ${error.message}` : error.message;
        const hint = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(reason)
          ? ' (pass --insecure to tiphys login, or set TIPHYS_INSECURE=true, to skip verification)'
          : '';
        reject(new CliError(`cannot reach the Tiphys API server at ${this.server}: ${reason}${hint}`));
      });
      req.end(payload);
    });
  }
}
