import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withSystemDirs } from './system-path.ts';

test('a bare PATH gains the sbin folders after its own, in order', () => {
  assert.equal(withSystemDirs('/usr/bin:/bin'), '/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin');
});

test('folders already there are kept where they are and not repeated', () => {
  assert.equal(withSystemDirs('/usr/sbin:/usr/bin:/sbin'), '/usr/sbin:/usr/bin:/sbin:/usr/local/sbin');
});

test('no PATH at all gives the sbin folders alone', () => {
  assert.equal(withSystemDirs(undefined), '/usr/local/sbin:/usr/sbin:/sbin');
});
