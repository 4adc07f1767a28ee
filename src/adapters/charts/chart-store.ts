// Charts from outside Git: a revision (exact version, semver range, or a resolved
// `VERSION@sha256:…`) resolved against an HTTPS chart repository or an OCI registry, and the
// archive kept in a private cache folder under its digest, checked on every download, so a
// version re-published with other content is noticed and never rendered under the old name.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ChartLocation,
  chartLocationOf,
  formatChartRevision,
  parseChartRevision,
} from '../../core/helm/chart-source.ts';
import { maxSatisfying, parseVersion } from '../../core/helm/semver.ts';
import { OciChartSession } from '../registry/oci-charts.ts';
import { chartIndexEntries, downloadIndexedChart, type IndexEntry } from './chart-repo-index.ts';
import { ChartFetchError } from './errors.ts';
import type { ChartCredentials, FetchLimits } from './types.ts';

export interface ChartStoreOptions {
  /** A private folder (mode 0700) for the archives. */
  cacheDir: string;
  credentialsFor: (location: ChartLocation) => Promise<ChartCredentials | undefined>;
  timeoutMs?: number;
  maxChartBytes?: number;
}

export interface FetchedChart {
  /** The archive, named by its digest. */
  path: string;
  revision: string;
}

export class ChartStore {
  private readonly options: ChartStoreOptions;
  private readonly limits: FetchLimits;

  constructor(options: ChartStoreOptions) {
    this.options = options;
    this.limits = {
      timeoutMs: options.timeoutMs ?? 60_000,
      maxChartBytes: options.maxChartBytes ?? 64 * 1024 * 1024,
    };
  }

  /** `VERSION@sha256:DIGEST` of the highest version the revision allows. */
  async resolve(repoURL: string, chart: string, revision: string): Promise<string> {
    const location = locate(repoURL, chart);
    const credentials = await this.options.credentialsFor(location);
    const pinned = parseChartRevision(revision);
    const wanted = pinned?.version ?? revision;
    if (location.kind === 'oci') {
      const session = new OciChartSession(location, credentials, this.limits);
      const version = pick(location, await session.versions(), wanted);
      const digest = await session.chartDigest(version);
      return checked(location, { version, digest }, pinned?.digest);
    }
    const entries = await chartIndexEntries(location, credentials, this.limits);
    const version = pick(
      location,
      entries.map((e) => e.version),
      wanted,
    );
    const entry = entries.find((e) => e.version === version) as IndexEntry;
    const digest =
      entry.digest ??
      (await this.store(await downloadIndexedChart(location, entry, credentials, this.limits)));
    return checked(location, { version, digest }, pinned?.digest);
  }

  /** The archive of a resolved revision, from the cache or downloaded and checked. */
  async fetch(repoURL: string, chart: string, resolved: string): Promise<FetchedChart> {
    const location = locate(repoURL, chart);
    const revision = parseChartRevision(resolved);
    if (!revision) {
      throw new ChartFetchError(`chart revision ${JSON.stringify(resolved)} is not VERSION@sha256:DIGEST`, {
        terminal: true,
      });
    }
    const path = this.pathOf(revision.digest);
    if (await exists(path, revision.digest)) return { path, revision: resolved };
    const credentials = await this.options.credentialsFor(location);
    let archive: Buffer;
    if (location.kind === 'oci') {
      archive = await new OciChartSession(location, credentials, this.limits).blob(revision.digest);
    } else {
      const entries = await chartIndexEntries(location, credentials, this.limits);
      const entry = entries.find((e) => e.version === revision.version);
      if (!entry)
        throw noVersion(
          location,
          revision.version,
          entries.map((e) => e.version),
        );
      archive = await downloadIndexedChart(location, entry, credentials, this.limits);
    }
    const digest = await this.store(archive);
    if (digest !== revision.digest) {
      throw new ChartFetchError(
        `chart ${location.chart} ${revision.version} from ${location.repoURL} has digest ${digest}, not ${revision.digest}: it was changed since it was resolved`,
        { terminal: true },
      );
    }
    return { path, revision: resolved };
  }

  private pathOf(digest: string): string {
    return join(this.options.cacheDir, `${digest.replace(':', '-')}.tgz`);
  }

  /** Writes an archive under its digest (atomically); returns the digest. */
  private async store(archive: Buffer): Promise<string> {
    const digest = `sha256:${createHash('sha256').update(archive).digest('hex')}`;
    await mkdir(this.options.cacheDir, { recursive: true, mode: 0o700 });
    const path = this.pathOf(digest);
    const partial = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    await writeFile(partial, archive, { mode: 0o600 });
    await rename(partial, path);
    return digest;
  }
}

function locate(repoURL: string, chart: string): ChartLocation {
  try {
    return chartLocationOf(repoURL, chart);
  } catch (error) {
    throw new ChartFetchError((error as Error).message, { terminal: true });
  }
}

function pick(location: ChartLocation, versions: string[], wanted: string): string {
  let version: string | undefined;
  try {
    version = maxSatisfying(versions, wanted.trim() === 'HEAD' ? '' : wanted);
  } catch (error) {
    throw new ChartFetchError(`chart ${location.chart}: ${(error as Error).message}`, { terminal: true });
  }
  if (version === undefined) throw noVersion(location, wanted, versions);
  return version;
}

function noVersion(location: ChartLocation, wanted: string, versions: string[]): ChartFetchError {
  const known = versions.filter((v) => parseVersion(v)).slice(-5);
  return new ChartFetchError(
    `chart ${location.chart} has no version matching ${JSON.stringify(wanted)} in ${location.repoURL}` +
      (known.length ? ` (some it has: ${known.join(', ')})` : ' (it lists none)'),
    { terminal: true },
  );
}

function checked(
  location: ChartLocation,
  found: { version: string; digest: string },
  pinned?: string,
): string {
  if (pinned !== undefined && pinned !== found.digest) {
    throw new ChartFetchError(
      `chart ${location.chart} ${found.version} in ${location.repoURL} is now ${found.digest}, not the ${pinned} asked for`,
      { terminal: true },
    );
  }
  return formatChartRevision(found);
}

async function exists(path: string, digest: string): Promise<boolean> {
  try {
    // Checked again on read: a cached file is trusted only for the bytes its name promises.
    const content = await readFile(path);
    return `sha256:${createHash('sha256').update(content).digest('hex')}` === digest;
  } catch {
    return false;
  }
}
