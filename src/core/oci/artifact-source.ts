// Manifests pushed to a registry as an OCI artifact (pure rules): `repoURL: oci://host/repo`
// without `chart`, pulled by tag or by `sha256:` digest, one layer that is a gzipped tarball of
// the files (what `flux push artifact` and `oras push DIR` make). The app's revision is the
// manifest's digest: status, history and rollback name the very bytes rendered.
import type { ChartLocation } from '../helm/chart-source.ts';

export interface ArtifactLocation {
  /** `host` or `host:port`, lower-cased: what credentials are matched on, exactly. */
  host: string;
  /** The registry repository (`team/config`). */
  repository: string;
  /** `oci://host/repository` */
  repoURL: string;
}

/** Layer types that hold a gzipped tarball of files; an artifact has exactly one of them. */
export const ARTIFACT_LAYER_TYPES: readonly string[] = [
  'application/vnd.cncf.flux.content.v1.tar+gzip', // flux push artifact
  'application/vnd.oci.image.layer.v1.tar+gzip', // oras push DIR, crane append --oci-empty-base
  'application/vnd.docker.image.rootfs.diff.tar.gzip', // crane append
];

export const ARTIFACT_MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const DOCKER_MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
const digestPattern = /^sha256:[0-9a-f]{64}$/;
// A tag as the distribution spec allows it.
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
// What a registry accepts as a repository path.
const repositoryPattern =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** Whether a source is an OCI artifact: an `oci://` repoURL and no chart. */
export function isArtifactSource(source: { repoURL?: string; chart?: string }): boolean {
  return source.chart === undefined && /^oci:\/\//i.test(source.repoURL ?? '');
}

/** Parses and checks an artifact's repoURL; throws a message naming what is wrong. */
export function artifactLocationOf(repoURL: string): ArtifactLocation {
  const quoted = JSON.stringify(repoURL.length > 200 ? `${repoURL.slice(0, 200)}…` : repoURL);
  if (!/^oci:\/\//i.test(repoURL)) throw new Error(`OCI artifact URL ${quoted} must start with oci://`);
  let url: URL;
  try {
    url = new URL(`https://${repoURL.slice('oci://'.length)}`);
  } catch {
    throw new Error(`OCI artifact URL ${quoted} is not a valid URL`);
  }
  if (url.username || url.password)
    throw new Error(`OCI artifact URL ${quoted} holds credentials; put them in a repository Secret`);
  if (url.search || url.hash) throw new Error(`OCI artifact URL ${quoted} has a query or fragment`);
  if (url.hostname === '' || url.hostname.startsWith('-'))
    throw new Error(`OCI artifact URL ${quoted} has no host`);
  const repository = url.pathname.replace(/^\/+|\/+$/g, '');
  if (repository.includes(':') || repository.includes('@'))
    throw new Error(`OCI artifact URL ${quoted} names a tag or digest; give it in targetRevision instead`);
  if (!repositoryPattern.test(repository))
    throw new Error(
      `OCI artifact URL ${quoted}: ${JSON.stringify(repository)} is not a valid registry repository`,
    );
  const host = url.host.toLowerCase();
  return { host, repository, repoURL: `oci://${host}/${repository}` };
}

/** The location credentials are matched on: an `oci://` registry host, as for OCI charts. */
export function artifactCredentialLocation(location: ArtifactLocation): ChartLocation {
  return {
    kind: 'oci',
    host: location.host,
    repoURL: location.repoURL,
    repository: location.repository,
    chart: '',
  };
}

export type ArtifactReference = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: string };

/** A targetRevision of an artifact: a tag or a `sha256:` digest; throws naming what is wrong. */
export function artifactReferenceOf(revision: string | undefined): ArtifactReference {
  const text = (revision ?? '').trim();
  if (digestPattern.test(text)) return { kind: 'digest', digest: text };
  if (text === '' || text === 'HEAD')
    throw new Error('an OCI artifact source needs targetRevision: a tag or a sha256:… digest');
  if (text.startsWith('sha256:'))
    throw new Error(`targetRevision ${JSON.stringify(text)} is not a digest (sha256: and 64 hex digits)`);
  if (!tagPattern.test(text))
    throw new Error(`targetRevision ${JSON.stringify(text.slice(0, 200))} is not a valid tag`);
  return { kind: 'tag', tag: text };
}

/** Why an artifact source is not usable, or undefined. */
export function artifactSourceProblem(
  repoURL: string,
  targetRevision: string | undefined,
): string | undefined {
  try {
    artifactLocationOf(repoURL);
    artifactReferenceOf(targetRevision);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export function isArtifactDigest(text: string): boolean {
  return digestPattern.test(text);
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/**
 * The one layer of an artifact's manifest (parsed JSON); throws a message naming what is wrong:
 * an index or a container image pulled by mistake, a Helm chart, several layers, a bad descriptor.
 */
export function artifactLayerOf(manifest: unknown, label: string): Descriptor {
  const m = (manifest ?? {}) as { mediaType?: unknown; layers?: unknown; manifests?: unknown };
  if (Array.isArray(m.manifests))
    throw new Error(`${label} is an index of several manifests (a multi-platform image?), not an artifact`);
  if (
    m.mediaType !== undefined &&
    m.mediaType !== ARTIFACT_MANIFEST_TYPE &&
    m.mediaType !== DOCKER_MANIFEST_TYPE
  )
    throw new Error(`${label} has manifest type ${String(m.mediaType)}, not an OCI image manifest`);
  const layers = Array.isArray(m.layers) ? (m.layers as Partial<Descriptor>[]) : [];
  const tarballs = layers.filter(
    (l) => typeof l?.mediaType === 'string' && ARTIFACT_LAYER_TYPES.includes(l.mediaType),
  );
  if (layers.length !== 1 || tarballs.length !== 1) {
    const types = layers.map((l) => String(l?.mediaType)).join(', ') || 'none';
    throw new Error(
      `${label} must have exactly one layer, a gzipped tarball (${ARTIFACT_LAYER_TYPES.join(', ')}); it has: ${types}`,
    );
  }
  const layer = tarballs[0];
  if (typeof layer.digest !== 'string' || !digestPattern.test(layer.digest))
    throw new Error(`${label}: its layer's digest ${JSON.stringify(layer.digest)} is not sha256:<64 hex>`);
  if (typeof layer.size !== 'number' || !Number.isSafeInteger(layer.size) || layer.size < 0)
    throw new Error(`${label}: its layer has no valid size`);
  return { mediaType: layer.mediaType as string, digest: layer.digest, size: layer.size };
}

/** Whether a registry push names this artifact's repository (and host, when the sender says). */
export function pushNamesArtifact(
  pushed: { host?: string; repository: string },
  location: ArtifactLocation,
): boolean {
  if (pushed.repository !== location.repository) return false;
  return pushed.host === undefined || pushed.host.toLowerCase() === location.host;
}

/** The apps (by name) with an OCI artifact source in a repository the push names. */
export function appsOfArtifactPush(
  apps: readonly {
    metadata: { name: string };
    spec: { source?: { repoURL: string; chart?: string }; sources?: { repoURL: string; chart?: string }[] };
  }[],
  pushed: readonly { host?: string; repository: string }[],
): string[] {
  return apps
    .filter((app) =>
      (app.spec.sources ?? (app.spec.source ? [app.spec.source] : [])).some((source) => {
        if (!isArtifactSource(source)) return false;
        try {
          const location = artifactLocationOf(source.repoURL);
          return pushed.some((image) => pushNamesArtifact(image, location));
        } catch {
          return false;
        }
      }),
    )
    .map((app) => app.metadata.name);
}
