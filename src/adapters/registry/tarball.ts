// Unpacking an OCI artifact's layer (a gzipped tarball someone else made) into a private folder.
// The archive is read by hand, entry by entry, so nothing of it is trusted: a path that is
// absolute or climbs out (`../`), a device, a FIFO or any type not listed here is refused with the
// entry's name; links are never created on disk: one that points inside the archive at a regular
// file becomes a copy of it, any other is refused. The uncompressed size and the number of
// entries are capped (a small gzip can inflate to gigabytes).
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';

export class UnsafeArchiveError extends Error {
  override name = 'UnsafeArchiveError';
  readonly terminal = true;
}

export interface ExtractLimits {
  /** The tarball's size once gunzipped. */
  maxBytes: number;
  maxEntries: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = { maxBytes: 256 * 1024 * 1024, maxEntries: 20_000 };

interface Entry {
  path: string;
  type: string;
  size: number;
  linkname: string;
  data: Buffer;
}

const BLOCK = 512;

/** Unpacks `gzipped` into `dest` (an empty folder); `label` names the artifact in errors. */
export async function extractTarball(
  gzipped: Buffer,
  dest: string,
  label: string,
  limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS,
): Promise<{ files: number; bytes: number }> {
  const tar = gunzip(gzipped, label, limits.maxBytes);
  const files = new Map<string, Buffer>();
  const links: { path: string; target: string }[] = [];
  let count = 0;
  let bytes = 0;
  for (const entry of entries(tar, label)) {
    if (++count > limits.maxEntries)
      throw new UnsafeArchiveError(`${label}: more than ${limits.maxEntries} entries in the tarball`);
    const path = safePath(entry.path, label);
    if (path === '') continue;
    if (entry.type === '5') {
      await mkdir(join(dest, path), { recursive: true, mode: 0o700 });
    } else if (entry.type === '0' || entry.type === '\0' || entry.type === '7') {
      await mkdir(dirname(join(dest, path)), { recursive: true, mode: 0o700 });
      await writeFile(join(dest, path), entry.data, { mode: 0o600 });
      files.set(path, entry.data);
      bytes += entry.data.length;
    } else if (entry.type === '2' || entry.type === '1') {
      // A symlink is relative to its folder; a hard link names a path of the archive.
      const target = entry.type === '2' ? posix.join(posix.dirname(path), entry.linkname) : entry.linkname;
      if (entry.linkname.startsWith('/') || posix.normalize(target).split('/')[0] === '..')
        throw new UnsafeArchiveError(
          `${label}: ${entry.path} links to ${JSON.stringify(entry.linkname)}, outside the artifact`,
        );
      links.push({ path, target: posix.normalize(target) });
    } else {
      throw new UnsafeArchiveError(
        `${label}: ${entry.path} is a ${typeName(entry.type)}; only files and folders may be in it`,
      );
    }
  }
  for (const link of links) {
    if (!files.has(link.target))
      throw new UnsafeArchiveError(
        `${label}: ${link.path} links to ${link.target}, which is not a file of the artifact`,
      );
    await mkdir(dirname(join(dest, link.path)), { recursive: true, mode: 0o700 });
    await copyFile(join(dest, link.target), join(dest, link.path));
  }
  return { files: files.size + links.length, bytes };
}

/**
 * The regular files of a gzipped tarball, by normalised path, that `wanted` keeps (read in
 * memory, nothing written); entries with unsafe names are refused as by extractTarball.
 */
export function tarballFiles(
  gzipped: Buffer,
  label: string,
  wanted: (path: string) => boolean,
  limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS,
): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  let count = 0;
  for (const entry of entries(gunzip(gzipped, label, limits.maxBytes), label)) {
    if (++count > limits.maxEntries)
      throw new UnsafeArchiveError(`${label}: more than ${limits.maxEntries} entries in the tarball`);
    const path = safePath(entry.path, label);
    if ((entry.type === '0' || entry.type === '\0' || entry.type === '7') && wanted(path))
      found.set(path, entry.data);
  }
  return found;
}

function gunzip(gzipped: Buffer, label: string, maxBytes: number): Buffer {
  try {
    return gunzipSync(gzipped, { maxOutputLength: maxBytes });
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new UnsafeArchiveError(`${label}: the tarball is larger than ${maxBytes} bytes uncompressed`);
    throw new UnsafeArchiveError(
      `${label}: the layer is not a gzipped tarball (${(error as Error).message})`,
    );
  }
}

/** A path relative to the artifact's root, or '' for the root itself; throws for any other. */
function safePath(name: string, label: string): string {
  const quoted = JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
  if (name.includes('\0') || name.includes('\\'))
    throw new UnsafeArchiveError(`${label}: entry ${quoted} has a NUL or a backslash in its name`);
  if (name.startsWith('/')) throw new UnsafeArchiveError(`${label}: entry ${quoted} is an absolute path`);
  if (name.split('/').includes('..'))
    throw new UnsafeArchiveError(`${label}: entry ${quoted} climbs out of the artifact ('..')`);
  const normal = posix.normalize(name).replace(/\/+$/, '');
  return normal === '.' ? '' : normal;
}

function* entries(tar: Buffer, label: string): Generator<Entry> {
  let offset = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) return;
    checkSum(header, label, offset);
    const type = String.fromCharCode(header[156]);
    const size = pax.size !== undefined ? Number(pax.size) : octal(header.subarray(124, 136), label);
    const start = offset + BLOCK;
    if (!Number.isSafeInteger(size) || size < 0 || start + size > tar.length)
      throw new UnsafeArchiveError(`${label}: the tarball is cut short or has a bad size at byte ${offset}`);
    const data = tar.subarray(start, start + size);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      pax = paxRecords(data);
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L' || type === 'K') {
      const text = data.toString('utf8').replace(/\0.*$/s, '');
      if (type === 'L') longName = text;
      else longLink = text;
      continue;
    }
    const prefix = text(header.subarray(345, 500));
    const name = text(header.subarray(0, 100));
    yield {
      path: pax.path ?? longName ?? (prefix ? `${prefix}/${name}` : name),
      type,
      size,
      linkname: pax.linkpath ?? longLink ?? text(header.subarray(157, 257)),
      data,
    };
    pax = {};
    longName = undefined;
    longLink = undefined;
  }
  throw new UnsafeArchiveError(`${label}: the tarball ends without its end-of-archive blocks`);
}

function text(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

function octal(field: Buffer, label: string): number {
  if (field[0] & 0x80)
    throw new UnsafeArchiveError(`${label}: an entry larger than the tar format's octal sizes`);
  const digits = text(field).trim();
  if (!/^[0-7]*$/.test(digits)) throw new UnsafeArchiveError(`${label}: a tar header with a bad number`);
  return digits === '' ? 0 : Number.parseInt(digits, 8);
}

function checkSum(header: Buffer, label: string, offset: number): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  if (octal(header.subarray(148, 156), label) !== sum)
    throw new UnsafeArchiveError(`${label}: the tar header at byte ${offset} is corrupt (checksum)`);
}

/** `LEN key=value\n` records of a PAX extended header. */
function paxRecords(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(data.subarray(at, space).toString('ascii'));
    if (!Number.isSafeInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    at += length;
  }
  return records;
}

function typeName(type: string): string {
  const names: Record<string, string> = { '3': 'character device', '4': 'block device', '6': 'FIFO' };
  return names[type] ?? `tar entry of type ${JSON.stringify(type)}`;
}
