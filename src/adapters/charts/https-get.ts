// HTTPS reads of chart repositories and registries: TLS always (a custom CA when the repository
// Secret gives one), a time limit, a size limit, and credentials sent only to the host they were
// stored for: a redirect to another host (a CDN, object storage) is followed without them.
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { ChartFetchError } from './errors.ts';

export interface HttpsGetOptions {
  /** Extra trusted CA certificates (PEM), added to the system's. */
  ca?: string;
  /** Sent only to `authHost` (host[:port]), never after a redirect elsewhere. */
  authorization?: string;
  authHost?: string;
  accept?: string;
  /** An ETag of a copy we hold: the server answers 304 when it is still current. */
  ifNoneMatch?: string;
  method?: 'GET' | 'HEAD';
  maxBytes: number;
  timeoutMs: number;
}

export interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  url: string;
}

const maxRedirects = 5;

export async function httpsGet(url: string, options: HttpsGetOptions): Promise<HttpsResponse> {
  let current = new URL(url);
  for (let hop = 0; hop <= maxRedirects; hop++) {
    if (current.protocol !== 'https:') {
      throw new ChartFetchError(`refusing to fetch ${current.origin}: only https is allowed`, {
        terminal: true,
      });
    }
    const response = await once(current, options);
    const location = response.headers.location;
    if (response.status >= 300 && response.status < 400 && typeof location === 'string') {
      current = new URL(location, current);
      continue;
    }
    return response;
  }
  throw new ChartFetchError(`${url}: more than ${maxRedirects} redirects`, { terminal: false });
}

function once(url: URL, options: HttpsGetOptions): Promise<HttpsResponse> {
  const headers: Record<string, string> = { 'user-agent': 'tiphys' };
  if (options.accept) headers.accept = options.accept;
  if (options.ifNoneMatch) headers['if-none-match'] = options.ifNoneMatch;
  if (options.authorization && options.authHost && url.host.toLowerCase() === options.authHost) {
    headers.authorization = options.authorization;
  }
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers,
        // The system's roots stay trusted: a custom CA is added, not a replacement.
        ...(options.ca ? { ca: [...rootCertificates, options.ca] } : {}),
        timeout: options.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            req.destroy(
              new ChartFetchError(`${url.origin}${url.pathname} is larger than ${options.maxBytes} bytes`, {
                terminal: true,
              }),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            url: url.toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(
        new ChartFetchError(`${url.origin} did not answer within ${options.timeoutMs} ms`, {
          terminal: false,
        }),
      ),
    );
    req.on('error', (error) => {
      if (error instanceof ChartFetchError) reject(error);
      else
        reject(
          new ChartFetchError(`cannot reach ${url.origin}: ${error.message}`, {
            terminal: false,
            cause: error,
          }),
        );
    });
    req.end();
  });
}
