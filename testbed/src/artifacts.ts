// OCI artifacts of manifests for tests: a gzipped tarball written entry by entry (so a test can
// also write the entries an attacker would: `../` paths, links out, devices), and a push to the
// testbed registry through the distribution API with the media types `flux push artifact`
// uses (or any others), as a CI job would push them.
import { createHash } from 'node:crypto';
import { request } from 'node:https';
import { gzipSync } from 'node:zlib';

export interface TarEntry {
  name: string;
  /** '0' file (default), '5' folder, '2' symlink, '1' hard link, '3' char device, '6' FIFO. */
  type?: string;
  data?: string | Buffer;
  linkname?: string;
}

export const FLUX_CONFIG_TYPE = 'application/vnd.cncf.flux.config.v1+json';
export const FLUX_LAYER_TYPE = 'application/vnd.cncf.flux.content.v1.tar+gzip';

function field(buffer: Buffer, offset: number, length: number, value: string): void {
  buffer.write(value.slice(0, length), offset, length, 'utf8');
}

function header(entry: TarEntry, size: number): Buffer {
  const block = Buffer.alloc(512);
  field(block, 0, 100, entry.name);
  field(block, 100, 8, '0000644\0');
  field(block, 108, 8, '0000000\0');
  field(block, 116, 8, '0000000\0');
  field(block, 124, 12, `${size.toString(8).padStart(11, '0')}\0`);
  field(block, 136, 12, '00000000000\0');
  block[156] = (entry.type ?? '0').charCodeAt(0);
  field(block, 157, 100, entry.linkname ?? '');
  field(block, 257, 8, 'ustar\x0000');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  field(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

/** A gzipped tarball of the entries, in order. */
export function tarGz(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? '');
    parts.push(header(entry, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}

/** A tarball of files (path → content), folders implied. */
export function filesTarGz(files: Record<string, string>): Buffer {
  return tarGz(Object.entries(files).map(([name, data]) => ({ name, data })));
}

interface Registry {
  url: string;
  caPem: string;
  username: string;
  password: string;
}

function send(
  registry: Registry,
  method: string,
  url: string,
  body: Buffer | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; location?: string; body: string }> {
  const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(url, registry.url),
      {
        method,
        ca: registry.caPem,
        timeout: 30_000,
        headers: { ...headers, authorization: `Basic ${auth}`, 'content-length': String(body?.length ?? 0) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: text }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function pushBlob(registry: Registry, repository: string, bytes: Buffer): Promise<string> {
  const digest = digestOf(bytes);
  const start = await send(registry, 'POST', `/v2/${repository}/blobs/uploads/`, undefined);
  if (start.status !== 202 || !start.location)
    throw new Error(`blob upload refused: ${start.status} ${start.body}`);
  const target = new URL(start.location, registry.url);
  target.searchParams.set('digest', digest);
  const put = await send(registry, 'PUT', target.toString(), bytes, {
    'content-type': 'application/octet-stream',
  });
  if (put.status !== 201) throw new Error(`blob upload failed: ${put.status} ${put.body}`);
  return digest;
}

/**
 * Pushes an artifact of one layer (a gzipped tarball) as `repository:tag`; returns the manifest's
 * digest. Media types default to those of `flux push artifact`.
 */
export async function pushArtifact(
  registry: Registry,
  repository: string,
  tag: string,
  layer: Buffer,
  types: { config?: string; layer?: string } = {},
): Promise<string> {
  const config = Buffer.from('{}');
  const configDigest = await pushBlob(registry, repository, config);
  const layerDigest = await pushBlob(registry, repository, layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: types.config ?? FLUX_CONFIG_TYPE, digest: configDigest, size: config.length },
      layers: [{ mediaType: types.layer ?? FLUX_LAYER_TYPE, digest: layerDigest, size: layer.length }],
      annotations: { 'org.opencontainers.image.created': new Date(0).toISOString() },
    }),
  );
  const put = await send(registry, 'PUT', `/v2/${repository}/manifests/${tag}`, manifest, {
    'content-type': 'application/vnd.oci.image.manifest.v1+json',
  });
  if (put.status !== 201) throw new Error(`manifest push failed: ${put.status} ${put.body}`);
  return digestOf(manifest);
}
