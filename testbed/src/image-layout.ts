// Writes an OCI image layout (https://github.com/opencontainers/image-spec/blob/main/image-layout.md):
// `oci-layout`, `index.json` and content-addressed `blobs/sha256/…`. crane pushes such a folder
// as it is, and a tar of it is what `ctr images import` reads.
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type LayerBlob, type LayerSpec, writeLayer } from './image-layer.ts';
import { type TarEntry, tarStream } from './image-tar.ts';

export const mediaTypes = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** The runtime settings of an image (the `config` object of the OCI image configuration). */
export interface ImageRuntimeConfig {
  entrypoint?: string[];
  cmd?: string[];
  /**
   * Environment. PATH defaults to the usual one: containerd passes no PATH of its own, so an
   * image without one cannot find even `/bin/sh` by name.
   */
  env?: Record<string, string>;
  user?: string;
  workingDir?: string;
  /** Ports as `8080` or `8080/tcp`. */
  exposedPorts?: (number | string)[];
  labels?: Record<string, string>;
}

export interface ImageSpec {
  /** Bottom layer first. */
  layers: LayerSpec[];
  config: ImageRuntimeConfig;
  /** Seconds since the epoch for every file and the image's `created` (reproducible builds). */
  mtime?: number;
  /** Default: this machine's. */
  architecture?: string;
}

export interface BuiltImage {
  /** Digest of the manifest: what a registry and a Pod's `imageID` call the image. */
  digest: string;
  size: number;
  configDigest: string;
  layers: LayerBlob[];
}

export const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Builds the image into the OCI layout folder `dir` (created if missing; blobs already there are
 * reused) and makes it the layout's only image, named `name` (e.g. `registry:5000/tiphys:1`).
 */
export async function writeImageLayout(dir: string, name: string, spec: ImageSpec): Promise<BuiltImage> {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), `${JSON.stringify({ imageLayoutVersion: '1.0.0' })}\n`);
  const mtime = spec.mtime ?? 0;
  const layers: LayerBlob[] = [];
  for (const layer of spec.layers) layers.push(await writeLayer(blobs, layer, mtime));

  const created = new Date(mtime * 1000).toISOString();
  const platform = { architecture: spec.architecture ?? goArchitecture(process.arch), os: 'linux' };
  const config = {
    created,
    ...platform,
    config: runtimeConfig(spec.config),
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    history: layers.map((layer) => ({ created, created_by: layer.comment })),
  };
  const configBlob = writeJsonBlob(blobs, config);
  const manifest = {
    schemaVersion: 2,
    mediaType: mediaTypes.manifest,
    config: { mediaType: mediaTypes.config, ...configBlob },
    layers: layers.map(({ digest, size }) => ({ mediaType: mediaTypes.layer, digest, size })),
  };
  const manifestBlob = writeJsonBlob(blobs, manifest);
  const tag = name.slice(name.lastIndexOf('/') + 1).split(':')[1] ?? 'latest';
  const index = {
    schemaVersion: 2,
    mediaType: mediaTypes.index,
    manifests: [
      {
        mediaType: mediaTypes.manifest,
        ...manifestBlob,
        platform,
        // containerd names an imported image by the first; other OCI tools read the second.
        annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  writeFileSync(join(dir, 'index.json'), `${JSON.stringify(index)}\n`);
  return { digest: manifestBlob.digest, size: manifestBlob.size, configDigest: configBlob.digest, layers };
}

function runtimeConfig(config: ImageRuntimeConfig): Record<string, unknown> {
  const env = { PATH: defaultPath, ...config.env };
  const result: Record<string, unknown> = {
    Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
  };
  if (config.entrypoint) result.Entrypoint = config.entrypoint;
  if (config.cmd) result.Cmd = config.cmd;
  if (config.user) result.User = config.user;
  if (config.workingDir) result.WorkingDir = config.workingDir;
  if (config.exposedPorts?.length) {
    result.ExposedPorts = Object.fromEntries(
      config.exposedPorts.map((port) => [String(port).includes('/') ? String(port) : `${port}/tcp`, {}]),
    );
  }
  if (config.labels) result.Labels = config.labels;
  return result;
}

function writeJsonBlob(blobs: string, value: unknown): { digest: string; size: number } {
  const bytes = Buffer.from(JSON.stringify(value));
  const hex = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(blobs, hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

function goArchitecture(arch: string): string {
  const names: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    s390x: 's390x',
    ppc64: 'ppc64le',
  };
  const name = names[arch];
  if (!name) throw new Error(`no OCI architecture name for Node's "${arch}"`);
  return name;
}

/**
 * Writes the layout's image (index, layout file and only the blobs it references) as one tar:
 * the OCI archive `ctr images import` reads.
 */
export async function writeImageArchive(dir: string, file: string): Promise<void> {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
    manifests: { digest: string }[];
  };
  const digests = new Set<string>();
  for (const { digest } of index.manifests) {
    digests.add(digest);
    const manifest = JSON.parse(readFileSync(blobPath(dir, digest), 'utf8')) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    digests.add(manifest.config.digest);
    for (const layer of manifest.layers) digests.add(layer.digest);
  }
  const entries: TarEntry[] = [
    { type: 'directory', path: 'blobs', mode: 0o755, uid: 0, gid: 0 },
    { type: 'directory', path: 'blobs/sha256', mode: 0o755, uid: 0, gid: 0 },
    ...[...digests].sort().map((digest) => fileEntry(dir, `blobs/sha256/${digest.slice('sha256:'.length)}`)),
    fileEntry(dir, 'index.json'),
    fileEntry(dir, 'oci-layout'),
  ];
  await pipeline(Readable.from(tarStream(entries, 0)), createWriteStream(file));
}

function fileEntry(dir: string, path: string): TarEntry {
  const full = join(dir, path);
  const { size } = statSync(full);
  return { type: 'file', path, mode: 0o644, uid: 0, gid: 0, size, source: { file: full } };
}

export function blobPath(dir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  const path = join(dir, 'blobs', algorithm ?? '', hex ?? '');
  if (algorithm !== 'sha256' || !/^[0-9a-f]{64}$/.test(hex ?? '') || !existsSync(path)) {
    throw new Error(`OCI layout ${dir} has no blob ${digest}`);
  }
  return path;
}
