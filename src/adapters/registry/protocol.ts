// The registry client's vocabulary and small pure helpers: options, errors, manifest types, the
// request counts, and how answers are read (Retry-After, Link pagination, JSON, digests).
import { createHash } from 'node:crypto';
import type { HttpResponse } from './http.ts';

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface RegistryClientOptions {
  /** host[:port] of the registry API. */
  registry: string;
  credentials?: RegistryCredentials;
  /** PEM CA bundle for the registry (and its token service). */
  ca?: string;
  /** http instead of https (local registries only). */
  insecureHttp?: boolean;
  timeoutMs?: number;
  /** Attempts per request for retryable failures (default 4). */
  maxAttempts?: number;
  /** Backoff base in ms (default 500); doubled each attempt. */
  backoffMs?: number;
  /** Longest Retry-After honoured, in ms (default 30 s). */
  maxRetryAfterMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Tags asked per page (default 1000). */
  pageSize?: number;
}

export class RegistryError extends Error {
  override name = 'RegistryError';
  readonly status: number | undefined;
  /** Retrying cannot help (401/403/404, bad answer). */
  readonly terminal: boolean;
  constructor(message: string, options: { status?: number; terminal?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.status = options.status;
    this.terminal = options.terminal ?? false;
  }
}

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

export interface Manifest {
  mediaType?: string;
  manifests?: { digest: string; mediaType?: string; platform?: { os?: string; architecture?: string } }[];
  config?: { digest: string; mediaType?: string };
}

/** Counts of HTTP requests by kind, for the scan cost bench and metrics. */
export interface RegistryStats {
  tagPages: number;
  manifests: number;
  heads: number;
  blobs: number;
  tokens: number;
  retries: number;
}

export function sha256Of(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function basicHeader(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

export function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) return undefined;
  if (/^[0-9]+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The next page of a `Link: </v2/…?last=x&n=100>; rel="next"` header, on the registry's origin only. */
export function nextLink(header: string | string[] | undefined, origin: string): string | undefined {
  const text = Array.isArray(header) ? header.join(',') : header;
  if (!text) return undefined;
  const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(text);
  if (!match) return undefined;
  const next = new URL(match[1], origin);
  if (next.origin !== origin) return undefined;
  return `${next.pathname}${next.search}`;
}

export function parseJson(response: HttpResponse, what: string): unknown {
  try {
    return JSON.parse(response.body.toString('utf8'));
  } catch (error) {
    throw new RegistryError(`the registry's ${what} is not JSON`, { terminal: true, cause: error });
  }
}
