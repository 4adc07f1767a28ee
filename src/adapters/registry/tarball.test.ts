// The artifact tarball as an attacker would write it: every entry that could reach outside the
// folder, or a bomb, is refused naming the entry, and no file is written outside.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type TarEntry, tarGz } from '../../../testbed/src/artifacts.ts';
import { extractTarball } from './tarball.ts';

const root = mkdtempSync(join(tmpdir(), 'tiphys-tarball-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function extract(entries: TarEntry[], limits?: { maxBytes: number; maxEntries: number }) {
  const dest = join(root, `case-${n++}`, 'files');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dest, { recursive: true });
  return { dest, result: extractTarball(tarGz(entries), dest, 'artifact oci://r/app@sha256:x', limits) };
}

test('files and folders are unpacked; a link to a file of the artifact becomes a copy', async () => {
  const { dest, result } = await extract([
    { name: './', type: '5' },
    { name: 'app/', type: '5' },
    { name: 'app/cm.yaml', data: 'kind: ConfigMap\n' },
    { name: 'app/same.yaml', type: '2', linkname: 'cm.yaml' },
    { name: 'hard.yaml', type: '1', linkname: 'app/cm.yaml' },
  ]);
  assert.deepEqual(await result, { files: 3, bytes: 16 });
  assert.equal(readFileSync(join(dest, 'app/same.yaml'), 'utf8'), 'kind: ConfigMap\n');
  assert.equal(readFileSync(join(dest, 'hard.yaml'), 'utf8'), 'kind: ConfigMap\n');
});

test('entries that climb out, absolute paths, links out, devices and FIFOs are refused by name', async () => {
  const cases: [TarEntry[], RegExp][] = [
    [[{ name: '../escape.yaml', data: 'x' }], /entry "\.\.\/escape\.yaml" climbs out of the artifact/],
    [[{ name: 'app/../../escape.yaml', data: 'x' }], /climbs out/],
    [[{ name: '/etc/passwd', data: 'x' }], /"\/etc\/passwd" is an absolute path/],
    [
      [{ name: 'link', type: '2', linkname: '/etc/passwd' }],
      /link links to "\/etc\/passwd", outside the artifact/,
    ],
    [[{ name: 'a/link', type: '2', linkname: '../../secret' }], /outside the artifact/],
    [[{ name: 'hard', type: '1', linkname: '../x' }], /outside the artifact/],
    [
      [
        { name: 'dir', type: '5' },
        { name: 'l', type: '2', linkname: 'dir' },
      ],
      /l links to dir, which is not a file/,
    ],
    [[{ name: 'tty', type: '3' }], /tty is a character device/],
    [[{ name: 'pipe', type: '6' }], /pipe is a FIFO/],
  ];
  for (const [entries, pattern] of cases) {
    const { result } = await extract(entries);
    await assert.rejects(result, pattern, entries[entries.length - 1].name);
  }
  assert.equal(existsSync(join(root, 'escape.yaml')), false);
  assert.equal(existsSync(join(root, 'case-0', 'escape.yaml')), false);
});

test('a bomb (too large once gunzipped), too many entries, a corrupt header or not a gzip is refused', async () => {
  const big = await extract([{ name: 'zeros', data: Buffer.alloc(2 * 1024 * 1024) }], {
    maxBytes: 1024 * 1024,
    maxEntries: 10,
  });
  await assert.rejects(big.result, /larger than 1048576 bytes uncompressed/);
  const many = await extract(
    Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, data: 'x' })),
    { maxBytes: 1024 * 1024, maxEntries: 3 },
  );
  await assert.rejects(many.result, /more than 3 entries/);
  const dest = join(root, 'raw');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dest);
  await assert.rejects(extractTarball(Buffer.from('plain text'), dest, 'a'), /not a gzipped tarball/);
  const corrupt = Buffer.alloc(2048);
  corrupt.write('file', 0);
  await assert.rejects(extractTarball(gzipSync(corrupt), dest, 'a'), /corrupt \(checksum\)/);
});
