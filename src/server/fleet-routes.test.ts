// The fleet routes as an attacker meets them: rollout actions and cluster labels need the
// right RBAC action before anything is read or written; bad bodies change nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { asAdmin, asReader, FakeAuth, testServer } from './testkit.ts';

describe('ApplicationSet and cluster label routes', () => {
  let server: FastifyInstance;
  let auth: FakeAuth;
  before(async () => {
    auth = new FakeAuth();
    // May read and update apps, nothing else: must not steer rollouts or relabel clusters.
    auth.identities.set('apps-token', {
      identity: { subject: 'apps-only', groups: [], kind: 'token' },
      rule: (resource) => resource === 'applications',
    });
    ({ server } = await testServer({ auth }));
  });
  after(() => server.close());

  const call = (
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    headers: Record<string, string> = {},
    payload?: unknown,
  ) =>
    server.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

  test('anonymous callers get 401 on every fleet route', async () => {
    for (const [method, url, body] of [
      ['GET', '/api/v1/applicationsets', undefined],
      ['GET', '/api/v1/applicationsets/web', undefined],
      ['POST', '/api/v1/applicationsets/web/rollout/resume', undefined],
      ['PATCH', '/api/v1/clusters/eu-1/labels', { labels: { tier: 'gold' } }],
    ] as const) {
      assert.equal((await call(method, url, {}, body)).statusCode, 401, `${method} ${url}`);
    }
  });

  test('attacker: a reader, or a token for applications only, cannot resume, abort or relabel', async () => {
    for (const headers of [asReader, { authorization: 'Bearer apps-token' }]) {
      for (const action of ['resume', 'abort']) {
        const response = await call('POST', `/api/v1/applicationsets/web/rollout/${action}`, headers);
        assert.equal(response.statusCode, 403, action);
      }
      const relabel = await call('PATCH', '/api/v1/clusters/eu-1/labels', headers, {
        labels: { region: 'elsewhere' },
      });
      assert.equal(relabel.statusCode, 403);
    }
    assert.ok(
      auth.audits.every((a) => a.result !== 'success'),
      'nothing succeeded',
    );
  });

  test('bad input is a 400 naming the problem, before any write', async () => {
    const unknownAction = await call('POST', '/api/v1/applicationsets/web/rollout/restart', asAdmin);
    assert.equal(unknownAction.statusCode, 400);
    const numberValue = await call('PATCH', '/api/v1/clusters/eu-1/labels', asAdmin, { labels: { tier: 3 } });
    assert.equal(numberValue.statusCode, 400);
    const badKey = await call('PATCH', '/api/v1/clusters/eu-1/labels', asAdmin, {
      labels: { 'bad key': 'x' },
    });
    assert.equal(badKey.statusCode, 400);
    assert.match(badKey.json().error, /not a valid label key/);
    const inCluster = await call('PATCH', '/api/v1/clusters/in-cluster/labels', asAdmin, {
      labels: { a: 'b' },
    });
    assert.equal(inCluster.statusCode, 400);
    assert.match(inCluster.json().error, /in-cluster has no Cluster resource/);
  });
});
