// The comparison service against a fake cluster: a pure stand-in for the small interfaces of
// ports.ts (a live cache, a dry runner, a manifest source, a project), so each rule of the chain
// is a readable case. The real cluster is exercised by the e2e tests (gitops, tenancy).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cachedForm } from '../../core/manifest/cached-form.ts';
import { formatKey, keyOf, type ResourceKey } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { setTrackingId, trackingIdOf } from '../../core/manifest/tracking.ts';
import type { AppProjectSpec } from '../../core/model/app-project.ts';
import { type Application, withDefaults } from '../../core/model/application.ts';
import { ComparisonCache } from './compare.ts';
import { ComparisonService } from './comparison-service.ts';
import { ClusterUnreachableError, ProjectViolationError } from './errors.ts';
import type { ComparisonTarget, ManifestSource } from './ports.ts';

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole']);

/**
 * A cluster in memory: the live objects, and a dry run that adds what an API server fills in.
 * Its cache hands out what the real one keeps (`cachedForm`); `read` gives the whole object.
 */
class FakeCluster implements ComparisonTarget {
  name = 'in-cluster';
  server = 'https://fake';
  serverVersion?: string;
  readonly objects = new Map<string, KubeObject>();
  readonly dryRuns: { kind: 'apply' | 'replace'; id: string }[] = [];
  readonly reads: string[] = [];
  lastError: string | undefined;

  readonly cache = {
    watch: async (apiVersion: string, kind: string) => ({
      apiVersion,
      kind,
      plural: `${kind.toLowerCase()}s`,
      namespaced: !CLUSTER_SCOPED.has(kind),
    }),
    get: (key: ResourceKey) => {
      const obj = this.objects.get(formatKey(key));
      return obj && cachedForm(obj);
    },
    trackedBy: (app: string) =>
      [...this.objects.values()].filter((o) => trackingIdOf(o)?.app === app).map(cachedForm),
    info: () => (this.lastError ? { lastError: this.lastError } : {}),
    assertWatched: () => {},
  };

  readonly client = {
    apply: async (obj: KubeObject) => this.dryRun('apply', obj),
    replaceOrCreate: async (obj: KubeObject) => this.dryRun('replace', obj),
    serverVersion: async () => 'v1.36.0',
    read: async (obj: KubeObject) => {
      const id = formatKey(keyOf(obj));
      this.reads.push(id);
      return this.objects.get(id);
    },
  };

  put(obj: KubeObject, resourceVersion = '1'): void {
    const live = structuredClone(obj);
    live.metadata.resourceVersion = resourceVersion;
    live.metadata.uid = `uid-${live.metadata.name}`;
    this.objects.set(formatKey(keyOf(live)), live);
  }

  private dryRun(kind: 'apply' | 'replace', obj: KubeObject): KubeObject {
    const id = formatKey(keyOf(obj));
    this.dryRuns.push({ kind, id });
    const live = this.objects.get(id);
    const predicted = structuredClone(obj);
    predicted.metadata.uid = live?.metadata.uid;
    predicted.metadata.resourceVersion = live?.metadata.resourceVersion;
    return predicted;
  }
}

class FakeSource implements ManifestSource {
  readonly commits = new Map<string, KubeObject[]>([['head-commit', []]]);
  renders = 0;
  resolves = 0;
  async resolveRevision(_source: unknown, revision: string): Promise<string> {
    this.resolves++;
    return revision === 'HEAD' ? 'head-commit' : revision;
  }
  async render(_app: unknown, commit: string): Promise<KubeObject[]> {
    this.renders++;
    const objects = this.commits.get(commit);
    if (!objects) throw new Error(`no commit ${commit}`);
    return structuredClone(objects);
  }
}

const configMap = (name: string, data: Record<string, string>, namespace?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  data,
});

const teamA: AppProjectSpec = {
  sourceRepos: ['*'],
  destinations: [{ cluster: 'in-cluster', namespace: 'team-a' }],
};

