import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkPassword,
  generatePassword,
  hashPassword,
  SCRYPT_PARAMETERS,
  verifyPassword,
} from './password.ts';

test('a hash is scrypt$N$r$p$salt$hash with a fresh salt, and never contains the password', async () => {
  const password = 'correct horse battery staple';
  const a = await hashPassword(password);
  const b = await hashPassword(password);
  assert.match(a, /^scrypt\$65536\$8\$2\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.notEqual(a, b, 'a random salt makes every hash different');
  assert.ok(!a.includes(password));
});

test('verify accepts the password and refuses anything else', async () => {
  const stored = await hashPassword('s3cret');
  assert.equal(await verifyPassword('s3cret', stored), true);
  assert.equal(await verifyPassword('s3cret ', stored), false);
  assert.equal(await verifyPassword('', stored), false);
  assert.equal(await verifyPassword('S3cret', stored), false);
});

test('an absent, malformed or tampered hash verifies nothing', async () => {
  const stored = await hashPassword('pw');
  const parts = stored.split('$');
  assert.equal(await verifyPassword('pw', undefined), false);
  assert.equal(await verifyPassword('pw', 'plain-text'), false);
  assert.equal(
    await verifyPassword(
      'pw',
      stored.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
    ),
    false,
  );
  // Work factors a tampered Secret might ask for are refused before any work is done.
  assert.equal(await verifyPassword('pw', ['scrypt', 1 << 30, ...parts.slice(2)].join('$')), false);
  assert.equal(await verifyPassword('pw', ['scrypt', 1000, ...parts.slice(2)].join('$')), false);
  assert.equal(await verifyPassword('pw', ['bcrypt', ...parts.slice(1)].join('$')), false);
});

test('generated passwords are long and distinct', () => {
  const a = generatePassword();
  assert.match(a, /^[A-Za-z0-9_-]{24}$/);
  assert.notEqual(a, generatePassword());
});

test("the cost is at least OWASP's: 64 MiB of memory and N·p ≥ 2^17", () => {
  const { n, r, p } = SCRYPT_PARAMETERS;
  assert.ok(128 * n * r >= 64 * 1024 * 1024);
  assert.ok(n * p >= 1 << 17);
});

test('a hash made with older parameters still verifies, and says it should be made again', async () => {
  const old = await hashPassword('pw', { n: 16384, r: 8, p: 1 });
  assert.match(old, /^scrypt\$16384\$8\$1\$/);
  assert.deepEqual(await checkPassword('pw', old), { valid: true, outdated: true });
  assert.deepEqual(
    await checkPassword('wrong', old),
    { valid: false, outdated: false },
    'only a known password is rehashed',
  );
  assert.deepEqual(await checkPassword('pw', await hashPassword('pw')), { valid: true, outdated: false });
});

test('a stored hash asking for more than 256 MiB is refused before any work', async () => {
  const stored = await hashPassword('pw');
  const parts = stored.split('$');
  assert.equal(await verifyPassword('pw', ['scrypt', 1 << 20, 16, 1, ...parts.slice(4)].join('$')), false);
});
