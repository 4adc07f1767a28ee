import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readCookie, serializeCookie } from './cookies.ts';

test('reads one cookie among several', () => {
  assert.equal(readCookie('a=1; tiphys.token=abc.def.ghi; b=2', 'tiphys.token'), 'abc.def.ghi');
  assert.equal(readCookie('tiphys.tokenx=1', 'tiphys.token'), undefined);
  assert.equal(readCookie(undefined, 'tiphys.token'), undefined);
  assert.equal(readCookie('tiphys.token=%E0%A4%A', 'tiphys.token'), undefined);
});

test('cookies are HttpOnly and SameSite=Lax, Secure on https, and deletable', () => {
  assert.equal(
    serializeCookie('tiphys.token', 'x.y.z', { path: '/', maxAge: 86400, secure: false }),
    'tiphys.token=x.y.z; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax',
  );
  assert.match(serializeCookie('c', 'v', { path: '/', maxAge: 1, secure: true }), /; Secure$/);
  assert.match(
    serializeCookie('c', '', { path: '/', maxAge: 0, secure: false }),
    /Max-Age=0; Expires=Thu, 01 Jan 1970/,
  );
});

test('the double-submit cookie is readable by scripts but never sent by another site', () => {
  assert.equal(
    serializeCookie('tiphys.csrf', 't', { path: '/', maxAge: 60, secure: true, httpOnly: false }),
    'tiphys.csrf=t; Path=/; Max-Age=60; SameSite=Strict; Secure',
  );
});