function setUp(options: { project?: AppProjectSpec; verdicts?: boolean } = {}) {
  const cluster = new FakeCluster();
  const source = new FakeSource();
  const project = options.project ?? teamA;
  const service = new ComparisonService({
    source,
    projects: {
      fetchProject: async (name) =>
        name === 'team-a'
          ? { apiVersion: 'tiphys.dev/v1alpha1', kind: 'AppProject', metadata: { name }, spec: project }
          : undefined,
    },
    ...(options.verdicts === false ? {} : { verdicts: new ComparisonCache() }),
  });
  const stored: Application = {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web', namespace: 'tiphys' },
    spec: {
      project: 'team-a',
      source: { repoURL: 'https://git.example.com/web.git' },
      destination: { namespace: 'team-a' },
    },
  };
  return { cluster, source, service, app: withDefaults(stored) };
}

test('each object is Synced, OutOfSync, missing, or to be pruned, from a dry run against the live one', async () => {
  const { cluster, source, service, app } = setUp();
  source.commits.set('head-commit', [
    configMap('same', { a: '1' }),
    configMap('changed', { a: '2' }),
    configMap('absent', { a: '1' }),
  ]);
  cluster.put(setTrackingId(configMap('same', { a: '1' }, 'team-a'), 'web'));
  cluster.put(setTrackingId(configMap('changed', { a: '1' }, 'team-a'), 'web'));
  cluster.put(setTrackingId(configMap('removed-from-git', {}, 'team-a'), 'web'));
  cluster.put(configMap('someone-elses', {}, 'team-a'));
  // Annotated with the app's tracking id by someone else: never recorded by the app, so never
  // a prune candidate (core/sync/inventory.ts).
  cluster.put(setTrackingId(configMap('planted', {}, 'team-a'), 'web'));
  const recorded = {
    status: {
      resources: [
        { kind: 'ConfigMap', namespace: 'team-a', name: 'removed-from-git', uid: 'uid-removed-from-git' },
      ],
    },
  };

  const { desired, comparison, tracked } = await service.compareApp({ ...app, ...recorded }, cluster);

  assert.equal(desired.revision, 'head-commit');
  const verdicts = Object.fromEntries(
    comparison.resources.map((r) => [r.id, `${r.status}${r.requiresPruning ? ' prune' : ''}`]),
  );
  assert.deepEqual(verdicts, {
    '/ConfigMap/team-a/absent': 'OutOfSync',
    '/ConfigMap/team-a/changed': 'OutOfSync',
    '/ConfigMap/team-a/removed-from-git': 'OutOfSync prune',
    '/ConfigMap/team-a/same': 'Synced',
  });
  assert.equal(comparison.status, 'OutOfSync');
  assert.deepEqual(
    tracked.map((o) => o.metadata.name),
    ['removed-from-git'],
    'only objects the app recorded as its own are prune candidates',
  );
  assert.deepEqual(cluster.dryRuns.map((d) => d.id).sort(), [
    '/ConfigMap/team-a/changed',
    '/ConfigMap/team-a/same',
  ]);
});

test('objects are completed as they will be applied: destination namespace, tracking id', async () => {
  const { source, service, app, cluster } = setUp({
    project: { ...teamA, clusterResourceWhitelist: [{ group: '*', kind: 'Namespace' }] },
  });
  source.commits.set('head-commit', [
    configMap('plain', {}),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', namespace: 'stray' } },
  ]);
  const desired = await service.desired(app, 'head-commit', cluster);
  const byKind = (kind: string) => desired.objects.find((o) => o.key.kind === kind);
  const plain = byKind('ConfigMap');
  const ns = byKind('Namespace');
  assert.ok(plain && ns);
  assert.equal(plain.object.metadata.namespace, 'team-a');
  assert.equal(ns.object.metadata.namespace, undefined, 'a cluster-scoped kind loses a stray namespace');
  assert.equal(trackingIdOf(plain.object)?.app, 'web');
  assert.equal(cluster.serverVersion, 'v1.36.0', 'the render is told the cluster version');
});

