// Live updates over Server-Sent Events, against the in-memory informer: events arrive as the
// informer reports changes, only for apps the caller may see, with heartbeats, and a closed
// connection stops its subscription.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { FakeAuth, MemoryApps, openStream, PATIENCE_MS, testApp, testServer, until } from './testkit.ts';

describe('application stream (SSE)', () => {
  let server: FastifyInstance;
  let apps: MemoryApps;
  let url: string;

  before(async () => {
    const auth = new FakeAuth();
    auth.identities.set('team-a-token', {
      identity: { subject: 'proj:team-a:deployer', groups: [], kind: 'token' },
      rule: (resource, action, object) =>
        resource === 'applications' && action === 'get' && object.startsWith('team-a/'),
    });
    apps = new MemoryApps();
    apps.set(testApp('old', { project: 'team-a' }));
    ({ server } = await testServer({ apps, auth, heartbeatMs: 50 }));
    url = `${await server.listen({ port: 0, host: '127.0.0.1' })}/api/v1/stream/applications`;
  });
  after(() => server.close());

  test('anonymous callers get 401', async () => {
    const { res } = await openStream(url);
    assert.equal(res.statusCode, 401);
    res.destroy();
  });

  test('changes arrive as `event: application` with type and object, filtered by RBAC', async () => {
    const admin = await openStream(url, 'admin-token');
    const scoped = await openStream(url, 'team-a-token');
    assert.equal(admin.res.statusCode, 200);
    assert.match(String(admin.res.headers['content-type']), /text\/event-stream/);
    apps.set(testApp('web', { project: 'team-a' }));
    apps.set(testApp('other'));
    const changed = testApp('web', { project: 'team-a' }, { status: { sync: { status: 'Synced' } } });
    apps.set(changed);
    apps.delete('old');
    await until('four events', () => (admin.read().match(/^event: application$/gm) ?? []).length === 4);
    await until(
      'three scoped events',
      () => (scoped.read().match(/^event: application$/gm) ?? []).length === 3,
    );
    const events = (text: string) =>
      [...text.matchAll(/^data: (.*)$/gm)].map(
        (m) =>
          JSON.parse(m[1]) as {
            type: string;
            application: { metadata: { name: string }; status?: { sync?: { status: string } } };
          },
      );
    assert.deepEqual(
      events(admin.read()).map((e) => `${e.type} ${e.application.metadata.name}`),
      ['ADDED web', 'ADDED other', 'MODIFIED web', 'DELETED old'],
    );
    assert.equal(events(admin.read())[2].application.status?.sync?.status, 'Synced');
    assert.deepEqual(
      events(scoped.read()).map((e) => `${e.type} ${e.application.metadata.name}`),
      ['ADDED web', 'MODIFIED web', 'DELETED old'],
    );
    await until('a heartbeat', () => admin.read().includes(': heartbeat'));
    admin.res.destroy();
    scoped.res.destroy();
  });
});

describe('application stream: the caller is checked again while it lasts', () => {
  let server: FastifyInstance;
  let auth: FakeAuth;
  let url: string;

  before(async () => {
    auth = new FakeAuth();
    for (const token of ['doomed-token', 'busy-token']) {
      auth.identities.set(token, {
        identity: { subject: token, groups: [], kind: 'token', tokenId: token },
        rule: (_resource, action) => action === 'get',
      });
    }
    ({ server } = await testServer({ auth, streamRecheckMs: 30, maxStreamsPerCaller: 2 }));
    url = `${await server.listen({ port: 0, host: '127.0.0.1' })}/api/v1/stream/applications`;
  });
  after(() => server.close());

  test('a token revoked while its stream is open ends the stream', async () => {
    const stream = await openStream(url, 'doomed-token');
    assert.equal(stream.res.statusCode, 200);
    let ended = false;
    stream.res.on('end', () => {
      ended = true;
    });
    auth.identities.delete('doomed-token');
    await until('the stream to end', () => ended);
    assert.match(stream.read(), /event: end\ndata: .*no longer valid/);
    const again = await openStream(url, 'doomed-token');
    assert.equal(again.res.statusCode, 401, 'and it cannot be reopened');
    again.res.destroy();
  });

  test('a caller holds at most the cap of streams; closing one makes room', async () => {
    const first = await openStream(url, 'busy-token');
    const second = await openStream(url, 'busy-token');
    assert.equal(first.res.statusCode, 200);
    assert.equal(second.res.statusCode, 200);
    const third = await openStream(url, 'busy-token');
    assert.equal(third.res.statusCode, 429);
    third.res.resume();
    const admin = await openStream(url, 'admin-token');
    assert.equal(admin.res.statusCode, 200, 'the cap is per caller');
    first.res.destroy();
    // The server learns of the close a moment later: ask until it has.
    let reopened = await openStream(url, 'busy-token');
    const deadline = Date.now() + PATIENCE_MS;
    while (reopened.res.statusCode === 429 && Date.now() < deadline) {
      reopened.res.resume();
      await sleep(20);
      reopened = await openStream(url, 'busy-token');
    }
    assert.equal(reopened.res.statusCode, 200);
    for (const s of [second, admin, reopened]) s?.res.destroy();
  });
});
