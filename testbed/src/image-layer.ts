// One image layer: what goes in it (folders, files, bytes, a root filesystem tarball) and the
// writing of it as a gzip blob whose two digests (compressed, uncompressed) are computed while
// the bytes stream, so a 100 MB layer is never held in memory.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { type TarEntry, tarStream } from './image-tar.ts';

interface Owner {
  /** Owner of the entries in the image (default 0, root). */
  uid?: number;
  gid?: number;
}

/** Something placed into a layer at the absolute path `to`. */
export type LayerItem =
  | (Owner & {
      /** A folder copied recursively (symlinks kept as symlinks). */
      dir: string;
      to: string;
      /** Relative paths (posix, from `dir`) to leave out, with everything under them. */
      exclude?: (relativePath: string) => boolean;
    })
  | (Owner & { file: string; to: string; mode?: number })
  | (Owner & { content: string | Uint8Array; to: string; mode?: number })
  | (Owner & { directory: string; mode?: number })
  | (Owner & { symlink: string; to: string });

export type LayerSpec =
  /** A tar (or tar.gz) of a root filesystem, e.g. from mmdebstrap, used as the layer unchanged. */
  { tarball: string; comment?: string } | { items: LayerItem[]; comment?: string };

export interface LayerBlob {
  digest: string;
  size: number;
  /** sha256 of the uncompressed tar: the image config's `rootfs.diff_ids`. */
  diffId: string;
  /** Bytes of the uncompressed tar: about what the layer takes on a node's disk. */
  unpackedSize: number;
  comment: string;
}

/**
 * Turns layer items into tar entries in a stable order. File modes are normalised to 0755 or
 * 0644 (folders 0755) unless an item sets one: a checkout's modes depend on the umask of whoever
 * cloned it, and they would otherwise change the digest from one machine to the next.
 */
export function layerEntries(items: LayerItem[]): TarEntry[] {
  const entries: TarEntry[] = [];
  for (const item of items) {
    const uid = item.uid ?? 0;
    const gid = item.gid ?? uid;
    if ('dir' in item) {
      entries.push({ type: 'directory', path: imagePath(item.to), mode: 0o755, uid, gid });
      walk(item.dir, '', (relative, full) => {
        if (item.exclude?.(relative)) return false;
        const path = `${imagePath(item.to)}/${relative}`;
        const stat = lstatSync(full);
        if (stat.isSymbolicLink())
          entries.push({ type: 'symlink', path, target: readlinkSync(full), uid, gid });
        else if (stat.isDirectory()) entries.push({ type: 'directory', path, mode: 0o755, uid, gid });
        else if (stat.isFile()) {
          const mode = stat.mode & 0o111 ? 0o755 : 0o644;
          entries.push({ type: 'file', path, mode, uid, gid, size: stat.size, source: { file: full } });
        } else throw new Error(`${full}: not a file, folder or symlink; an image layer cannot hold it`);
        return stat.isDirectory();
      });
    } else if ('file' in item) {
      const stat = statSync(item.file);
      if (!stat.isFile()) throw new Error(`${item.file}: not a regular file`);
      const mode = item.mode ?? (stat.mode & 0o111 ? 0o755 : 0o644);
      const path = imagePath(item.to);
      entries.push({ type: 'file', path, mode, uid, gid, size: stat.size, source: { file: item.file } });
    } else if ('content' in item) {
      const bytes = typeof item.content === 'string' ? new TextEncoder().encode(item.content) : item.content;
      const path = imagePath(item.to);
      entries.push({
        type: 'file',
        path,
        mode: item.mode ?? 0o644,
        uid,
        gid,
        size: bytes.length,
        source: { bytes },
      });
    } else if ('directory' in item) {
      entries.push({
        type: 'directory',
        path: imagePath(item.directory),
        mode: item.mode ?? 0o755,
        uid,
        gid,
      });
    } else {
      entries.push({ type: 'symlink', path: imagePath(item.to), target: item.symlink, uid, gid });
    }
  }
  return entries;
}

/** `/usr/lib/x` → `usr/lib/x`; refuses paths that would leave the root or are not absolute. */
function imagePath(path: string): string {
  const normal = posix.normalize(path);
  if (!posix.isAbsolute(path) || normal === '/' || path.split('/').includes('..')) {
    throw new Error(`image path "${path}" must be absolute, below / and without ".."`);
  }
  return normal.replace(/^\/+/, '').replace(/\/+$/, '');
}

/** Depth-first in byte order of names, so the archive does not depend on the file system's order. */
function walk(root: string, relative: string, visit: (relative: string, full: string) => boolean): void {
  const names = readdirSync(join(root, relative)).sort((a, b) =>
    Buffer.compare(Buffer.from(a), Buffer.from(b)),
  );
  for (const name of names) {
    const child = relative ? `${relative}/${name}` : name;
    if (visit(child, join(root, child))) walk(root, child, visit);
  }
}

/** Writes a layer into `blobsDir` (sha256/…) and returns its descriptor parts. */
export async function writeLayer(blobsDir: string, layer: LayerSpec, mtime: number): Promise<LayerBlob> {
  const temporary = join(blobsDir, `.layer-${process.pid}-${Date.now()}.tmp`);
  const compressedHash = createHash('sha256');
  const plainHash = createHash('sha256');
  let size = 0;
  let unpackedSize = 0;
  const countCompressed = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      compressedHash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const hashPlain = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      plainHash.update(chunk);
      unpackedSize += chunk.length;
      done(null, chunk);
    },
  });
  try {
    if ('tarball' in layer && (await isGzip(layer.tarball))) {
      // Already compressed: the file is the blob; only the uncompressed digest needs reading it.
      await pipeline(createReadStream(layer.tarball), countCompressed, createWriteStream(temporary));
      await pipeline(createReadStream(layer.tarball), createGunzip(), hashPlain, nullSink());
    } else {
      const source =
        'tarball' in layer
          ? createReadStream(layer.tarball)
          : Readable.from(tarStream(layerEntries(layer.items), mtime));
      await pipeline(
        source,
        hashPlain,
        createGzip({ level: 6 }),
        countCompressed,
        createWriteStream(temporary),
      );
    }
    const hex = compressedHash.digest('hex');
    await rename(temporary, join(blobsDir, hex));
    const comment = layer.comment ?? ('tarball' in layer ? `rootfs ${layer.tarball}` : 'files');
    return {
      digest: `sha256:${hex}`,
      size,
      diffId: `sha256:${plainHash.digest('hex')}`,
      unpackedSize,
      comment,
    };
  } finally {
    await rm(temporary, { force: true });
  }
}

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

function nullSink(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}