test('a render the project refuses is never dry-run: the error names each object and the rule', async () => {
  const { cluster, source, service, app } = setUp();
  source.commits.set('head-commit', [
    configMap('fine', {}),
    configMap('x', {}, 'kube-system'),
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'root' } },
  ]);
  cluster.put(configMap('x', { secret: 'admin-only' }, 'kube-system'));
  await assert.rejects(service.compareApp(app, cluster), (error: Error) => {
    assert.ok(error instanceof ProjectViolationError);
    assert.match(
      error.message,
      /ConfigMap kube-system\/x: namespace kube-system is not a destination of project team-a/,
    );
    assert.match(
      error.message,
      /ClusterRole root: cluster-scoped kind rbac.authorization.k8s.io\/ClusterRole is not permitted/,
    );
    assert.doesNotMatch(error.message, /fine/);
    return true;
  });
  assert.deepEqual(cluster.dryRuns, []);
});

test('the render of any revision is checked: a sync of an explicit revision or a rollback too', async () => {
  const { cluster, source, service, app } = setUp();
  source.commits.set('old-commit', [
    {
      ...configMap('hook', {}, 'other'),
      metadata: {
        generateName: 'hook-',
        namespace: 'other',
        annotations: { 'argocd.argoproj.io/hook': 'PreSync' },
      },
    },
  ]);
  await assert.rejects(
    service.desired(app, await service.resolve(app, 'old-commit'), cluster),
    /ConfigMap other\/hook-\*: namespace other is not a destination of project team-a/,
  );
});

test('a missing project refuses everything', async () => {
  const { cluster, service, app } = setUp();
  const elsewhere = { ...app, spec: { ...app.spec, project: 'gone' } };
  await assert.rejects(service.compareApp(elsewhere, cluster), /project gone does not exist/);
});

test('verdicts are kept while neither side changes; a new resourceVersion is compared again', async () => {
  const { cluster, source, service, app } = setUp();
  source.commits.set('head-commit', [configMap('cm', { a: '1' })]);
  cluster.put(setTrackingId(configMap('cm', { a: '1' }, 'team-a'), 'web'), '1');
  await service.compareApp(app, cluster);
  const again = await service.compareApp(app, cluster);
  assert.equal(cluster.dryRuns.length, 1, 'the second look made no API call');
  // An equal verdict keeps no copy of the prediction: the live object stands for it (a diff shows none).
  const [resource] = again.comparison.resources;
  assert.equal(resource.status, 'Synced');
  assert.equal(resource.predicted, resource.live);
  cluster.put(setTrackingId(configMap('cm', { a: 'edited' }, 'team-a'), 'web'), '2');
  const { comparison } = await service.compareApp(app, cluster);
  assert.equal(cluster.dryRuns.length, 2);
  assert.equal(comparison.status, 'OutOfSync');
});

test('without a verdict cache each comparison asks again (the CLI, one look)', async () => {
  const { cluster, source, service, app } = setUp({ verdicts: false });
  source.commits.set('head-commit', [configMap('cm', { a: '1' })]);
  cluster.put(setTrackingId(configMap('cm', { a: '1' }, 'team-a'), 'web'));
  await service.compareApp(app, cluster);
  await service.compareApp(app, cluster);
  assert.equal(cluster.dryRuns.length, 2);
});

test('Validate=false objects are dry-run by replace, since an apply refuses unknown fields', async () => {
  const { cluster, source, service, app } = setUp();
  const lenient = configMap('lenient', {});
  lenient.metadata.annotations = { 'argocd.argoproj.io/sync-options': 'Validate=false' };
  source.commits.set('head-commit', [lenient]);
  cluster.put(setTrackingId(configMap('lenient', {}, 'team-a'), 'web'));
  await service.compareApp(app, cluster);
  assert.deepEqual(cluster.dryRuns, [{ kind: 'replace', id: '/ConfigMap/team-a/lenient' }]);
});

