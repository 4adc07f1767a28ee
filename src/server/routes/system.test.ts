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

const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

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
      webhookSecrets: { gitea: 's3cret', github: 'hub-s3cret' },
      log: (line) => logged.push(line),
    });
  });
  after(() => server.close());

  const post = (url: string, headers: Record<string, string>, payload: string) =>
    server.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...headers },
      payload,
    });

  test('a signed GitHub push refreshes the apps following the pushed branch, and says how many only', async () => {
    for (const [url, after] of [
      ['/webhook', 'a1'],
      ['/api/webhook', 'a2'],
    ]) {
      const body = JSON.stringify({ ...push, after });
      const response = await post(
        url,
        { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign('hub-s3cret', body)}` },
        body,
      );
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json(), { refreshed: 2 }, 'a count, no names');
    }
    // Without a controller in the process, a refresh is an annotation write (here: unreachable).
    assert.ok(logged.some((line) => /webhook: refresh of follows-head/.test(line)));
    assert.ok(
      auth.audits.some(
        (a) => a.action === 'refresh' && a.object === 'default/follows-main' && a.result === 'error',
      ),
    );
  });

  test('unsigned, wrongly signed, secretless-provider and replayed pushes refresh nothing', async () => {
    const before = auth.audits.length;
    const body = JSON.stringify({ ...push, after: 'b1' });
    const attempts: [Record<string, string>, number][] = [
      [{ 'x-github-event': 'push' }, 401],
      [{ 'x-gitea-event': 'push', 'x-gitea-signature': 'ab'.repeat(32) }, 401],
      // GitLab has no secret here, but others do: it is not waved through.
      [{ 'x-gitlab-event': 'Push Hook' }, 401],
      [{ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 's3cret' }, 401],
    ];
    for (const [headers, status] of attempts) {
      const response = await post('/webhook', headers, body);
      assert.equal(response.statusCode, status, `${JSON.stringify(headers)}: ${response.body}`);
      assert.ok(response.json().error);
    }
    const signed = { 'x-gitea-event': 'push', 'x-gitea-signature': sign('s3cret', body) };
    assert.deepEqual((await post('/webhook', signed, body)).json(), { refreshed: 2 });
    const replay = await post('/api/webhook', signed, body);
    assert.equal(replay.statusCode, 409);
    assert.match(replay.json().error, /already received/);
    const refreshes = auth.audits.slice(before).filter((a) => a.action === 'refresh');
    assert.equal(refreshes.length, 2, 'only the one genuine push refreshed anything');
  });

  test('an unknown sender is a 400; a signed ping is acknowledged and refreshes nothing', async () => {
    const unknown = await post('/webhook', {}, JSON.stringify(push));
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.json().error, /unknown webhook sender/);
    const ping = await post(
      '/webhook',
      { 'x-github-event': 'ping', 'x-hub-signature-256': `sha256=${sign('hub-s3cret', '{}')}` },
      '{}',
    );
    assert.deepEqual(ping.json(), { refreshed: 0 });
  });

  test('a flood from one address is cut off with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 80; i++) {
      const response = await server.inject({
        method: 'POST',
        url: '/webhook',
        remoteAddress: '198.51.100.9',
        headers: { 'x-github-event': 'push', 'content-type': 'application/json' },
        payload: JSON.stringify(push),
      });
      statuses.push(response.statusCode);
      retryAfter ??= response.headers['retry-after'] as string | undefined;
    }
    assert.equal(statuses.filter((s) => s === 401).length, 60);
    assert.equal(statuses.filter((s) => s === 429).length, 20);
    assert.ok(Number(retryAfter) > 0);
  });
});
