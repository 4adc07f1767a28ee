import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generatePassword, hashPassword, verifyPassword } from './password.ts';

test('a hash is scrypt$N$r$p$salt$hash with a fresh salt, and never contains the password', async () => {
  const password = 'correct horse battery staple';
  const a = await hashPassword(password);
  const b = await hashPassword(password);
  assert.match(a, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
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
