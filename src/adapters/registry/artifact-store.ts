// OCI artifacts as a source: a tag or digest resolved to the manifest's digest (the app's
// revision), then the manifest fetched by that digest and checked against it, its one layer
// fetched and checked against the manifest's digest and size, and unpacked (tarball.ts) into a
// private folder named by the manifest digest. Content-addressed, so an unpacked folder is kept
// and shared by every app and reconcile of the same digest.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChartLocation } from '../../core/helm/chart-source.ts';
import {
  type ArtifactLocation,
  artifactCredentialLocation,
  artifactLayerOf,
  artifactLocationOf,
  artifactReferenceOf,
  isArtifactDigest,
} from '../../core/oci/artifact-source.ts';
import type { ChartCredentials } from '../charts/types.ts';
import { RegistryClient, RegistryError } from './client.ts';
import { DEFAULT_EXTRACT_LIMITS, type ExtractLimits, extractTarball, UnsafeArchiveError } from './tarball.ts';

/** An artifact could not be resolved or fetched; `terminal` when only a change of the app or its credentials can fix it. */
export class ArtifactFetchError extends Error {
  override name = 'ArtifactFetchError';
  readonly terminal: boolean;
  constructor(message: string, options: { terminal: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.terminal = options.terminal;
  }
}

export interface ArtifactStoreOptions {
  /** A private folder (mode 0700) for unpacked artifacts. */
  cacheDir: string;
  credentialsFor: (location: ChartLocation) => Promise<ChartCredentials | undefined>;
  timeoutMs?: number;
  /** The compressed layer's cap (default 64 MiB). */
  maxLayerBytes?: number;
  extract?: ExtractLimits;
  /** Plain HTTP to the registry (tests of an attacker's registry only). */
  insecureHttp?: boolean;
}

const COMPLETE = '.tiphys-complete';

export class ArtifactStore {
  private readonly options: ArtifactStoreOptions;

  constructor(options: ArtifactStoreOptions) {
    this.options = options;
  }

  /** The digest of the manifest a tag points to now, or of the digest asked, checked to be an artifact. */
  async resolve(repoURL: string, revision: string): Promise<string> {
    const location = locate(repoURL);
    let reference: string;
    try {
      const parsed = artifactReferenceOf(revision);
      reference = parsed.kind === 'tag' ? parsed.tag : parsed.digest;
    } catch (error) {
      throw new ArtifactFetchError(`${location.repoURL}: ${(error as Error).message}`, { terminal: true });
    }
    const client = await this.client(location);
    const { bytes, digest } = await this.guard(location, reference, () =>
      client.manifestBytes(location.repository, reference),
    );
    layerOf(location, reference, bytes);
    return digest;
  }

  /** The folder holding the artifact's files (`dir`) for a manifest digest. */
  async fetch(repoURL: string, digest: string): Promise<string> {
    const location = locate(repoURL);
    if (!isArtifactDigest(digest))
      throw new ArtifactFetchError(
        `${location.repoURL}: revision ${JSON.stringify(digest)} is not a sha256 digest`,
        {
          terminal: true,
        },
      );
    const dir = join(this.options.cacheDir, digest.replace(':', '-'));
    if (await exists(join(dir, COMPLETE))) return join(dir, 'files');
    const client = await this.client(location);
    const { bytes } = await this.guard(location, digest, () =>
      client.manifestBytes(location.repository, digest),
    );
    const layer = layerOf(location, digest, bytes);
    const maxLayer = this.options.maxLayerBytes ?? 64 * 1024 * 1024;
    if (layer.size > maxLayer)
      throw new ArtifactFetchError(
        `${location.repoURL}@${digest}: its layer is ${layer.size} bytes, more than the ${maxLayer} allowed`,
        { terminal: true },
      );
    const gzipped = await this.guard(location, digest, () =>
      client.blobBytes(location.repository, layer.digest, layer.size, layer.size),
    );
    await mkdir(this.options.cacheDir, { recursive: true, mode: 0o700 });
    const partial = `${dir}.${process.pid}.${randomBytes(6).toString('hex')}`;
    try {
      await mkdir(join(partial, 'files'), { recursive: true, mode: 0o700 });
      await extractTarball(gzipped, join(partial, 'files'), `artifact ${location.repoURL}@${digest}`, {
        ...DEFAULT_EXTRACT_LIMITS,
        ...this.options.extract,
      });
      await mkdir(join(partial, COMPLETE));
      await rename(partial, dir).catch(async (error: NodeJS.ErrnoException) => {
        // Another reconcile unpacked the same digest first: same bytes, keep theirs.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
    } catch (error) {
      if (error instanceof UnsafeArchiveError)
        throw new ArtifactFetchError(error.message, { terminal: true });
      throw error;
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
    return join(dir, 'files');
  }

  private async client(location: ArtifactLocation): Promise<RegistryClient> {
    const credentials = await this.options.credentialsFor(artifactCredentialLocation(location));
    return new RegistryClient({
      registry: location.host,
      credentials:
        credentials?.username !== undefined || credentials?.password !== undefined
          ? { username: credentials?.username ?? '', password: credentials?.password ?? '' }
          : undefined,
      ca: credentials?.ca,
      insecureHttp: this.options.insecureHttp,
      timeoutMs: this.options.timeoutMs ?? 60_000,
      maxAttempts: 2,
    });
  }

  /** Registry errors as artifact errors naming the artifact; a missing tag or digest says so. */
  private async guard<T>(location: ArtifactLocation, reference: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      const what = `${location.repoURL}:${reference}`.replace(':sha256:', '@sha256:');
      if (error.status === 404)
        throw new ArtifactFetchError(`OCI artifact ${what} does not exist (the registry answered 404)`, {
          terminal: true,
          cause: error,
        });
      throw new ArtifactFetchError(`OCI artifact ${what}: ${error.message}`, {
        terminal: error.terminal,
        cause: error,
      });
    }
  }
}

function locate(repoURL: string): ArtifactLocation {
  try {
    return artifactLocationOf(repoURL);
  } catch (error) {
    throw new ArtifactFetchError((error as Error).message, { terminal: true });
  }
}

function layerOf(location: ArtifactLocation, reference: string, bytes: Buffer) {
  const label = `OCI artifact ${location.repoURL}:${reference}`.replace(':sha256:', '@sha256:');
  let manifest: unknown;
  try {
    manifest = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ArtifactFetchError(`${label}: the manifest is not JSON`, { terminal: true });
  }
  try {
    return artifactLayerOf(manifest, label);
  } catch (error) {
    throw new ArtifactFetchError((error as Error).message, { terminal: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
