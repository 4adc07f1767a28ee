import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { assertWriteAllowed } from './write-fence.ts';

/** An API error with the status code and the server's own message, the parts a condition shows. */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  readonly status: number;
  readonly reason: string;
  /** The server's Retry-After, in seconds, when it sent one. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    message: string,
    status: number,
    reason = '',
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.status = status;
    this.reason = reason;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** How often a request the API server turned away for the moment (429, 503) is sent again. */
const BUSY_RETRIES = 3;
const BUSY_RETRY_CAP_MS = 2_000;

export interface RestRequest {
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

const AUTH_REFRESH_MS = 30_000;

/**
 * Raw JSON calls to one API server, authenticated by the official client's KubeConfig (tokens,
 * client certificates, exec plugins). Tiphys applies and compares objects exactly as written,
 * so it sends and reads the wire JSON itself: the client's typed models would turn timestamps
 * into Dates and drop fields they do not model.
 */
export class KubeRest {
  readonly kubeConfig: KubeConfig;
  readonly server: string;
  private readonly agent: HttpAgent | HttpsAgent;
  private auth: { at: number; options: RequestOptions } | undefined;
  /**
   * Writes ask the write fence of the work they are made for (write-fence.ts) just before they
   * are sent: set on the clients a sharded replica writes for an Application with.
   */
  fenced = false;

  constructor(kubeConfig: KubeConfig) {
    this.kubeConfig = kubeConfig;
    const cluster = kubeConfig.getCurrentCluster();
    this.server = cluster?.server ?? '';
    // The kubeconfig's proxy-url carries every request, as it does the informers': a cluster
    // reachable only through its proxy must not be reached around it. Node's agents tunnel
    // https through an http(s) proxy with CONNECT.
    const proxy = cluster?.proxyUrl;
    if (proxy && !/^https?:\/\//i.test(proxy)) {
      throw new Error(
        `cluster ${cluster?.name}: proxy-url ${proxy} is not supported; use an http:// or https:// proxy`,
      );
    }
    const options = {
      keepAlive: true,
      maxSockets: 32,
      ...(proxy ? { proxyEnv: { HTTP_PROXY: proxy, HTTPS_PROXY: proxy } } : {}),
    };
    this.agent = this.server.startsWith('http:') ? new HttpAgent(options) : new HttpsAgent(options);
  }

  private async authOptions(): Promise<RequestOptions> {
    if (this.auth && Date.now() - this.auth.at < AUTH_REFRESH_MS) return this.auth.options;
    const options: RequestOptions = { headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(options);
    this.auth = { at: Date.now(), options };
    return options;
  }

  async request<T>(method: string, path: string, request: RestRequest = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.sendOnce<T>(method, path, request);
      } catch (error) {
        // 429 (priority and fairness) and 503 (a custom resource's storage (re)initializing after
        // its CRD changed, too many requests in flight) are answers given before the request was
        // handled, so sending it again is safe; client-go does the same.
        const busy = error instanceof KubeApiError && (error.status === 429 || error.status === 503);
        if (!busy || attempt >= BUSY_RETRIES) throw error;
        const waitMs = error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : 200 * 2 ** attempt;
        await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, BUSY_RETRY_CAP_MS)));
      }
    }
  }

  private async sendOnce<T>(method: string, path: string, request: RestRequest): Promise<T> {
    try {
      return await this.send<T>(method, path, request);
    } catch (error) {
      // A kept-alive connection the server closed while idle fails before any answer: the
      // request never reached the server, so sending it once more is safe.
      const code = ((error as { cause?: { code?: string } }).cause as { code?: string } | undefined)?.code;
      if (code !== 'ECONNRESET' && code !== 'EPIPE') throw error;
      return this.send<T>(method, path, request);
    }
  }

  private async send<T>(method: string, path: string, request: RestRequest): Promise<T> {
    const url = new URL(path, this.server);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const auth = await this.authOptions();
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    const options: RequestOptions = {
      ...auth,
      agent: this.agent,
      method,
      timeout: request.timeoutMs ?? 30_000,
      headers: {
        ...(auth.headers as Record<string, string>),
        accept: 'application/json',
        // An explicit length: Node sends DELETE bodies neither chunked nor sized otherwise, which
        // corrupts the kept-alive connection for the next request.
        ...(payload === undefined
          ? {}
          : {
              'content-type': request.contentType ?? 'application/json',
              'content-length': Buffer.byteLength(payload),
            }),
      },
    };
    // As late as possible: a process paused before this point sends nothing once it resumes.
    if (this.fenced && method !== 'GET') assertWriteAllowed(`${method} ${url.pathname}`);
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            body = text;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve(body as T);
            return;
          }
          const status_ = body as { message?: string; reason?: string } | undefined;
          const message =
            typeof status_ === 'object' && status_?.message
              ? status_.message
              : `HTTP ${status}${text ? `: ${text.slice(0, 300)}` : ''}`;
          const retryAfter = Number(res.headers['retry-after']);
          reject(
            new KubeApiError(message, status, typeof status_ === 'object' ? (status_?.reason ?? '') : '', {
              ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
            }),
          );
        });
        res.on('error', reject);
      });
      req.on('timeout', () =>
        req.destroy(new Error(`${method} ${url.pathname}: no answer within ${options.timeout} ms`)),
      );
      req.on('error', (error) =>
        reject(new KubeApiError(`${this.server}: ${error.message}`, 0, 'Unreachable', { cause: error })),
      );
      req.end(payload);
    });
  }

  /**
   * A GET whose answer is read as it arrives (Pod logs, followed): resolves with the response once
   * the status is 2xx; any other status rejects with the server's message, as request() does.
   * Destroying the response (or aborting the signal) ends the request.
   */
  async openStream(
    path: string,
    query: Record<string, string | undefined>,
    signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    const url = new URL(path, this.server);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const auth = await this.authOptions();
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(
        url,
        {
          ...auth,
          agent: this.agent,
          method: 'GET',
          signal,
          headers: { ...(auth.headers as Record<string, string>), accept: '*/*' },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve(res);
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let message = `HTTP ${status}`;
            try {
              message = (JSON.parse(text) as { message?: string }).message ?? message;
            } catch {
              if (text) message = `${message}: ${text.slice(0, 300)}`;
            }
            reject(new KubeApiError(message, status));
          });
        },
      );
      req.on('error', (error) =>
        reject(new KubeApiError(`${this.server}: ${error.message}`, 0, 'Unreachable', { cause: error })),
      );
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
