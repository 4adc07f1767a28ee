// What every response carries and which browser-made writes the server refuses, over the real
// Fastify instance (the session cookie is only looked at, never checked, by this layer).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { asAdmin, FakeAuth, MemoryApps, testApp, testServer } from './testkit.ts';

describe('browser protections', () => {
  let server: FastifyInstance;
  let auth: FakeAuth;

  before(async () => {
    const apps = new MemoryApps();
    apps.set(testApp('web'));
    auth = new FakeAuth();
    ({ server } = await testServer({ apps, auth }));
  });
  after(() => server.close());

  test('every response forbids framing and MIME sniffing, errors and the UI included', async () => {
    for (const url of [
      '/',
      '/healthz',
      '/api/v1/applications',
      '/api/v1/nothing-here',
      '/api/openapi.json',
    ]) {
      const response = await server.inject({ method: 'GET', url });
      assert.equal(response.headers['content-security-policy'], "frame-ancestors 'none'", url);
      assert.equal(response.headers['x-frame-options'], 'DENY', url);
      assert.equal(response.headers['x-content-type-options'], 'nosniff', url);
    }
  });

  test('a cross-site form post with the session cookie never reaches the handler', async () => {
    const before = auth.audits.length;
    const response = await server.inject({
      method: 'POST',
      url: '/api/v1/applications/web/refresh',
      headers: {
        cookie: 'tiphys.token=stolen.by.browser',
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
      },
      payload: 'a=b',
    });
    assert.equal(response.statusCode, 415);
    assert.match(response.json().error, /application\/json/);
    const json = await server.inject({
      method: 'DELETE',
      url: '/api/v1/applications/web',
      headers: {
        cookie: 'tiphys.token=x.y.z',
        'content-type': 'application/json',
        origin: 'https://evil.example',
      },
      payload: '{}',
    });
    assert.equal(json.statusCode, 403);
    assert.equal(auth.audits.length, before, 'refused before authentication or any handler ran');
  });

  test('bearer callers and webhooks are not subject to it', async () => {
    const refresh = await server.inject({
      method: 'POST',
      url: '/api/v1/applications/web/refresh',
      headers: { ...asAdmin, cookie: 'tiphys.token=x.y.z', origin: 'https://elsewhere.example' },
    });
    assert.notEqual(refresh.statusCode, 403);
    assert.notEqual(refresh.statusCode, 415);
    const hook = await server.inject({
      method: 'POST',
      url: '/webhook',
      headers: {
        'x-github-event': 'ping',
        'content-type': 'application/x-www-form-urlencoded',
        cookie: 'tiphys.token=x',
      },
      payload: 'payload=%7B%7D',
    });
    assert.equal(hook.statusCode, 200, hook.body);
  });
});
