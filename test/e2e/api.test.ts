// The API server end to end: a real cluster, a real Git server, the real auth service and the
// in-process controller. An authorization matrix over every endpoint for four callers, no
// credential in any response, 400s for malformed bodies, and the GitOps flows through the API:
// sync, live updates over SSE, the resource tree, rollback and delete.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Controller } from '../../src/controller/controller.ts';
import type { Application } from '../../src/core/model/application.ts';
import { type AuthService, recentAuditEvents } from '../../src/server/auth/index.ts';
import {
  createProject,
  type Env,
  eventually,
  examplesDir,
  initialAdminPassword,
  NAMESPACE,
  readObject,
  startApiServer,
  startEnv,
  startInProcessController,
  waitForApp,
} from './support.ts';

type Caller = 'anonymous' | 'reader' | 'team' | 'admin';
const REPO_PASSWORD = 'repo-pa55word-never-shown';
const CLUSTER_TOKEN = 'cluster-bearer-token-never-shown';
const SECRET_VALUE = 'secret-value-never-shown';
const crd = (kind: string) => ({ apiVersion: 'tiphys.dev/v1alpha1', kind });

describe('API server', () => {
  let env: Env;
  let controller: Controller;
  let auth: AuthService;
  let server: FastifyInstance;
  let base: string;
  let repo: string;
  let firstCommit: string;
  let adminPassword: string;
  const tokens: Partial<Record<Caller, string>> = {};
  /** Every response body, scanned for credentials at the end. */
  const seen: string[] = [];

  async function call(caller: Caller, method: string, path: string, body?: unknown, raw?: string) {
    const headers: Record<string, string> = {};
    if (tokens[caller]) headers.authorization = `Bearer ${tokens[caller]}`;
    if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await response.text();
    seen.push(text);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: response.status, text, json: json as Record<string, unknown> & { error?: string } };
  }

  const appBody = (name: string, project: string, namespace: string) => ({
    metadata: { name },
    spec: {
      project,
      source: { repoURL: repo },
      destination: { namespace },
      syncPolicy: { syncOptions: ['CreateNamespace=true'] },
    },
  });

  before(async () => {
    env = await startEnv('api');
    repo = (await env.git.createRepo('guestbook', join(examplesDir, 'guestbook'))).url;
    const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: guestbook-secret\nstringData:\n  password: ${SECRET_VALUE}\n`;
    firstCommit = await env.git.commitFiles('guestbook', { 'secret.yaml': secret }, 'add a Secret');
    // A read-only role for the viewers project's token, and a team-a deployer who may get and
    // sync the apps of team-a only.
    await env.rest.request('POST', `/api/v1/namespaces/${NAMESPACE}/configmaps`, {
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'tiphys-rbac' },
        data: { 'policy.csv': 'g, proj:viewers:reader, role:readonly\n' },
      },
    });
    const everywhere = { sourceRepos: ['*'], destinations: [{ cluster: '*', namespace: '*' }] };
    const deployer = ['get', 'sync'].map(
      (a) => `p, proj:team-a:deployer, applications, ${a}, team-a/*, allow`,
    );
    for (const [name, roles] of [
      ['team-a', [{ name: 'deployer', policies: deployer }]],
      ['viewers', [{ name: 'reader' }]],
    ] as const) {
      await createProject(env, name, { ...everywhere, roles });
    }
    controller = startInProcessController(env, { pollIntervalMs: 10_000 });
    await controller.start();
    ({ server, auth, base } = await startApiServer(env, { server: { controller } }));

    adminPassword = await initialAdminPassword(env);
    const login = await call('anonymous', 'POST', '/api/v1/session', {
      username: 'admin',
      password: adminPassword,
    });
    assert.equal(login.status, 200, login.text);
    tokens.admin = login.json.token as string;
    const token = async (body: object) => {
      const created = await call('admin', 'POST', '/api/v1/account/tokens', body);
      assert.equal(created.status, 201, created.text);
      return created.json.token as string;
    };
    tokens.reader = await token({ project: 'viewers', role: 'reader' });
    tokens.team = await token({ project: 'team-a', role: 'deployer' });
    tokens.admin = await token({ description: 'admin API token' });

    for (const [name, project] of [
      ['guestbook', 'team-a'],
      ['other', 'default'],
    ]) {
      const created = await call('admin', 'POST', '/api/v1/applications', appBody(name, project, name));
      assert.equal(created.status, 201, created.text);
    }
    const repoCreated = await call('admin', 'POST', '/api/v1/repositories', {
      url: repo,
      username: 'git',
      password: REPO_PASSWORD,
      name: 'guestbook',
    });
    assert.equal(repoCreated.status, 201, repoCreated.text);
    assert.deepEqual(repoCreated.json, {
      url: repo,
      name: 'guestbook',
      username: 'git',
      hasCredentials: true,
      insecure: false,
    });
    // The informer sees both apps before the tests read through it.
    await eventually('apps in the informer', async () => controller.apps.list().length === 2);
  });

  after(async () => {
    await server?.close();
    auth?.close();
    await controller?.stop();
    await env?.stop();
  });

  test('authorization matrix: every endpoint × anonymous, reader, team-a deployer, admin', async () => {
    const app = '/api/v1/applications';
    const read = { anonymous: 401, reader: 200, team: 200, admin: 200 } as const;
    const teamDenied = { anonymous: 401, reader: 200, team: 403, admin: 200 } as const;
    // An app the caller may not see answers exactly as a missing one: no probing for names.
    const teamUnseen = { anonymous: 401, reader: 200, team: 404, admin: 200 } as const;
    const writeDenied = { anonymous: 401, reader: 403, team: 403 } as const;
    const manifests = `${app}/guestbook/manifests?kind=Service&namespace=guestbook&name=guestbook-ui`;
    const cases: [string, string, unknown, Partial<Record<Caller, number>>][] = [
      ['GET', app, undefined, read],
      ['GET', `${app}/guestbook`, undefined, read],
      ['GET', `${app}/other`, undefined, teamUnseen],
      ['GET', `${app}/missing`, undefined, { anonymous: 401, reader: 404, team: 404, admin: 404 }],
      ['GET', `${app}/guestbook/resource-tree`, undefined, read],
      ['GET', manifests, undefined, read],
      ['GET', `${app}/guestbook/diff`, undefined, read],
      ['POST', `${app}/guestbook/preview`, { revision: 'main' }, read],
      ['POST', `${app}/other/preview`, { revision: 'main' }, teamUnseen],
      ['GET', `${app}/guestbook/events`, undefined, read],
      ['GET', `${app}/other/events`, undefined, teamUnseen],
      ['POST', `${app}/guestbook/refresh`, undefined, { anonymous: 401, reader: 202, team: 202, admin: 202 }],
      ['POST', `${app}/other/refresh`, undefined, { team: 404 }],
      ['POST', `${app}/other/sync`, { dryRun: true }, { ...writeDenied, team: 404 }],
      ['POST', `${app}/guestbook/sync`, { dryRun: true }, { anonymous: 401, reader: 403 }],
      ['POST', `${app}/guestbook/rollback`, { id: 0 }, { anonymous: 401, reader: 403 }],
      ['POST', app, appBody('new', 'team-a', 'new'), writeDenied],
      ['PUT', `${app}/guestbook`, appBody('guestbook', 'team-a', 'elsewhere'), writeDenied],
      ['DELETE', `${app}/guestbook`, undefined, writeDenied],
      ['GET', '/api/v1/projects', undefined, read],
      ['GET', '/api/v1/projects/team-a', undefined, teamDenied],
      ['POST', '/api/v1/projects', { metadata: { name: 'p2' }, spec: {} }, writeDenied],
      ['PUT', '/api/v1/projects/team-a', { metadata: { name: 'team-a' }, spec: {} }, writeDenied],
      ['DELETE', '/api/v1/projects/viewers', undefined, writeDenied],
      ['GET', '/api/v1/clusters', undefined, read],
      ['GET', '/api/v1/clusters/in-cluster', undefined, teamDenied],
      [
        'POST',
        '/api/v1/clusters',
        { name: 'x', server: 'https://x', bearerToken: CLUSTER_TOKEN },
        writeDenied,
      ],
      ['DELETE', '/api/v1/clusters/in-cluster', undefined, writeDenied],
      ['GET', '/api/v1/repositories', undefined, read],
      ['POST', '/api/v1/repositories', { url: 'https://x/y.git' }, writeDenied],
      ['DELETE', '/api/v1/repositories/guestbook', undefined, writeDenied],
      ['GET', '/api/openapi.json', undefined, { anonymous: 200, reader: 200 }],
      ['GET', '/healthz', undefined, { anonymous: 200 }],
      ['GET', '/metrics', undefined, { anonymous: 200 }],
    ];
    const failures: string[] = [];
    for (const [method, path, body, expected] of cases) {
      for (const [caller, status] of Object.entries(expected) as [Caller, number][]) {
        const response = await call(caller, method, path, body);
        if (response.status !== status) {
          failures.push(
            `${caller} ${method} ${path}: ${response.status} (want ${status}) ${response.text.slice(0, 200)}`,
          );
        } else if (status >= 400 && !response.json?.error) {
          failures.push(`${caller} ${method} ${path}: ${status} without an error message`);
        }
      }
    }
    assert.deepEqual(failures, []);
    // The lists show each caller only what it may get.
    const names = async (caller: Caller, path: string) =>
      ((await call(caller, 'GET', path)).json.items as { metadata?: { name: string }; name?: string }[]).map(
        (item) => item.metadata?.name ?? item.name,
      );
    assert.deepEqual(await names('reader', app), ['guestbook', 'other']);
    assert.deepEqual(await names('team', app), ['guestbook']);
    assert.deepEqual(await names('reader', '/api/v1/projects'), ['default', 'team-a', 'viewers']);
    assert.deepEqual(await names('team', '/api/v1/projects'), []);
    assert.deepEqual(await names('team', '/api/v1/repositories'), []);
    assert.deepEqual(await names('reader', '/api/v1/repositories'), ['guestbook']);
    assert.equal((await call('team', 'GET', app)).json.total, 1);
  });

  test('malformed bodies are a 400 with a message naming what is wrong', async () => {
    const cases: [string, string, string | object, RegExp][] = [
      ['POST', '/api/v1/applications', '{"metadata": {', /JSON/],
      [
        'POST',
        '/api/v1/applications',
        { metadata: { name: 'x' }, spec: { source: { repoURL: 1 }, destination: {} } },
        /spec\.source\.repoURL/,
      ],
      [
        'POST',
        '/api/v1/applications',
        { ...appBody('x', 'default', 'x'), colour: 'red' },
        /colour: unknown field/,
      ],
      [
        'POST',
        '/api/v1/applications',
        { metadata: { name: 'Not Valid' }, spec: appBody('x', 'default', 'x').spec },
        /name|Invalid/i,
      ],
      ['PUT', '/api/v1/applications/guestbook', appBody('other', 'team-a', 'x'), /does not match/],
      ['POST', '/api/v1/applications/guestbook/sync', { prune: 'yes' }, /prune/],
      ['POST', '/api/v1/applications/guestbook/sync', '[1, 2', /JSON/],
      ['POST', '/api/v1/applications/guestbook/rollback', { id: 'latest' }, /id/],
      ['POST', '/api/v1/applications/guestbook/preview', {}, /revision/],
      ['POST', '/api/v1/applications/guestbook/preview', { revision: '--upload-pack=x' }, /starts with '-'/],
      [
        'POST',
        '/api/v1/projects',
        { metadata: { name: 'p' }, spec: { sourceRepos: 'all' } },
        /spec\.sourceRepos/,
      ],
      [
        'POST',
        '/api/v1/clusters',
        { name: 'c', server: 'https://c', kubeconfig: 'not: [a kubeconfig' },
        /kubeconfig/,
      ],
      ['POST', '/api/v1/clusters', { name: 'c', server: 'https://c', tls: true }, /tls: unknown field/],
      ['POST', '/api/v1/repositories', { url: repo, password: 5 }, /password/],
    ];
    for (const [method, path, body, message] of cases) {
      const raw = typeof body === 'string' ? body : undefined;
      const response = await call('admin', method, path, raw ? undefined : body, raw);
      assert.equal(response.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${response.text}`);
      assert.match(response.json.error ?? '', message, `${method} ${path}`);
    }
  });

  test('a sync through the API makes the app Synced, and SSE reports the change', async () => {
    const controllerAbort = new AbortController();
    const stream = await fetch(`${base}/api/v1/stream/applications`, {
      headers: { authorization: `Bearer ${tokens.reader}` },
      signal: controllerAbort.signal,
    });
    assert.equal(stream.status, 200);
    let text = '';
    const reader = stream.body?.getReader();
    const reading = (async () => {
      const decoder = new TextDecoder();
      for (;;) {
        const chunk = await reader?.read().catch(() => undefined);
        if (!chunk || chunk.done) return;
        text += decoder.decode(chunk.value);
      }
    })();
    const sync = await call('team', 'POST', '/api/v1/applications/guestbook/sync', { prune: true });
    assert.equal(sync.status, 202, sync.text);
    const synced = await waitForApp(
      env,
      'guestbook',
      (a) => a.status?.operationState?.phase === 'Succeeded' && a.status.sync?.status === 'Synced',
      'synced through the API',
      90_000,
    );
    assert.equal(synced.status?.operationState?.operation.initiatedBy?.username, 'proj:team-a:deployer');
    // Writes are audited with who did them and how they ended; so are refusals.
    const audits = recentAuditEvents(1000);
    const found = (action: string, object: string, result: string, subject?: string) =>
      audits.some(
        (a) =>
          a.action === action &&
          a.object === object &&
          a.result === result &&
          (!subject || a.subject === subject),
      );
    assert.ok(
      found('sync', 'team-a/guestbook', 'success', 'proj:team-a:deployer'),
      JSON.stringify(audits.slice(-5)),
    );
    assert.ok(found('create', 'team-a/guestbook', 'success', 'admin'));
    assert.ok(found('sync', 'default/other', 'denied', 'proj:team-a:deployer'));
    assert.ok(found('delete', 'team-a/guestbook', 'denied'));
    await eventually('an SSE event with guestbook Synced', async () =>
      [...text.matchAll(/^event: application\ndata: (.*)$/gm)].some((m) => {
        const event = JSON.parse(m[1]) as { type: string; application: Application };
        return (
          event.application.metadata.name === 'guestbook' &&
          event.application.status?.sync?.status === 'Synced'
        );
      }),
    );
    controllerAbort.abort();
    await reading;
    seen.push(text);
  });

  test('the resource tree shows Deployment → ReplicaSet → Pod; manifests mask Secrets', async () => {
    const tree = await eventually('a Pod in the tree', async () => {
      const response = await call('reader', 'GET', '/api/v1/applications/guestbook/resource-tree');
      const nodes = response.json.nodes as {
        kind: string;
        uid?: string;
        health?: { status: string };
        parentRefs: { uid?: string }[];
      }[];
      return nodes.some((n) => n.kind === 'Pod') ? nodes : undefined;
    });
    const byKind = (kind: string) => tree.find((n) => n.kind === kind);
    assert.equal(byKind('ReplicaSet')?.parentRefs[0].uid, byKind('Deployment')?.uid);
    assert.equal(byKind('Pod')?.parentRefs[0].uid, byKind('ReplicaSet')?.uid);
    assert.ok(byKind('Service') && byKind('Secret'));
    const secret = await call(
      'reader',
      'GET',
      '/api/v1/applications/guestbook/manifests?kind=Secret&namespace=guestbook&name=guestbook-secret',
    );
    assert.equal(secret.status, 200, secret.text);
    const { live, desired } = secret.json as {
      live: { data: Record<string, string>; metadata: object };
      desired: { data: Record<string, string> };
    };
    assert.match(live.data.password, /^\++$/);
    assert.match(desired.data.password, /^\++$/);
    assert.ok(!('managedFields' in live.metadata));
    const pod = tree.find((n) => n.kind === 'Pod') as unknown as { namespace: string; name: string };
    const podManifest = await call(
      'reader',
      'GET',
      `/api/v1/applications/guestbook/manifests?kind=Pod&namespace=${pod.namespace}&name=${pod.name}`,
    );
    assert.equal(podManifest.status, 200, podManifest.text);
    assert.equal((podManifest.json.live as { kind: string }).kind, 'Pod');
    // The caches keep no last-applied copy (core/manifest/cached-form.ts): the live manifest a
    // person reads is read whole from the API server, annotation included.
    const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
    await env.rest.request('PATCH', '/api/v1/namespaces/guestbook/services/guestbook-ui', {
      body: { metadata: { annotations: { [lastApplied]: '{"kind":"Service"}' } } },
      contentType: 'application/merge-patch+json',
    });
    const service = await call(
      'reader',
      'GET',
      '/api/v1/applications/guestbook/manifests?kind=Service&namespace=guestbook&name=guestbook-ui',
    );
    assert.equal(service.status, 200, service.text);
    const serviceLive = service.json.live as { metadata: { annotations?: Record<string, string> } };
    assert.equal(serviceLive.metadata.annotations?.[lastApplied], '{"kind":"Service"}');
    const foreign = await call(
      'admin',
      'GET',
      '/api/v1/applications/guestbook/manifests?kind=ConfigMap&namespace=kube-system&name=extension-apiserver-authentication',
    );
    assert.equal(foreign.status, 404, "only the app's own objects");
    const diff = await call('reader', 'GET', '/api/v1/applications/guestbook/diff');
    assert.equal(diff.status, 200, diff.text);
    assert.ok(
      (diff.json.resources as { status: string }[]).every((r) => r.status === 'Synced'),
      diff.text,
    );
  });

  test('a preview shows what a branch would change, Secrets masked, and writes nothing', async () => {
    const branchSecret = 'branch-secret-never-shown';
    await env.git.createBranch('guestbook', 'review', 'main');
    await env.git.commitFiles(
      'guestbook',
      {
        'secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: guestbook-secret\nstringData:\n  password: ${branchSecret}\n`,
        'extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-review\ndata:\n  a: b\n',
      },
      'a pull request',
      { branch: 'review' },
    );
    const before = await call('admin', 'GET', '/api/v1/applications/guestbook');
    const preview = await call('reader', 'POST', '/api/v1/applications/guestbook/preview', {
      revision: 'review',
    });
    assert.equal(preview.status, 200, preview.text);
    assert.equal(preview.json.revision, await env.git.headCommit('guestbook', 'review'));
    const changed = (preview.json.resources as { key: string; status: string }[])
      .filter((r) => r.status !== 'Synced')
      .map((r) => r.key)
      .sort();
    assert.deepEqual(changed, ['/ConfigMap/guestbook/from-review', '/Secret/guestbook/guestbook-secret']);
    assert.ok(!preview.text.includes(branchSecret), 'the branch Secret is masked');
    assert.ok(!preview.text.includes(Buffer.from(branchSecret).toString('base64')));

    // A branch the project refuses (a cluster-scoped kind team-a may not have) is a 409 naming
    // the object, with nothing of its content.
    await env.git.createBranch('guestbook', 'escalate', 'main');
    await env.git.commitFiles(
      'guestbook',
      {
        'role.yaml':
          'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: root\nrules: []\n',
      },
      'a hostile pull request',
      { branch: 'escalate' },
    );
    const refused = await call('reader', 'POST', '/api/v1/applications/guestbook/preview', {
      revision: 'escalate',
    });
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.json.error ?? '', /ClusterRole root/);
    const missing = await call('reader', 'POST', '/api/v1/applications/guestbook/preview', {
      revision: 'no-such-branch',
    });
    assert.equal(missing.status, 409, missing.text);

    const after = await call('admin', 'GET', '/api/v1/applications/guestbook');
    const spec = (a: typeof before) => JSON.stringify(a.json.spec);
    assert.equal(spec(after), spec(before), 'the app is untouched');
    assert.equal((after.json as { operation?: unknown }).operation, undefined);
    const status = (after.json as { status?: { sync?: { revision?: string } } }).status;
    assert.notEqual(status?.sync?.revision, await env.git.headCommit('guestbook', 'review'));
  });

  test('rollback deploys an earlier revision and turns automated sync off; delete cascades, or leaves the objects with cascade=false', async () => {
    await env.git.commitFiles(
      'guestbook',
      { 'config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata: {a: b}\n' },
      'add a ConfigMap',
    );
    const auto = appBody('guestbook', 'team-a', 'guestbook');
    const put = await call('admin', 'PUT', '/api/v1/applications/guestbook', {
      ...auto,
      spec: {
        ...auto.spec,
        syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      },
    });
    assert.equal(put.status, 200, put.text);
    await call('admin', 'POST', '/api/v1/applications/guestbook/refresh');
    const second = await waitForApp(
      env,
      'guestbook',
      (a) => (a.status?.history?.length ?? 0) >= 2 && a.status?.sync?.status === 'Synced',
      'second sync',
      90_000,
    );
    assert.ok(await readObject(env, `/api/v1/namespaces/guestbook/configmaps/extra`));
    const first = second.status?.history?.find((h) => h.revision === firstCommit);
    assert.ok(first, JSON.stringify(second.status?.history));
    const missing = await call('team', 'POST', '/api/v1/applications/guestbook/rollback', { id: 99 });
    assert.equal(missing.status, 404, missing.text);
    assert.match(missing.json.error ?? '', /no history entry 99 \(IDs: /);
    const rollback = await call('team', 'POST', '/api/v1/applications/guestbook/rollback', {
      id: first.id,
      prune: true,
    });
    assert.equal(rollback.status, 202, rollback.text);
    const rolledBack = await waitForApp(
      env,
      'guestbook',
      (a) =>
        a.status?.operationState?.phase === 'Succeeded' &&
        a.status.operationState.syncResult?.revision === firstCommit,
      'rolled back',
      90_000,
    );
    assert.equal(rolledBack.spec.syncPolicy?.automated, undefined);
    await eventually(
      'the ConfigMap pruned',
      async () => !(await readObject(env, '/api/v1/namespaces/guestbook/configmaps/extra')),
    );

    const deleted = await call('admin', 'DELETE', '/api/v1/applications/guestbook');
    assert.equal(deleted.status, 200, deleted.text);
    await eventually(
      'the app and its Deployment gone',
      async () =>
        (await call('admin', 'GET', '/api/v1/applications/guestbook')).status === 404 &&
        !(await readObject(env, '/apis/apps/v1/namespaces/guestbook/deployments/guestbook-ui')),
      90_000,
    );
    // Without cascade, the app goes and what it deployed stays: sync it first, so there is
    // something that a cascade would have deleted.
    const synced = await call('admin', 'POST', '/api/v1/applications/other/sync', {});
    assert.equal(synced.status, 202, synced.text);
    await waitForApp(
      env,
      'other',
      (a) => a.status?.operationState?.phase === 'Succeeded',
      'other synced',
      90_000,
    );
    const deployment = '/apis/apps/v1/namespaces/other/deployments/guestbook-ui';
    const deployed = await readObject(env, deployment);
    assert.ok(deployed, 'other deployed the guestbook');
    const kept = await call('admin', 'DELETE', '/api/v1/applications/other?cascade=false');
    assert.equal(kept.status, 200, kept.text);
    await eventually(
      'the app gone',
      async () => (await call('admin', 'GET', '/api/v1/applications/other')).status === 404,
      90_000,
    );
    const after = await readObject(env, deployment);
    assert.equal(after?.metadata.uid, deployed.metadata.uid, 'the Deployment was left in place');
    assert.equal(after?.metadata.deletionTimestamp, undefined);
  });

  test('clusters and repositories: credentials go in, never come out', async () => {
    const created = await call('admin', 'POST', '/api/v1/clusters', {
      name: 'remote',
      server: 'https://remote.example.com:6443',
      bearerToken: CLUSTER_TOKEN,
      labels: { env: 'prod' },
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.json, {
      name: 'remote',
      server: 'https://remote.example.com:6443',
      labels: { env: 'prod' },
    });
    const stored = await readObject(env, `/api/v1/namespaces/${NAMESPACE}/secrets/cluster-remote`);
    assert.equal(
      Buffer.from(
        String((stored?.data as Record<string, string> | undefined)?.bearerToken),
        'base64',
      ).toString(),
      CLUSTER_TOKEN,
    );
    assert.equal(
      (await call('admin', 'POST', '/api/v1/clusters', { name: 'remote', server: 'https://r' })).status,
      409,
    );
    const list = await call('reader', 'GET', '/api/v1/clusters');
    assert.deepEqual(
      (list.json.items as { name: string }[]).map((c) => c.name),
      ['in-cluster', 'remote'],
    );
    assert.equal((await call('admin', 'DELETE', '/api/v1/clusters/remote')).status, 200);
    assert.equal(await readObject(env, `/api/v1/namespaces/${NAMESPACE}/secrets/cluster-remote`), undefined);
    assert.equal((await call('admin', 'DELETE', '/api/v1/repositories/guestbook')).status, 200);
    assert.deepEqual((await call('admin', 'GET', '/api/v1/repositories')).json.items, []);

    // Every response of this run, errors included.
    const secrets = [
      REPO_PASSWORD,
      CLUSTER_TOKEN,
      adminPassword,
      SECRET_VALUE,
      Buffer.from(SECRET_VALUE).toString('base64'),
    ];
    for (const body of seen)
      for (const secret of secrets)
        assert.ok(!body.includes(secret), `a response contains a credential: ${body.slice(0, 300)}`);
    assert.ok(seen.length > 100, `only ${seen.length} responses scanned`);
  });

  test('the API refuses an Application its AppProject does not permit, before writing it', async () => {
    await env.rest.request('POST', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/appprojects`, {
      body: {
        ...crd('AppProject'),
        metadata: { name: 'locked' },
        spec: {
          sourceRepos: ['https://only.example.com/*'],
          destinations: [{ cluster: 'in-cluster', namespace: 'locked' }],
        },
      },
    });
    const refused = await call(
      'admin',
      'POST',
      '/api/v1/applications',
      appBody('locked-app', 'locked', 'elsewhere'),
    );
    assert.equal(refused.status, 400);
    assert.match(refused.text, /repository .* is not permitted in project locked/);
    assert.match(refused.text, /namespace elsewhere is not permitted/);
    const missing = await call(
      'admin',
      'POST',
      '/api/v1/applications',
      appBody('ghost-app', 'no-such-project', 'x'),
    );
    assert.equal(missing.status, 400);
    assert.equal(
      await readObject(env, `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications/locked-app`),
      undefined,
    );
  });
});