test('a destination whose watch broke is unreachable, not compared with the past', async () => {
  const { cluster, source, service, app } = setUp();
  source.commits.set('head-commit', [configMap('cm', {})]);
  cluster.lastError = 'connection refused';
  await assert.rejects(service.compareApp(app, cluster), (error: Error) => {
    assert.ok(error instanceof ClusterUnreachableError);
    assert.match(error.message, /cluster in-cluster \(https:\/\/fake\) is unreachable: connection refused/);
    return true;
  });
  assert.equal(source.renders, 0);
});

test('a preview compares another revision against the same live objects, and is project-checked', async () => {
  const { cluster, source, service, app } = setUp();
  source.commits.set('head-commit', [configMap('cm', { a: '1' })]);
  source.commits.set('feature', [configMap('cm', { a: '2' }), configMap('added', {})]);
  source.commits.set('bad-branch', [configMap('x', {}, 'kube-system')]);
  cluster.put(setTrackingId(configMap('cm', { a: '1' }, 'team-a'), 'web'));

  const target = await service.compareApp(app, cluster);
  assert.equal(target.comparison.status, 'Synced');
  const preview = await service.compareApp(app, cluster, { revision: 'feature' });
  assert.equal(preview.desired.revision, 'feature');
  assert.deepEqual(
    preview.comparison.resources.map((r) => `${r.id} ${r.status}`),
    ['/ConfigMap/team-a/added OutOfSync', '/ConfigMap/team-a/cm OutOfSync'],
  );
  // The target's verdict was not replaced by the preview's: the next look at the target is
  // still answered from the cache.
  const runs = cluster.dryRuns.length;
  assert.equal((await service.compareApp(app, cluster)).comparison.status, 'Synced');
  assert.equal(cluster.dryRuns.length, runs);

  await assert.rejects(
    service.compareApp(app, cluster, { revision: 'bad-branch' }),
    /ConfigMap kube-system\/x: namespace kube-system is not a destination of project team-a/,
  );
});

test('a new ignoreDifferences is a new question: the cached verdict is not reused', async () => {
  const { cluster, source, service, app } = setUp();
  source.commits.set('head-commit', [configMap('cm', { a: '1', b: 'same' })]);
  cluster.put(setTrackingId(configMap('cm', { a: 'set by hand', b: 'same' }, 'team-a'), 'web'), '1');
  assert.equal((await service.compareApp(app, cluster)).comparison.status, 'OutOfSync');
  const ignoring = {
    ...app,
    spec: { ...app.spec, ignoreDifferences: [{ kind: 'ConfigMap', jsonPointers: ['/data/a'] }] },
  };
  const { comparison } = await service.compareApp(ignoring, cluster);
  assert.equal(comparison.status, 'Synced', 'the ignored field no longer counts');
  assert.equal(cluster.dryRuns.length, 2, 'compared again, not answered from the cache');
  // And back: dropping the rule brings the difference back at once.
  assert.equal((await service.compareApp(app, cluster)).comparison.status, 'OutOfSync');
});

