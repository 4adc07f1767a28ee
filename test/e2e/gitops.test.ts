// The GitOps engine end to end: a real cluster, a real Git server, the controller in-process.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Controller } from '../../src/controller/controller.ts';
import { controllerHttp } from '../../src/controller/http.ts';
import type { Application } from '../../src/core/model/application.ts';
import {
  createApp,
  type Env,
  eventually,
  patchApp,
  readObject,
  startEnv,
  startInProcessController,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';

const testdata = join(import.meta.dirname, 'testdata');
const automated = { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] };

describe('GitOps engine', () => {
  let env: Env;
  let controller: Controller;
  let http: FastifyInstance;
  let webhookUrl: string;
  let repo: string;

  before(async () => {
    env = await startEnv('gitops');
    repo = (await env.git.createRepo('testdata', testdata)).url;
    controller = startInProcessController(env);
    await controller.start();
    http = controllerHttp(controller);
    webhookUrl = `${await http.listen({ port: 0, host: '127.0.0.1' })}/webhook`;
  });
  after(async () => {
    await http?.close();
    await controller?.stop();
    await env?.stop();
  });

  test('a Kustomize app with dev and prod overlays deploys each environment', async () => {
    for (const overlay of ['dev', 'prod']) {
      await createApp(env, `web-${overlay}`, {
        source: { repoURL: repo, path: `overlays/${overlay}` },
        destination: { namespace: overlay },
        syncPolicy: automated,
      });
    }
    for (const overlay of ['dev', 'prod']) {
      await waitForApp(env, `web-${overlay}`, syncedAndHealthy, 'Synced and Healthy');
      const deployment = (await readObject(
        env,
        `/apis/apps/v1/namespaces/${overlay}/deployments/${overlay}-web`,
      )) as unknown as {
        spec: { replicas: number };
      };
      assert.equal(deployment.spec.replicas, overlay === 'prod' ? 3 : 1);
      const settings = (await readObject(
        env,
        `/api/v1/namespaces/${overlay}/configmaps/${overlay}-settings`,
      )) as unknown as {
        data: Record<string, string>;
      };
      assert.equal(settings.data.mode, overlay);
    }
  });

  test('a pushed commit reaches the cluster through the webhook, and removed objects are pruned', async () => {
    await createApp(env, 'webhooked', {
      source: { repoURL: repo, path: 'deps/first' },
      destination: { namespace: 'webhooked' },
      syncPolicy: automated,
    });
    await waitForApp(env, 'webhooked', syncedAndHealthy, 'first sync');
    const commit = await env.git.commitFiles(
      'testdata',
      {
        'deps/first/cm.yaml': null,
        'deps/first/renamed.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: renamed\ndata:\n  order: first\n',
      },
      'rename the ConfigMap',
    );
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push' },
      body: JSON.stringify({
        ref: 'refs/heads/main',
        repository: { clone_url: repo, default_branch: 'main' },
      }),
    });
    const body = (await response.json()) as { refreshed: number };
    assert.ok(body.refreshed >= 1, JSON.stringify(body));
    await waitForApp(
      env,
      'webhooked',
      (a) => syncedAndHealthy(a) && a.status?.sync?.revision === commit,
      'new commit',
    );
    assert.ok(await readObject(env, '/api/v1/namespaces/webhooked/configmaps/renamed'));
    await eventually('the old ConfigMap to be pruned', async () =>
      (await readObject(env, '/api/v1/namespaces/webhooked/configmaps/first')) === undefined
        ? true
        : undefined,
    );
    // Put the file back for the other tests.
    await env.git.commitFiles(
      'testdata',
      {
        'deps/first/renamed.yaml': null,
        'deps/first/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\ndata:\n  order: first\n',
      },
      'restore',
    );
  });

  test("a pushed change is reported Synced at its commit by the sync's own status write", async () => {
    const cm = (value: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: reported\ndata:\n  value: ${value}\n`;
    await env.git.commitFiles('testdata', { 'reported/cm.yaml': cm('one') }, 'add reported');
    await createApp(env, 'reported', {
      source: { repoURL: repo, path: 'reported' },
      destination: { namespace: 'reported' },
      syncPolicy: automated,
    });
    await waitForApp(env, 'reported', syncedAndHealthy, 'first sync');
    // Every status write of the app, as the watch delivers them.
    const writes: Application[] = [];
    controller.apps.onChange((name, app) => {
      if (name === 'reported' && app) writes.push(structuredClone(app));
    });
    const commit = await env.git.commitFiles('testdata', { 'reported/cm.yaml': cm('two') }, 'change it');
    await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push' },
      body: JSON.stringify({
        ref: 'refs/heads/main',
        repository: { clone_url: repo, default_branch: 'main' },
        commits: [{ modified: ['reported/cm.yaml'] }],
      }),
    });
    await waitForApp(
      env,
      'reported',
      (a) => syncedAndHealthy(a) && a.status?.sync?.revision === commit,
      'Synced at the new commit',
    );
    await eventually(
      'the watch to deliver the Synced status',
      async () =>
        writes.some((a) => a.status?.sync?.status === 'Synced' && a.status.sync.revision === commit) ||
        undefined,
    );
    // The write that records the sync's success already says Synced at its commit: no status in
    // between shows the new revision OutOfSync, and no second comparison was needed to say it.
    const succeeded = writes.find(
      (a) =>
        a.status?.operationState?.phase === 'Succeeded' &&
        a.status.operationState.syncResult?.revision === commit,
    );
    assert.ok(succeeded, `a write records the sync of ${commit}`);
    assert.equal(succeeded.status?.sync?.status, 'Synced');
    assert.equal(succeeded.status?.sync?.revision, commit);
    const settings = (await readObject(
      env,
      '/api/v1/namespaces/reported/configmaps/reported',
    )) as unknown as {
      data: Record<string, string>;
    };
    assert.equal(settings.data.value, 'two');
  });

  test('self-heal reverts a manual edit and a deletion', async () => {
    await waitForApp(env, 'web-dev', syncedAndHealthy, 'Synced and Healthy');
    const path = '/apis/apps/v1/namespaces/dev/deployments/dev-web';
    await env.rest.request('PATCH', path, {
      body: { spec: { replicas: 5 } },
      contentType: 'application/merge-patch+json',
    });
    await eventually('replicas reverted to 1', async () => {
      const live = (await readObject(env, path)) as unknown as { spec: { replicas: number } };
      return live.spec.replicas === 1 ? true : undefined;
    });
    await env.rest.request('DELETE', '/api/v1/namespaces/dev/configmaps/dev-settings');
    await eventually('the deleted ConfigMap to be recreated', async () =>
      (await readObject(env, '/api/v1/namespaces/dev/configmaps/dev-settings')) ? true : undefined,
    );
  });

  test('a failing PreSync hook runs the SyncFail hooks and applies nothing else', async () => {
    await createApp(env, 'hook-fails', {
      source: { repoURL: repo, path: 'failing-hook' },
      destination: { namespace: 'hook-fails' },
      syncPolicy: automated,
    });
    const app = await waitForApp(
      env,
      'hook-fails',
      (a) => a.status?.operationState?.phase === 'Failed',
      'the operation to fail',
    );
    assert.match(app.status?.operationState?.message ?? '', /migrate/);
    assert.equal(await readObject(env, '/api/v1/namespaces/hook-fails/configmaps/must-not-exist'), undefined);
    const jobs = (await env.rest.request('GET', '/apis/batch/v1/namespaces/hook-fails/jobs')) as {
      items: { metadata: { name: string } }[];
    };
    assert.ok(
      jobs.items.some((job) => job.metadata.name.startsWith('on-failure-')),
      `SyncFail hook ran: ${jobs.items.map((j) => j.metadata.name)}`,
    );
  });

  test('the controller records Kubernetes Events on the Application: syncs, failures, health', async () => {
    type Event = {
      reason: string;
      type: string;
      message: string;
      count: number;
      involvedObject: { uid?: string };
    };
    const eventsOf = async (name: string) =>
      (
        (await env.rest.request('GET', '/api/v1/namespaces/tiphys/events', {
          query: { fieldSelector: `involvedObject.kind=Application,involvedObject.name=${name}` },
        })) as { items: Event[] }
      ).items;
    const synced = await eventually('SyncStarted and SyncSucceeded on web-dev', async () => {
      const events = await eventsOf('web-dev');
      const reasons = events.map((e) => e.reason);
      return reasons.includes('SyncStarted') && reasons.includes('SyncSucceeded') ? events : undefined;
    });
    const app = await waitForApp(env, 'web-dev', syncedAndHealthy, 'Synced and Healthy');
    assert.ok(synced.every((e) => e.involvedObject.uid === app.metadata.uid));
    assert.match(synced.find((e) => e.reason === 'SyncSucceeded')?.message ?? '', /^synced [0-9a-f]{7}/);
    const health = await eventually('HealthChanged on web-dev', async () =>
      (await eventsOf('web-dev')).find((e) => e.reason === 'HealthChanged'),
    );
    assert.match(health.message, /^health changed from \w+ to \w+/);
    const failed = await eventually('SyncFailed on hook-fails', async () =>
      (await eventsOf('hook-fails')).find((e) => e.reason === 'SyncFailed'),
    );
    assert.equal(failed.type, 'Warning');
    assert.match(failed.message, /migrate/);
  });

  test('an invalid manifest leaves the cluster untouched and says which object and why', async () => {
    await createApp(env, 'invalid', {
      source: { repoURL: repo, path: 'invalid-schema' },
      destination: { namespace: 'default' },
      syncPolicy: { automated: { prune: true } },
    });
    const app = await waitForApp(
      env,
      'invalid',
      (a) => a.status?.operationState?.phase === 'Failed',
      'failure',
    );
    assert.match(app.status?.operationState?.message ?? '', /Deployment default\/bad/);
    assert.match(app.status?.operationState?.message ?? '', /replicas/);
    assert.equal(await readObject(env, '/api/v1/namespaces/default/configmaps/good-but-blocked'), undefined);
    assert.equal(await readObject(env, '/apis/apps/v1/namespaces/default/deployments/bad'), undefined);
  });

  test('a YAML error is a condition naming the file and line, and nothing is synced', async () => {
    await env.git.commitFiles(
      'testdata',
      { 'broken/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  bad: [\n' },
      'broken',
    );
    await createApp(env, 'broken', {
      source: { repoURL: repo, path: 'broken' },
      destination: { namespace: 'default' },
      syncPolicy: automated,
    });
    const app = await waitForApp(
      env,
      'broken',
      (a) => (a.status?.conditions ?? []).length > 0,
      'a condition',
    );
    const message = app.status?.conditions?.[0]?.message ?? '';
    assert.match(message, /broken\/cm\.yaml/);
    assert.match(message, /line \d+/);
    assert.equal(app.status?.operationState, undefined);
    // A broken manifest fails the same way until someone pushes a fix: the app is looked at
    // again on the next change or its repository's poll, not rendered again every few seconds.
    const { failing } = await controller.polls.poll(repo);
    assert.ok(failing.includes('broken'), `the poll retries the failing app: ${failing}`);
    const firstLook = app.status?.reconciledAt;
    await waitForApp(env, 'broken', (a) => a.status?.reconciledAt !== firstLook, 'the poll looked again');
    assert.equal(controller.queue.scheduledAt('broken'), undefined, 'no timer of its own');
  });

  test('a path with nothing Tiphys renders is a condition naming the files, not a Healthy app; .tiphys-empty makes it intended', async () => {
    await env.git.commitFiles(
      'testdata',
      { 'cue-only/app.cue': 'kind: "ConfigMap"\n', 'cue-only/lib/util.cue': '{}\n' },
      'an app path of CUE files only (a format Tiphys does not render)',
    );
    await createApp(env, 'cue-only', {
      source: { repoURL: repo, path: 'cue-only' },
      destination: { namespace: 'default' },
      syncPolicy: automated,
    });
    const empty = await waitForApp(
      env,
      'cue-only',
      (a) => (a.status?.conditions ?? []).some((c) => c.type === 'ComparisonError'),
      'a ComparisonError condition',
    );
    const message = empty.status?.conditions?.find((c) => c.type === 'ComparisonError')?.message ?? '';
    assert.match(message, /^no manifests found in cue-only\/: skipped 2 files: /);
    assert.match(message, /app\.cue \(not \.yaml, \.yml, \.json or \.jsonnet\)/);
    assert.match(message, /lib\/util\.cue/);
    assert.match(message, /commit an empty file cue-only\/\.tiphys-empty/);
    assert.equal(empty.status?.health?.status, 'Unknown');
    assert.equal(empty.status?.sync?.status, 'Unknown');
    assert.equal(empty.status?.operationState, undefined, 'nothing was synced');

    const marked = await env.git.commitFiles(
      'testdata',
      { 'cue-only/.tiphys-empty': '' },
      'empty on purpose',
    );
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push' },
      body: JSON.stringify({
        ref: 'refs/heads/main',
        repository: { clone_url: repo, default_branch: 'main' },
      }),
    });
    assert.equal(response.status, 200);
    const intended = await waitForApp(
      env,
      'cue-only',
      (a) => a.status?.sync?.status === 'Synced' && a.status.sync.revision === marked,
      'Synced at the marked commit',
    );
    assert.deepEqual(
      (intended.status?.conditions ?? []).filter((c) => c.type === 'ComparisonError'),
      [],
    );
    assert.deepEqual(intended.status?.resources ?? [], []);
  });

  test('history records each sync and a rollback redeploys an earlier revision with automation off', async () => {
    await createApp(env, 'rolling', {
      source: { repoURL: repo, path: 'deps/second' },
      destination: { namespace: 'rolling' },
      syncPolicy: automated,
    });
    const first = await waitForApp(env, 'rolling', syncedAndHealthy, 'first sync');
    const firstRevision = first.status?.sync?.revision;
    const next = await env.git.commitFiles(
      'testdata',
      {
        'deps/second/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: second\ndata:\n  order: changed\n',
      },
      'change second',
    );
    controller.refresh('rolling');
    const updated = await waitForApp(
      env,
      'rolling',
      (a) => a.status?.sync?.revision === next && syncedAndHealthy(a),
      'second sync',
    );
    assert.ok((updated.status?.history ?? []).length >= 2);
    const entry = updated.status?.history?.find((h) => h.revision === firstRevision);
    assert.ok(entry, 'the first revision is in the history');
    // What `tiphys app rollback` writes: an operation at that revision, and no automated policy.
    await patchApp(env, 'rolling', {
      spec: { syncPolicy: { automated: null } },
      operation: { sync: { revision: firstRevision }, initiatedBy: { username: 'test' } },
    });
    await waitForApp(
      env,
      'rolling',
      (a) =>
        a.status?.operationState?.phase === 'Succeeded' &&
        a.status.operationState.syncResult?.revision === firstRevision,
      'rollback to finish',
    );
    const cm = (await readObject(env, '/api/v1/namespaces/rolling/configmaps/second')) as unknown as {
      data: Record<string, string>;
    };
    assert.equal(cm.data.order, 'second');
    // HEAD differs from what runs now, and nothing syncs it back.
    const after = await waitForApp(
      env,
      'rolling',
      (a) => a.status?.sync?.status === 'OutOfSync',
      'OutOfSync',
    );
    assert.equal(after.spec.syncPolicy?.automated, undefined);
    assert.equal(after.status?.sync?.revision, firstRevision);
  });

  test('dependsOn holds an app back until its dependency is Synced and Healthy', async () => {
    await createApp(env, 'dependent', {
      source: { repoURL: repo, path: 'deps/second' },
      destination: { namespace: 'ordered' },
      syncPolicy: automated,
      dependsOn: ['dependency'],
    });
    const waiting = await waitForApp(
      env,
      'dependent',
      (a) => (a.status?.conditions ?? []).some((c) => /dependency/.test(c.message ?? '')),
      'a waiting condition',
    );
    assert.equal(waiting.status?.operationState, undefined);
    assert.equal(await readObject(env, '/api/v1/namespaces/ordered/configmaps/second'), undefined);
    await createApp(env, 'dependency', {
      source: { repoURL: repo, path: 'deps/first' },
      destination: { namespace: 'ordered' },
      syncPolicy: automated,
    });
    const dependency = await waitForApp(env, 'dependency', syncedAndHealthy, 'dependency synced');
    // No refresh by hand: the controller itself queues the apps that depend on one whose sync or
    // health changed (the poll is minutes away).
    const dependent = await waitForApp(env, 'dependent', syncedAndHealthy, 'dependent synced');
    const started = Date.parse(dependent.status?.operationState?.startedAt ?? '');
    const dependencyFinished = Date.parse(dependency.status?.operationState?.finishedAt ?? '');
    assert.ok(started >= dependencyFinished, 'the dependent synced after its dependency');
  });

  test('a failed sync is retried with backoff and succeeds once the cause is gone', async () => {
    await createApp(env, 'retried', {
      source: { repoURL: repo, path: 'deps/first' },
      destination: { namespace: 'created-later' },
      syncPolicy: { automated: { prune: true }, retry: { limit: 5, backoff: { duration: '1s', factor: 2 } } },
    });
    const failing = await waitForApp(
      env,
      'retried',
      (a) => (a.status?.operationState?.retryCount ?? 0) >= 1,
      'a first retry',
    );
    assert.match(failing.status?.operationState?.message ?? '', /created-later/);
    await env.rest.request('POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'created-later' } },
    });
    const done = await waitForApp(
      env,
      'retried',
      (a) => a.status?.operationState?.phase === 'Succeeded',
      'a retry to succeed',
    );
    assert.ok((done.status?.operationState?.retryCount ?? 0) >= 1);
    assert.ok(await readObject(env, '/api/v1/namespaces/created-later/configmaps/first'));
  });

  test('an AppProject that does not permit the repository or destination stops the app with a condition', async () => {
    await env.rest.request('POST', '/apis/tiphys.dev/v1alpha1/namespaces/tiphys/appprojects', {
      body: {
        apiVersion: 'tiphys.dev/v1alpha1',
        kind: 'AppProject',
        metadata: { name: 'team-a', namespace: 'tiphys' },
        spec: {
          sourceRepos: ['https://git.example.com/team-a/*'],
          destinations: [{ cluster: 'in-cluster', namespace: 'team-a' }],
        },
      },
    });
    await createApp(env, 'forbidden', {
      project: 'team-a',
      source: { repoURL: repo, path: 'deps/first' },
      destination: { namespace: 'elsewhere' },
      syncPolicy: automated,
    });
    const app = await waitForApp(
      env,
      'forbidden',
      (a) => (a.status?.conditions ?? []).some((c) => c.type === 'ProjectViolation'),
      'a project condition',
    );
    const message = app.status?.conditions?.find((c) => c.type === 'ProjectViolation')?.message ?? '';
    assert.match(message, /repository .* is not permitted in project team-a/);
    assert.match(message, /namespace elsewhere is not permitted/);
    assert.equal(await readObject(env, '/api/v1/namespaces/elsewhere/configmaps/first'), undefined);
  });

  test('unknown fields are refused, unless the object says Validate=false', async () => {
    await env.git.commitFiles(
      'testdata',
      { 'strict/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict\nnotAField: 1\n' },
      'an unknown field',
    );
    await createApp(env, 'strict', {
      source: { repoURL: repo, path: 'strict' },
      destination: { namespace: 'default' },
      syncPolicy: automated,
    });
    await createApp(env, 'lenient', {
      source: { repoURL: repo, path: 'lenient' },
      destination: { namespace: 'default' },
      syncPolicy: automated,
    });
    const strict = await waitForApp(
      env,
      'strict',
      (a) => a.status?.operationState?.phase === 'Failed',
      'refused',
    );
    assert.match(strict.status?.operationState?.message ?? '', /notAField/);
    await waitForApp(env, 'lenient', syncedAndHealthy, 'applied without validation');
    assert.ok(await readObject(env, '/api/v1/namespaces/default/configmaps/lenient'));
  });

  test('/metrics reports reconciles, syncs and Git requests, and /healthz answers', async () => {
    const base = webhookUrl.replace(/\/webhook$/, '');
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
    assert.ok(value(/^tiphys_app_reconcile_total\{outcome="ok"\} (\d+)/m) > 0, 'reconciles counted');
    const succeededSyncs = text
      .split('\n')
      .filter((line) => line.startsWith('tiphys_app_sync_total{'))
      .filter((line) => line.includes('phase="Succeeded"') && line.includes('dry_run="false"'))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    assert.ok(succeededSyncs > 0, `syncs counted: ${text}`);
    assert.ok(value(/^tiphys_git_request_total\{operation="fetches"\} (\d+)/m) > 0, 'git fetches counted');
    assert.match(text, /tiphys_app_reconcile_duration_seconds_bucket/);
    const health = (await (await fetch(`${base}/healthz`)).json()) as { status: string };
    assert.equal(health.status, 'ok');
  });
});
