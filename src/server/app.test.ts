// The API server's routes without a cluster: authentication and authorization answers, body
// validation, and the list endpoint over an in-memory informer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { asAdmin, asReader, FakeAuth, MemoryApps, testApp, testServer } from './testkit.ts';

describe('API server routes', () => {
  let server: FastifyInstance;
  let apps: MemoryApps;
  let auth: FakeAuth;

  before(async () => {
    auth = new FakeAuth();
    // A project-scoped identity: may get and sync apps of team-a only.
    auth.identities.set('team-a-token', {
      identity: { subject: 'proj:team-a:deployer', groups: [], kind: 'token' },
      rule: (resource, action, object) =>
        resource === 'applications' && ['get', 'sync'].includes(action) && object.startsWith('team-a/'),
    });
    apps = new MemoryApps();
    apps.set(testApp('web', { project: 'team-a' }));
    apps.set(testApp('api'));
    ({ server } = await testServer({ apps, auth }));
  });
  after(() => server.close());

  const list = (headers: Record<string, string>, query = '') =>
    server.inject({ method: 'GET', url: `/api/v1/applications${query}`, headers });

  test('anonymous callers get 401, with a message saying how to log in', async () => {
    for (const url of [
      '/api/v1/applications',
      '/api/v1/applications/web',
      '/api/v1/projects',
      '/api/v1/clusters',
    ]) {
      const response = await server.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 401, url);
      assert.match(response.json().error, /not logged in/);
    }
    const missing = await server.inject({ method: 'GET', url: '/api/v1/applications/nope' });
    assert.equal(missing.statusCode, 401, 'a missing app is no different to an anonymous caller');
  });

  test('the list shows only what the caller may get, with the total before pagination', async () => {
    assert.deepEqual(
      (await list(asReader)).json().items.map((a: { metadata: { name: string } }) => a.metadata.name),
      ['api', 'web'],
    );
    const scoped = (await list({ authorization: 'Bearer team-a-token' })).json();
    assert.deepEqual(
      scoped.items.map((a: { metadata: { name: string } }) => a.metadata.name),
      ['web'],
    );
    assert.equal(scoped.total, 1);
    const page = (await list(asReader, '?limit=1&offset=1')).json();
    assert.equal(page.total, 2);
    assert.deepEqual(
      page.items.map((a: { metadata: { name: string } }) => a.metadata.name),
      ['web'],
    );
  });

  test('query parameters of the wrong type are a 400 naming the parameter', async () => {
    const response = await list(asReader, '?limit=ten');
    assert.equal(response.statusCode, 400);
    assert.match(response.json().error, /limit/);
    assert.equal((await list(asReader, '?limit=-1')).statusCode, 400);
    assert.equal((await list(asReader, '?selector=a%20in%20(b')).statusCode, 400);
  });

  test('an app a known caller may not see answers as a missing one; one it may not create is a 403', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/applications/api'],
      ['GET', '/api/v1/applications/api/events'],
      ['POST', '/api/v1/applications/api/refresh'],
    ] as const) {
      const other = await server.inject({
        method,
        url: path,
        headers: { authorization: 'Bearer team-a-token' },
      });
      assert.equal(other.statusCode, 404, `${method} ${path}`);
      assert.deepEqual(other.json(), { error: 'application "api" not found in namespace tiphys' });
    }
    const create = await server.inject({
      method: 'POST',
      url: '/api/v1/applications',
      headers: asReader,
      payload: testApp('new'),
    });
    assert.equal(create.statusCode, 403);
    assert.ok(
      auth.audits.some((a) => a.result === 'denied' && a.action === 'create' && a.object === 'default/new'),
    );
    const missing = await server.inject({
      method: 'GET',
      url: '/api/v1/applications/nope',
      headers: asReader,
    });
    assert.equal(
      missing.statusCode,
      502,
      'not in the informer: the API server is asked, and is unreachable here',
    );
  });

  test('malformed bodies are a 400 with a message naming the field, never a 500', async () => {
    const post = (payload: string | object, headers: Record<string, string> = {}) =>
      server.inject({
        method: 'POST',
        url: '/api/v1/applications',
        headers: { ...asAdmin, 'content-type': 'application/json', ...headers },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
    const cases: [string | object, RegExp][] = [
      ['{"metadata": ', /JSON/i],
      ['[]', /object/],
      ['42', /object/],
      [{ metadata: { name: 'x' } }, /spec: is required/],
      [
        { metadata: { name: 'x' }, spec: { source: { repoURL: 5 }, destination: {} } },
        /spec\.source\.repoURL/,
      ],
      [
        { metadata: { name: 'x' }, spec: { source: { repoURL: 'u' }, destination: {}, sorce: 1 } },
        /spec\.sorce: unknown field/,
      ],
      [
        { metadata: { name: 'x' }, spec: { source: { repoURL: 'u' }, destination: {} }, extra: true },
        /extra: unknown field/,
      ],
      [
        {
          metadata: { name: 'x', namespace: 'elsewhere' },
          spec: { source: { repoURL: 'u' }, destination: {} },
        },
        /namespace/,
      ],
      [
        { metadata: { name: 'x' }, spec: { source: { repoURL: 'u' }, destination: {}, dependsOn: ['x'] } },
        /depend on itself/,
      ],
    ];
    for (const [payload, message] of cases) {
      const response = await post(payload);
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.match(response.json().error, message, JSON.stringify(payload));
    }
    const text = await post('hello', { 'content-type': 'text/plain' });
    assert.equal(text.statusCode, 400);
    assert.match(text.json().error, /request body/);
    const form = await post('a=b', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.statusCode, 415);
    assert.ok(form.json().error);
  });

  test('action bodies are checked too: sync, rollback, clusters, repositories', async () => {
    const cases: [string, object, RegExp][] = [
      ['/api/v1/applications/web/sync', { prune: 'yes' }, /prune/],
      ['/api/v1/applications/web/sync', { resources: [{ name: 'x' }] }, /resources\[0\]\.kind: is required/],
      ['/api/v1/applications/web/rollback', {}, /id: is required/],
      ['/api/v1/applications/web/rollback', { id: 1.5 }, /id/],
      ['/api/v1/clusters', { name: 'Bad Name', server: 'https://x' }, /name/],
      ['/api/v1/clusters', { name: 'c', server: 'ftp://x' }, /server/],
      ['/api/v1/clusters', { name: 'c', server: 'https://x', password: 'p' }, /password: unknown field/],
      ['/api/v1/repositories', { url: 'https://x', token: 't' }, /token: unknown field/],
      ['/api/v1/repositories', { url: 'https://u:p@x/r.git' }, /credentials/],
      ['/api/v1/repositories', { url: 'https://x', username: 'u' }, /password/],
      ['/api/v1/clusters', { name: 'c' }, /server: is required/],
    ];
    for (const [url, payload, message] of cases) {
      const response = await server.inject({ method: 'POST', url, headers: asAdmin, payload });
      assert.equal(response.statusCode, 400, `${url} ${JSON.stringify(payload)}: ${response.body}`);
      assert.match(response.json().error, message, url);
    }
    const badName = await server.inject({
      method: 'GET',
      url: '/api/v1/applications/Not_A_Name',
      headers: asAdmin,
    });
    assert.equal(badName.statusCode, 400);
  });

  test('a known path with a method it lacks is a 405 naming the methods it has', async () => {
    for (const method of ['PATCH', 'TRACE'] as const) {
      const response = await server.inject({ method, url: '/api/v1/applications/web' });
      assert.equal(response.statusCode, 405, method);
      assert.equal(response.headers.allow, 'DELETE, GET, PUT');
      assert.match(response.json().error, /not allowed/);
    }
  });

  test('names up to 253 characters reach the handler', async () => {
    const long = await server.inject({
      method: 'GET',
      url: `/api/v1/applications/${'a'.repeat(253)}`,
      headers: asReader,
    });
    assert.equal(long.statusCode, 502, 'looked up in the (unreachable) API server');
    const tooLong = await server.inject({
      method: 'GET',
      url: `/api/v1/applications/${'a'.repeat(254)}`,
      headers: asReader,
    });
    assert.equal(tooLong.statusCode, 400);
  });

  test('unknown API paths answer 404 as JSON; without a built UI, / says how to build it', async () => {
    const missing = await server.inject({ method: 'GET', url: '/api/v1/nothing' });
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().error, /no such endpoint/);
    const home = await server.inject({ method: 'GET', url: '/' });
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /npm run build/);
  });

  test('/healthz and /metrics need no login; metrics count requests by route and status', async () => {
    assert.equal((await server.inject({ method: 'GET', url: '/healthz' })).json().status, 'ok');
    const metrics = await server.inject({ method: 'GET', url: '/metrics' });
    assert.equal(metrics.statusCode, 200);
    assert.match(
      metrics.body,
      /tiphys_server_requests_total\{method="GET",route="\/api\/v1\/applications",status="200"\}/,
    );
  });
});
