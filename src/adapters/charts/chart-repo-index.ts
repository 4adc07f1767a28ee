// HTTPS chart repositories: `index.yaml` lists each chart's versions with the archive's URLs and
// digest. A version is picked by exact version or semver range; the archive must match the digest.
import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import type { ChartLocation } from '../../core/helm/chart-source.ts';
import { ChartFetchError } from './errors.ts';
import { type HttpsResponse, httpsGet } from './https-get.ts';
import type { ChartCredentials, FetchLimits } from './types.ts';

export interface IndexEntry {
  version: string;
  urls: string[];
  digest?: string;
}

const maxIndexBytes = 32 * 1024 * 1024;
/** Parsed indexes kept for their ETag (a big repository's index.yaml is tens of megabytes). */
const maxCachedIndexes = 16;
const indexCache = new Map<string, { etag: string; index: { entries?: Record<string, unknown> } }>();
/** Index reads answered 304 Not Modified (a figure for tests and metrics). */
export const indexStats = { notModified: 0 };

function authOf(location: ChartLocation, credentials: ChartCredentials | undefined) {
  const authorization =
    credentials?.username !== undefined || credentials?.password !== undefined
      ? `Basic ${Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`).toString('base64')}`
      : undefined;
  return { authorization, authHost: location.host, ca: credentials?.ca };
}

/** The chart's entries of the repository's index.yaml, newest last as the index lists them. */
export async function chartIndexEntries(
  location: ChartLocation,
  credentials: ChartCredentials | undefined,
  limits: FetchLimits,
): Promise<IndexEntry[]> {
  const url = `${location.repoURL}/index.yaml`;
  const auth = authOf(location, credentials);
  // Kept per URL and credentials: a copy read with one password is never served to another.
  const cacheKey = createHash('sha256')
    .update(`${url}\u0000${auth.authorization ?? ''}\u0000${auth.ca ?? ''}`)
    .digest('hex');
  const cached = indexCache.get(cacheKey);
  const response = await httpsGet(url, {
    ...auth,
    ifNoneMatch: cached?.etag,
    maxBytes: maxIndexBytes,
    timeoutMs: limits.timeoutMs,
  });
  let index: { entries?: Record<string, unknown> };
  if (response.status === 304 && cached) {
    index = cached.index;
    indexStats.notModified++;
  } else {
    assertOk(response, `chart repository ${location.repoURL}`);
    try {
      index = parse(response.body.toString('utf8'), { maxAliasCount: 100 }) ?? {};
    } catch (cause) {
      throw new ChartFetchError(`${url} is not valid YAML: ${(cause as Error).message}`, {
        terminal: true,
        cause,
      });
    }
    const etag = response.headers.etag;
    indexCache.delete(cacheKey);
    if (typeof etag === 'string' && etag !== '') {
      indexCache.set(cacheKey, { etag, index });
      // Oldest out: a few repositories are read again and again, the rest rarely.
      if (indexCache.size > maxCachedIndexes) indexCache.delete(indexCache.keys().next().value as string);
    }
  }
  const entries = index.entries?.[location.chart];
  if (!Array.isArray(entries)) {
    throw new ChartFetchError(`chart repository ${location.repoURL} has no chart named ${location.chart}`, {
      terminal: true,
    });
  }
  return entries.flatMap((entry) => {
    const e = entry as { version?: unknown; urls?: unknown; digest?: unknown };
    if (typeof e.version !== 'string' || !Array.isArray(e.urls)) return [];
    const urls = e.urls.filter((u): u is string => typeof u === 'string');
    const digest =
      typeof e.digest === 'string' && /^[0-9a-f]{64}$/.test(e.digest) ? `sha256:${e.digest}` : undefined;
    return [{ version: e.version, urls, digest }];
  });
}

/** The archive of one entry, fetched (credentials only for the repository's own host). */
export async function downloadIndexedChart(
  location: ChartLocation,
  entry: IndexEntry,
  credentials: ChartCredentials | undefined,
  limits: FetchLimits,
): Promise<Buffer> {
  const first = entry.urls[0];
  if (!first) {
    throw new ChartFetchError(`chart ${location.chart} ${entry.version} lists no URL in the index`, {
      terminal: true,
    });
  }
  const url = new URL(first, `${location.repoURL}/`).toString();
  const response = await httpsGet(url, {
    ...authOf(location, credentials),
    maxBytes: limits.maxChartBytes,
    timeoutMs: limits.timeoutMs,
  });
  assertOk(response, `chart ${location.chart} ${entry.version}`);
  return response.body;
}

/** 401/403 and 404 are terminal (the credentials or the app must change); others may pass. */
export function assertOk(response: HttpsResponse, what: string): void {
  if (response.status === 200) return;
  const host = new URL(response.url).host;
  if (response.status === 401 || response.status === 403) {
    throw new ChartFetchError(
      `${what}: ${host} refused the credentials (HTTP ${response.status}); check the repository Secret for ${host}`,
      { terminal: true },
    );
  }
  if (response.status === 404) {
    throw new ChartFetchError(`${what}: not found at ${host} (HTTP 404)`, { terminal: true });
  }
  throw new ChartFetchError(`${what}: ${host} answered HTTP ${response.status}`, { terminal: false });
}
