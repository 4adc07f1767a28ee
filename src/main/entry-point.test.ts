import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tiphys.mjs');

test('bin/tiphys.mjs keeps a compile cache, so a later start reuses the JavaScript of its TypeScript', (t) => {
  const cache = mkdtempSync(join(tmpdir(), 'tiphys-compile-cache-'));
  t.after(() => rmSync(cache, { recursive: true, force: true }));
  const run = () =>
    execFileSync(process.execPath, [BIN, 'version'], {
      env: { ...process.env, NODE_COMPILE_CACHE: cache },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const first = run();
  const entries = readdirSync(cache, { recursive: true });
  assert.ok(entries.length > 0, 'the first start wrote the cache');
  assert.equal(run(), first, 'a start from the cache answers the same');
});
