// The pipelines' live stream over real HTTP: a pipeline's new state arrives when it changes, only
// to callers who may see that pipeline (the rule of GET /api/v1/pipelines/:name), never another
// project's, and an anonymous caller is refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Pipeline } from '../core/model/pipeline.ts';
import { FakeAuth, MemoryApps, MemoryPipelines, openStream, testApp, testServer, until } from './testkit.ts';

function pipeline(name: string, project: string, apps: string[], message?: string): Pipeline {
  return {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Pipeline',
    metadata: { name, namespace: 'tiphys' },
    spec: {
      project,
      repoURL: `https://git.example.com/${project}.git`,
      layout: 'overlays',
      stages: apps.map((app, i) => ({ name: `s${i}`, applications: [app], path: `overlays/${app}` })),
    },
    ...(message ? { status: { stages: [{ name: 's0', message }] } } : {}),
  } as Pipeline;
}

type Sent = { type: string; pipeline: Pipeline };
const events = (text: string): Sent[] =>
  [...text.matchAll(/^event: pipeline\ndata: (.*)$/gm)].map((m) => JSON.parse(m[1]) as Sent);
const summary = (text: string) =>
  events(text).map((e) => `${e.type} ${e.pipeline.metadata.name} ${e.pipeline.spec.project}`);

describe('pipeline stream (SSE)', () => {
  let server: FastifyInstance;
  let pipelines: MemoryPipelines;
  let url: string;

  before(async () => {
    const auth = new FakeAuth();
    auth.identities.set('team-a-token', {
      identity: { subject: 'proj:team-a:deployer', groups: [], kind: 'token' },
      rule: (resource, action, object) =>
        resource === 'applications' && action === 'get' && object.startsWith('team-a/'),
    });
    const apps = new MemoryApps();
    for (const [name, project] of [
      ['web-a', 'team-a'],
      ['web-b', 'team-b'],
    ])
      apps.set(testApp(name, { project }));
    pipelines = new MemoryPipelines();
    ({ server } = await testServer({ apps, auth, pipelines, heartbeatMs: 50 }));
    url = `${await server.listen({ port: 0, host: '127.0.0.1' })}/api/v1/stream/pipelines`;
  });
  after(() => server.close());

  test('anonymous callers get 401 and no watch is started for them', async () => {
    const { res } = await openStream(url);
    assert.equal(res.statusCode, 401);
    res.resume();
    assert.equal(pipelines.started, false);
  });

  test("changes arrive as `event: pipeline`; another project's pipeline never does", async () => {
    const admin = await openStream(url, 'admin-token');
    const attacker = await openStream(url, 'team-a-token');
    assert.equal(admin.res.statusCode, 200);
    assert.equal(attacker.res.statusCode, 200);
    assert.match(String(admin.res.headers['content-type']), /text\/event-stream/);
    assert.equal(pipelines.started, true, 'the first stream starts the watch');
    pipelines.set(pipeline('a', 'team-a', ['web-a']));
    pipelines.set(pipeline('b', 'team-b', ['web-b']));
    // Project B's pipeline naming A's app (past admission): still B's, not for A's readers.
    pipelines.set(pipeline('b-on-a', 'team-b', ['web-a']));
    pipelines.set(pipeline('mixed', 'team-b', ['web-a', 'web-b']));
    pipelines.set(pipeline('b', 'team-b', ['web-b'], 'secret of team b'));
    pipelines.set(pipeline('a', 'team-a', ['web-a'], 'promoted'));
    pipelines.delete('b');
    pipelines.delete('a');
    await until('eight events for the admin', () => events(admin.read()).length === 8);
    assert.deepEqual(summary(admin.read()), [
      'ADDED a team-a',
      'ADDED b team-b',
      'ADDED b-on-a team-b',
      'ADDED mixed team-b',
      'MODIFIED b team-b',
      'MODIFIED a team-a',
      'DELETED b team-b',
      'DELETED a team-a',
    ]);
    await until('the heartbeat after the last event', () =>
      /DELETED[^\n]*\n\n: heartbeat/.test(attacker.read()),
    );
    assert.deepEqual(summary(attacker.read()), ['ADDED a team-a', 'MODIFIED a team-a', 'DELETED a team-a']);
    assert.equal(events(attacker.read())[1].pipeline.status?.stages?.[0].message, 'promoted');
    assert.doesNotMatch(attacker.read(), /team-b|secret/);
    admin.res.destroy();
    attacker.res.destroy();
  });
});
