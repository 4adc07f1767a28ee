import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CSRF_HEADER, crossSiteRefusal, type RequestFacts } from './csrf.ts';

const SESSION = 'tiphys.token=a.b.c; tiphys.csrf=tok3n';
const write = (headers: RequestFacts['headers'], method = 'POST'): RequestFacts => ({
  method,
  headers,
  protocol: 'https',
  host: 'cd.example.com',
});
const json = { 'content-type': 'application/json' };

test('a form or no-cors post riding the session cookie is refused, whatever its origin', () => {
  for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
    const refusal = crossSiteRefusal(
      write({ cookie: SESSION, 'content-type': type, origin: 'https://cd.example.com' }),
    );
    assert.equal(refusal?.status, 415, type);
    assert.match(refusal?.message ?? '', /Content-Type: application\/json/);
  }
  assert.equal(crossSiteRefusal(write({ cookie: SESSION }, 'DELETE'))?.status, 415, 'no content type at all');
});

test('a JSON write with the cookie needs this origin or the double-submit token', () => {
  const foreign = crossSiteRefusal(write({ cookie: SESSION, ...json, origin: 'https://evil.example' }));
  assert.equal(foreign?.status, 403);
  assert.match(foreign?.message ?? '', /evil\.example.*not this server's origin/);
  assert.equal(crossSiteRefusal(write({ cookie: SESSION, ...json, origin: 'null' }))?.status, 403);
  assert.equal(
    crossSiteRefusal(write({ cookie: SESSION, ...json, origin: 'http://cd.example.com' }))?.status,
    403,
    'another scheme is another origin',
  );
  assert.equal(crossSiteRefusal(write({ cookie: SESSION, ...json }))?.status, 403, 'no Origin, no token');
  assert.equal(
    crossSiteRefusal(write({ cookie: SESSION, ...json, [CSRF_HEADER]: 'guess' }))?.status,
    403,
    'a wrong token',
  );
  assert.equal(
    crossSiteRefusal(write({ cookie: 'tiphys.token=a.b.c', ...json, [CSRF_HEADER]: '' }))?.status,
    403,
    'an empty token does not match a missing cookie',
  );
  assert.equal(
    crossSiteRefusal(write({ cookie: SESSION, ...json, origin: 'https://cd.example.com' })),
    undefined,
  );
  assert.equal(
    crossSiteRefusal(write({ cookie: SESSION, ...json, origin: 'https://cd.example.com:443' })),
    undefined,
  );
  assert.equal(
    crossSiteRefusal(
      write({ cookie: SESSION, 'content-type': 'application/json; charset=utf-8', [CSRF_HEADER]: 'tok3n' }),
    ),
    undefined,
    'the token alone suffices (a proxy may strip Origin)',
  );
});

test('bearer tokens, reads and cookie-less requests from this origin are not checked', () => {
  assert.equal(crossSiteRefusal(write({ cookie: SESSION, authorization: 'Bearer x.y.z' })), undefined);
  assert.equal(
    crossSiteRefusal(write({ cookie: SESSION, authorization: 'Basic eDp5' }))?.status,
    415,
    'only a bearer token exempts: any other scheme leaves the cookie in charge',
  );
  assert.equal(crossSiteRefusal(write({ cookie: SESSION }, 'GET')), undefined);
  assert.equal(crossSiteRefusal(write({ ...json })), undefined, 'the CLI logs in without an Origin');
  const loginCsrf = crossSiteRefusal(write({ 'content-type': 'text/plain', origin: 'https://evil.example' }));
  assert.equal(loginCsrf?.status, 403, "another site's login form is refused");
});