test('a rule by field manager reads the managedFields the cache drops, and only that object', async () => {
  const { cluster, source, service, app } = setUp();
  source.commits.set('head-commit', [configMap('scaled', { replicas: '1' }), configMap('plain', { a: '1' })]);
  const scaled = setTrackingId(configMap('scaled', { replicas: '5' }, 'team-a'), 'web');
  scaled.metadata.managedFields = [
    {
      manager: 'autoscaler',
      operation: 'Update',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': { 'f:replicas': {} } },
    },
  ];
  cluster.put(scaled, '1');
  cluster.put(setTrackingId(configMap('plain', { a: '1' }, 'team-a'), 'web'), '1');
  assert.equal(cluster.cache.get(keyOf(scaled))?.metadata.managedFields, undefined, 'the cache keeps none');
  const ignoring = {
    ...app,
    spec: {
      ...app.spec,
      ignoreDifferences: [{ kind: 'ConfigMap', name: 'scaled', managedFieldsManagers: ['autoscaler'] }],
    },
  };
  const { comparison } = await service.compareApp(ignoring, cluster);
  assert.equal(comparison.status, 'Synced', "the autoscaler's field does not count");
  assert.deepEqual(cluster.reads, ['/ConfigMap/team-a/scaled'], 'read once, the object the rule names');
  // Without the rule the difference counts, and nothing is read.
  const plain = await service.compareApp(app, cluster);
  assert.equal(plain.comparison.status, 'OutOfSync');
  assert.equal(cluster.reads.length, 1);
});

test('a dry run the API server refuses makes the object Unknown with its message, and is cached as such', async () => {
  const { cluster, source, service, app } = setUp();
  source.commits.set('head-commit', [configMap('cm', { a: '1' })]);
  cluster.put(setTrackingId(configMap('cm', { a: '0' }, 'team-a'), 'web'), '1');
  let refusals = 0;
  cluster.client.apply = async () => {
    refusals++;
    throw new Error('ConfigMap team-a/cm: field is immutable');
  };
  const first = (await service.compareApp(app, cluster)).comparison;
  assert.equal(first.status, 'Unknown');
  assert.deepEqual(
    first.resources.map((r) => [r.id, r.status, r.message]),
    [['/ConfigMap/team-a/cm', 'Unknown', 'ConfigMap team-a/cm: field is immutable']],
  );
  const second = (await service.compareApp(app, cluster)).comparison;
  assert.equal(second.status, 'Unknown');
  assert.equal(second.resources[0].message, 'ConfigMap team-a/cm: field is immutable');
  assert.equal(refusals, 1, 'the refusal is remembered until a side changes');
  cluster.put(setTrackingId(configMap('cm', { a: '0' }, 'team-a'), 'web'), '2');
  await service.compareApp(app, cluster);
  assert.equal(refusals, 2, 'a new live resourceVersion asks again');
});

function severalSources(project: AppProjectSpec) {
  const { cluster, source, service } = setUp({ project });
  const stored: Application = {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'shop', namespace: 'tiphys' },
    spec: {
      project: 'team-a',
      sources: [
        { repoURL: 'oci://registry.example.com/charts', chart: 'shop', targetRevision: '1.2.0@sha256:aa' },
        { repoURL: 'https://git.example.com/config.git', ref: 'values', targetRevision: 'main' },
      ],
      destination: { namespace: 'team-a' },
    },
  };
  return { cluster, source, service, app: withDefaults(stored) };
}

test('several sources: one revision names each, a rollback must name as many, every repository is checked', async () => {
  const { cluster, source, service, app } = severalSources(teamA);
  const revision = await service.resolve(app);
  assert.equal(revision, '1.2.0@sha256:aa;main', 'each source resolved at its own target revision');
  assert.equal(await service.resolve(app, '1.1.0@sha256:bb;c0ffee'), '1.1.0@sha256:bb;c0ffee');
  await assert.rejects(service.resolve(app, 'main'), (error: Error) => {
    assert.equal(error.name, 'SourceRevisionError');
    assert.match(
      error.message,
      /application shop: revision "main" does not name a revision for each of the 2 sources/,
    );
    return true;
  });
  source.commits.set(revision, [configMap('shop', {})]);
  assert.equal((await service.desired(app, revision, cluster)).objects.length, 1);

  const strict = severalSources({ ...teamA, sourceRepos: ['oci://registry.example.com/*'] });
  strict.source.commits.set(revision, [configMap('shop', {})]);
  await assert.rejects(strict.service.desired(strict.app, revision, strict.cluster), (error: Error) => {
    assert.ok(error instanceof ProjectViolationError);
    assert.match(
      error.message,
      /repository https:\/\/git.example.com\/config.git is not permitted in project team-a/,
    );
    return true;
  });
  assert.deepEqual(strict.cluster.dryRuns, []);
});

