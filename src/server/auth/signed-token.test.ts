import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { maskTokens, signToken, verifyToken } from './signed-token.ts';

const key = randomBytes(32);
const session = { typ: 'session' as const, jti: 'id-1', iat: 1000, exp: 2000, sub: 'admin', groups: ['g'] };

test('a signed token verifies with its key and type, before it expires', () => {
  const token = signToken(key, session);
  assert.deepEqual(verifyToken(key, token, 'session', 1999), session);
});

test('expired, wrong type, wrong key: refused', () => {
  const token = signToken(key, session);
  assert.equal(verifyToken(key, token, 'session', 2000), undefined);
  assert.equal(verifyToken(key, token, 'api', 1500), undefined);
  assert.equal(verifyToken(key, token, 'oidc', 1500), undefined);
  assert.equal(verifyToken(randomBytes(32), token, 'session', 1500), undefined);
});

test('a tampered payload or signature is refused', () => {
  const [header, payload, signature] = signToken(key, session).split('.');
  const forged = Buffer.from(JSON.stringify({ ...session, sub: 'mallory' })).toString('base64url');
  assert.equal(verifyToken(key, `${header}.${forged}.${signature}`, 'session', 1500), undefined);
  const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
  assert.equal(verifyToken(key, `${header}.${payload}.${flipped}`, 'session', 1500), undefined);
  const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  assert.equal(verifyToken(key, `${none}.${payload}.`, 'session', 1500), undefined);
  assert.equal(verifyToken(key, 'not-a-token', 'session', 1500), undefined);
  assert.equal(verifyToken(key, '', 'session', 1500), undefined);
});

test('only API tokens may lack an expiry', () => {
  const { exp: _, ...forever } = session;
  assert.equal(verifyToken(key, signToken(key, forever), 'session', 1500), undefined);
  const api = { typ: 'api' as const, jti: 't', iat: 1, sub: 'ci' };
  assert.deepEqual(verifyToken(key, signToken(key, api), 'api', 10 ** 10), api);
});

test('token-shaped text is masked for logs', () => {
  const token = signToken(key, session);
  assert.equal(maskTokens(`got ${token} here`), 'got [redacted] here');
  assert.equal(maskTokens('applications default/guestbook'), 'applications default/guestbook');
});
