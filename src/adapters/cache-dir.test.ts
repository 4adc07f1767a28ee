import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CacheDirError, prepareCacheDir } from './cache-dir.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tiphys-cache-dir-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const uid = process.getuid?.() ?? 0;

test('without a folder: a fresh private one per process, removed on request', () => {
  const a = prepareCacheDir(undefined, 'controller');
  const b = prepareCacheDir(undefined, 'controller');
  assert.notEqual(a.path, b.path);
  assert.equal(statSync(a.path).mode & 0o777, 0o700);
  assert.equal(a.temporary, true);
  a.remove();
  b.remove();
  assert.equal(existsSync(a.path), false);
});

test('a given folder of this user is created private, or made private, and kept', () => {
  const dir = join(scratch, 'given', 'cache');
  const cache = prepareCacheDir(dir, 'controller');
  assert.equal(cache.path, dir);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  cache.remove();
  assert.equal(existsSync(dir), true);
  const open = join(scratch, 'open');
  mkdirSync(open);
  chmodSync(open, 0o1777);
  assert.equal(prepareCacheDir(open, 'controller').path, open);
  assert.equal(statSync(open).mode & 0o777, 0o700);
});

test("in someone else's folder: a private subfolder; one planted there first is refused", () => {
  // The folder is this process's, so another uid plays "this user": the folder is not theirs.
  const shared = join(scratch, 'shared');
  mkdirSync(shared);
  const other = uid + 1000;
  // What another user would have planted: a folder, or a link, under the name the process uses.
  mkdirSync(join(shared, `tiphys-${other}`));
  symlinkSync('/etc', join(shared, `tiphys-${other + 1}`));
  for (const who of [other, other + 1]) {
    assert.throws(
      () => prepareCacheDir(shared, 'controller', { uid: who }),
      (error: unknown) => {
        assert.ok(error instanceof CacheDirError);
        assert.match(error.message, new RegExp(`${shared}/tiphys-${who} exists and is not a private folder`));
        return true;
      },
    );
  }
});
