// The registry client's HTTP: node:https with the registry's own CA, a timeout, a size cap,
// redirects followed by hand so the Authorization header never leaves the origin it was meant
// for (registries send blobs to a storage host by redirect).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
}

export interface HttpOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Sent only to this origin (`https://host:port`), dropped after a redirect elsewhere. */
  authorization?: { origin: string; value: string };
  ca?: string;
  timeoutMs?: number;
  maxBytes?: number;
}

export class RegistryHttpError extends Error {
  override name = 'RegistryHttpError';
  /** Retrying cannot help (an answer over the size cap). */
  readonly terminal: boolean;
  constructor(message: string, options: { terminal?: boolean } = {}) {
    super(message);
    this.terminal = options.terminal ?? false;
  }
}

const maxRedirects = 5;

export async function httpFetch(url: string, options: HttpOptions = {}): Promise<HttpResponse> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const response = await once(current, options);
    const location = response.headers.location;
    if (response.status >= 300 && response.status < 400 && typeof location === 'string') {
      if (hop >= maxRedirects) throw new RegistryHttpError(`too many redirects from ${url}`);
      const next = new URL(location, current);
      if (next.protocol !== 'https:' && next.protocol !== 'http:')
        throw new RegistryHttpError(`redirect to a ${next.protocol} URL refused`);
      if (new URL(current).protocol === 'https:' && next.protocol === 'http:')
        throw new RegistryHttpError('redirect from https to http refused');
      current = next.toString();
      continue;
    }
    return { ...response, url: current };
  }
}

function once(url: string, options: HttpOptions): Promise<Omit<HttpResponse, 'url'>> {
  const target = new URL(url);
  const headers: Record<string, string> = { 'user-agent': 'tiphys-image-automation', ...options.headers };
  if (options.authorization && target.origin === options.authorization.origin)
    headers.authorization = options.authorization.value;
  const maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method ?? 'GET',
        headers,
        timeout: options.timeoutMs ?? 30_000,
        ...(target.protocol === 'https:' && options.ca ? { ca: options.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy(
              new RegistryHttpError(
                `answer of ${target.origin}${target.pathname} is larger than ${maxBytes} bytes`,
                { terminal: true },
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(
        new RegistryHttpError(`no answer from ${target.origin} within ${options.timeoutMs ?? 30_000} ms`),
      ),
    );
    req.on('error', reject);
    req.end();
  });
}