test('attacker: a repository or registry the project refuses is never contacted, not even to resolve a revision', async () => {
  const { cluster, source, service, app } = setUp({
    project: { ...teamA, sourceRepos: ['https://git.example.com/team-a/*'] },
  });
  source.commits.set('c0ffee', [configMap('web', {})]);
  const refused = (error: Error) => {
    assert.ok(error instanceof ProjectViolationError);
    assert.match(
      error.message,
      /repository https:\/\/git.example.com\/web.git is not permitted in project team-a/,
    );
    return true;
  };
  await assert.rejects(service.resolve(app), refused);
  await assert.rejects(service.resolve(app, 'c0ffee'), refused);
  await assert.rejects(service.desired(app, 'c0ffee', cluster), refused);
  assert.equal(source.resolves, 0, 'no revision was resolved against the refused repository');
  assert.equal(source.renders, 0, 'nothing was fetched or rendered from it');
  assert.deepEqual(cluster.dryRuns, []);
});

test("right after a sync, the applies' answers stand for the live objects: Synced, no dry run", async () => {
  const { cluster, source, service, app } = setUp();
  source.commits.set('head-commit', [configMap('cm', { a: '2' }), configMap('kept', { k: '1' })]);
  cluster.put(setTrackingId(configMap('cm', { a: '1' }, 'team-a'), 'web'), '1');
  cluster.put(setTrackingId(configMap('kept', { k: '1' }, 'team-a'), 'web'), '1');
  const before = await service.compareApp(app, cluster);
  assert.equal(before.comparison.status, 'OutOfSync');
  const dryRuns = cluster.dryRuns.length;

  // The sync applied cm; the watch has not delivered it yet (the cache still holds version 1).
  const item = before.desired.objects.find((o) => o.key.name === 'cm');
  assert.ok(item);
  const answer = structuredClone(item.object);
  answer.metadata.resourceVersion = '2';
  answer.metadata.uid = 'uid-cm';
  service.recordApplied(app, item, answer);
  const after = await service.compareAfterSync(app, before.desired, cluster, new Map([[item.id, answer]]));
  assert.equal(after.comparison.status, 'Synced');
  assert.equal(after.comparison.resources.find((r) => r.id === item.id)?.live, answer);
  assert.equal(cluster.dryRuns.length, dryRuns, 'answered from the verdicts the applies recorded');
  // Against the stale cache the same question says OutOfSync: the overlay is what made it Synced.
  const stale = await service.compare(app, before.desired, cluster);
  assert.equal(stale.comparison.status, 'OutOfSync');
});

test('the verdicts say which version of an object the app has seen (its own apply echoed by the watch)', async () => {
  const { cluster, source, service, app } = setUp();
  source.commits.set('head-commit', [configMap('cm', { a: '2' })]);
  cluster.put(setTrackingId(configMap('cm', { a: '1' }, 'team-a'), 'web'), '1');
  const { desired } = await service.compareApp(app, cluster);
  const id = '/ConfigMap/team-a/cm';
  assert.equal(service.hasSeen('web', id, '1'), true, 'compared against version 1');
  const [item] = desired.objects;
  service.recordApplied(app, item, {
    ...item.object,
    metadata: { ...item.object.metadata, resourceVersion: '5' },
  });
  assert.equal(service.hasSeen('web', id, '5'), true, 'its own apply');
  assert.equal(service.hasSeen('web', id, '6'), false, 'a later edit');
  assert.equal(service.hasSeen('other', id, '5'), false, 'another app');
  assert.equal(service.hasSeen('web', id, undefined), false);
  const { service: withoutVerdicts } = setUp({ verdicts: false });
  assert.equal(withoutVerdicts.hasSeen('web', id, '5'), false);
});
