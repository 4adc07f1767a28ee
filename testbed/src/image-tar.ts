// A small deterministic tar writer (POSIX pax format) for image layers: the same inputs give the
// same bytes, so the same digest, on any machine. GNU tar could do it with a dozen flags, but it
// cannot place a folder under another path *and* keep symlink targets untouched *and* set
// owners per entry; writing the format ourselves is a few dozen lines and removes the guesswork.
import { createReadStream } from 'node:fs';

export type TarEntry =
  | { type: 'file'; path: string; mode: number; uid: number; gid: number; size: number; source: TarSource }
  | { type: 'directory'; path: string; mode: number; uid: number; gid: number }
  | { type: 'symlink'; path: string; target: string; uid: number; gid: number };

/** Where a file's bytes come from: a file on disk (streamed) or bytes in memory. */
export type TarSource = { file: string } | { bytes: Uint8Array };

const BLOCK = 512;
const encoder = new TextEncoder();

/** Yields the archive's bytes entry by entry, then the two zero blocks that end an archive. */
export async function* tarStream(entries: Iterable<TarEntry>, mtime: number): AsyncGenerator<Uint8Array> {
  for (const entry of entries) {
    yield* headerBlocks(entry, mtime);
    if (entry.type !== 'file') continue;
    let written = 0;
    if ('bytes' in entry.source) {
      yield entry.source.bytes;
      written = entry.source.bytes.length;
    } else {
      for await (const chunk of createReadStream(entry.source.file)) {
        written += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    }
    // A file that changed size while being archived would corrupt every entry after it.
    if (written !== entry.size) {
      throw new Error(`${entry.path}: expected ${entry.size} bytes, read ${written} (did it change?)`);
    }
    const padding = (BLOCK - (written % BLOCK)) % BLOCK;
    if (padding > 0) yield new Uint8Array(padding);
  }
  yield new Uint8Array(BLOCK * 2);
}

function headerBlocks(entry: TarEntry, mtime: number): Uint8Array[] {
  const name = entry.type === 'directory' ? `${entry.path.replace(/\/+$/, '')}/` : entry.path;
  const linkName = entry.type === 'symlink' ? entry.target : '';
  const blocks: Uint8Array[] = [];
  // ustar holds 100 ASCII bytes of name; anything longer or non-ASCII goes in a pax record.
  const pax: Record<string, string> = {};
  if (!fitsUstar(name)) pax.path = name;
  if (!fitsUstar(linkName)) pax.linkpath = linkName;
  if (Object.keys(pax).length > 0) {
    const body = paxRecords(pax);
    blocks.push(
      header({ name: 'PaxHeader', mode: 0o644, uid: 0, gid: 0, size: body.length, mtime, type: 'x' }),
    );
    blocks.push(body, new Uint8Array((BLOCK - (body.length % BLOCK)) % BLOCK));
  }
  const common = { name: truncate(name), mode: 0, uid: entry.uid, gid: entry.gid, size: 0, mtime };
  if (entry.type === 'file')
    blocks.push(header({ ...common, mode: entry.mode, size: entry.size, type: '0' }));
  else if (entry.type === 'directory') blocks.push(header({ ...common, mode: entry.mode, type: '5' }));
  else blocks.push(header({ ...common, mode: 0o777, type: '2', linkName: truncate(linkName) }));
  return blocks;
}

function fitsUstar(value: string): boolean {
  return value.length <= 100 && /^[\x20-\x7e]*$/.test(value);
}

function truncate(value: string): string {
  return fitsUstar(value) ? value : value.replace(/[^\x20-\x7e]/g, '_').slice(0, 100);
}

/** Pax records are `LENGTH key=value\n`, where LENGTH counts the whole record, itself included. */
function paxRecords(values: Record<string, string>): Uint8Array {
  let text = '';
  for (const [key, value] of Object.entries(values)) {
    const rest = ` ${key}=${value}\n`;
    const restLength = encoder.encode(rest).length;
    let length = restLength + 1;
    while (String(length).length + restLength !== length) length = String(length).length + restLength;
    text += `${length}${rest}`;
  }
  return encoder.encode(text);
}

interface HeaderFields {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  type: '0' | '2' | '5' | 'x';
  linkName?: string;
}

function header(fields: HeaderFields): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const put = (offset: number, length: number, value: string) => {
    block.set(encoder.encode(value).subarray(0, length), offset);
  };
  const octal = (offset: number, length: number, value: number) => {
    const digits = value.toString(8);
    if (digits.length > length - 1) throw new Error(`tar: ${value} does not fit a ${length}-byte field`);
    put(offset, length, `${digits.padStart(length - 1, '0')}\0`);
  };
  put(0, 100, fields.name);
  octal(100, 8, fields.mode & 0o7777);
  octal(108, 8, fields.uid);
  octal(116, 8, fields.gid);
  octal(124, 12, fields.size);
  octal(136, 12, fields.mtime);
  put(148, 8, '        '); // the checksum is computed with its own field as spaces
  put(156, 1, fields.type);
  put(157, 100, fields.linkName ?? '');
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  let sum = 0;
  for (const byte of block) sum += byte;
  put(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}
