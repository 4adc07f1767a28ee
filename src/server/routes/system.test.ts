// Webhooks and the other unauthenticated endpoints, against the in-memory informer.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../app.ts';
import { FakeAuth, MemoryApps, testApp, unreachableKubeConfig } from '../testkit.ts';

const push = {
  ref: 'refs/heads/main',
  repository: { clone_url: 'https://git.example.com/config.git', default_branch: 'main' },
};

describe('webhook', () => {
  let server: FastifyInstance;
  const logged: string[] = [];
  const auth = new FakeAuth();
  before(async () => {
    const apps = new MemoryApps();
    apps.set(testApp('follows-head'));
    apps.set(
      testApp('follows-main', {
        source: { repoURL: 'https://git.example.com/config', targetRevision: 'main' },
      }),
    );
    apps.set(
      testApp('follows-tag', {
        source: { repoURL: 'https://git.example.com/config.git', targetRevision: 'v1' },
      }),
    );
    apps.set(testApp('elsewhere', { source: { repoURL: 'https://git.example.com/other.git' } }));
    server = await buildServer({
      kubeConfig: unreachableKubeConfig(),
      namespace: 'tiphys',
      auth,
      apps,
      uiDir: '/nonexistent',
      webhookSecrets: { gitea: 's3cret' },
      log: (line) => logged.push(line),
    });
  });
  after(() => server.close());

  test('a GitHub push refreshes the apps following the pushed branch, on both paths', async () => {
    for (const url of ['/webhook', '/api/webhook']) {
      const response = await server.inject({
        method: 'POST',
        url,
        headers: { 'x-github-event': 'push', 'content-type': 'application/json' },
        payload: JSON.stringify(push),
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json().refreshed.sort(), ['follows-head', 'follows-main']);
    }
    // Without a controller in the process, a refresh is an annotation write (here: unreachable).
    assert.ok(logged.some((line) => /webhook: refresh of follows-head/.test(line)));
    assert.ok(
      auth.audits.some(
        (a) => a.action === 'refresh' && a.object === 'default/follows-main' && a.result === 'error',
      ),
    );
  });

  test('a signature that does not match is a 401; an unknown sender a 400; a ping is ignored', async () => {
    const body = JSON.stringify(push);
    const bad = await server.inject({
      method: 'POST',
      url: '/webhook',
      headers: {
        'x-gitea-event': 'push',
        'x-gitea-signature': 'ab'.repeat(32),
        'content-type': 'application/json',
      },
      payload: body,
    });
    assert.equal(bad.statusCode, 401);
    const signature = createHmac('sha256', 's3cret').update(body).digest('hex');
    const good = await server.inject({
      method: 'POST',
      url: '/webhook',
      headers: {
        'x-gitea-event': 'push',
        'x-gitea-signature': signature,
        'content-type': 'application/json',
      },
      payload: body,
    });
    assert.equal(good.statusCode, 200);
    const unknown = await server.inject({
      method: 'POST',
      url: '/webhook',
      payload: body,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.json().error, /unknown webhook sender/);
    const ping = await server.inject({
      method: 'POST',
      url: '/webhook',
      headers: { 'x-github-event': 'ping' },
      payload: '{}',
    });
    assert.deepEqual(ping.json(), { refreshed: [] });
  });
});
