import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { APPLICATION_DEFAULTS, type Application, validateApplication, withDefaults } from './application.ts';
import { API_VERSION } from './common.ts';

const minimal = (): Application => ({
  apiVersion: API_VERSION,
  kind: 'Application',
  metadata: { name: 'guestbook', namespace: 'tiphys' },
  spec: { source: { repoURL: 'https://git.example/config.git' }, destination: { namespace: 'guestbook' } },
});

describe('withDefaults', () => {
  test('an app with only spec.sources, an empty list or no source at all resolves without throwing', () => {
    const several = minimal();
    delete several.spec.source;
    several.spec.sources = [
      { repoURL: 'https://git.example/values.git', ref: 'values' },
      { repoURL: 'oci://r.example/charts', chart: 'shop', targetRevision: '1.0.0' },
    ];
    const spec = withDefaults(several).spec;
    assert.equal(spec.source.chart, 'shop', 'the primary source is the first that renders');
    assert.equal(spec.sources?.length, 2);
    const empty = minimal();
    delete empty.spec.source;
    empty.spec.sources = [];
    assert.equal(withDefaults(empty).spec.source.repoURL, '');
    const none = minimal();
    delete none.spec.source;
    assert.equal(withDefaults(none).spec.source.repoURL, '');
    assert.deepEqual(validateApplication(none), ['spec.source: is required']);
  });

  test('fills project, revision, path, cluster and history limit', () => {
    const spec = withDefaults(minimal()).spec;
    assert.equal(spec.project, 'default');
    assert.equal(spec.source.targetRevision, 'HEAD');
    assert.equal(spec.source.path, '.');
    assert.equal(spec.destination.cluster, 'in-cluster');
    assert.equal(spec.destination.namespace, 'guestbook');
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.syncPolicy, undefined, 'no retry policy is invented');
  });

  test('keeps what the user set, including a zero history limit', () => {
    const app = minimal();
    app.spec.project = 'team-a';
    app.spec.source = {
      ...app.spec.source,
      repoURL: app.spec.source?.repoURL ?? '',
      targetRevision: 'v1.2.0',
      path: 'overlays/prod',
    };
    app.spec.destination.cluster = 'eu-1';
    app.spec.revisionHistoryLimit = 0;
    const spec = withDefaults(app).spec;
    assert.deepEqual(
      [
        spec.project,
        spec.source.targetRevision,
        spec.source.path,
        spec.destination.cluster,
        spec.revisionHistoryLimit,
      ],
      ['team-a', 'v1.2.0', 'overlays/prod', 'eu-1', 0],
    );
  });

  test('completes a partial retry block and leaves the input untouched', () => {
    const app = minimal();
    app.spec.syncPolicy = { retry: { backoff: { factor: 3 } } };
    const before = structuredClone(app);
    const retry = withDefaults(app).spec.syncPolicy?.retry;
    assert.deepEqual(retry, { limit: 5, backoff: { duration: '5s', factor: 3, maxDuration: '3m' } });
    assert.deepEqual(app, before);
    assert.equal(APPLICATION_DEFAULTS.retry.backoff.factor, 2);
  });
});

describe('validateApplication', () => {
  test('accepts a minimal and a full Application', () => {
    assert.deepEqual(validateApplication(minimal()), []);
    const full: Application = {
      ...minimal(),
      spec: {
        project: 'default',
        source: {
          repoURL: 'https://git.example/config.git',
          targetRevision: 'main',
          path: 'charts/web',
          helm: {
            valueFiles: ['values-prod.yaml'],
            values: 'replicas: 3\n',
            parameters: [{ name: 'image.tag', value: '1.2.3', forceString: true }],
            releaseName: 'web',
          },
        },
        destination: { cluster: 'in-cluster', namespace: 'web' },
        syncPolicy: {
          automated: { prune: true, selfHeal: true, allowEmpty: false },
          syncOptions: ['CreateNamespace=true'],
          retry: { limit: 3, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
        },
        ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }],
        dependsOn: ['database'],
        revisionHistoryLimit: 5,
      },
      operation: { sync: { revision: 'abc123', prune: true }, initiatedBy: { username: 'ada' } },
      status: { sync: { status: 'Synced', revision: 'abc123' }, health: { status: 'Healthy' } },
    };
    assert.deepEqual(validateApplication(full), []);
  });

  test('a local repository is refused unless the operator allowed local repositories', () => {
    for (const repoURL of ['file:///var/lib/tiphys/cache', '/etc', '../other-tenant']) {
      const app = { ...minimal(), spec: { ...minimal().spec, source: { repoURL } } };
      const errors = validateApplication(app);
      assert.equal(errors.length, 1, repoURL);
      assert.match(
        errors[0],
        /^spec\.source\.repoURL: repository URL .* is a local path.*--allow-local-repos/,
      );
      assert.deepEqual(validateApplication(app, { allowLocalRepos: true }), []);
    }
    const helper = { ...minimal(), spec: { ...minimal().spec, source: { repoURL: 'ext::sh -c id' } } };
    assert.match(validateApplication(helper).join(), /remote helper/);
  });

  test('names each bad field the way a person writes it', () => {
    const errors = validateApplication({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'web', labels: { 'app.kubernetes.io/name': 7 } },
      spec: {
        sorce: {},
        source: { repoURL: '', kustomize: {}, helm: {} },
        syncPolicy: { syncOptions: ['CreateNamespace: true'], retry: { backoff: { duration: 'soon' } } },
        ignoreDifferences: [{ group: 'apps' }],
        revisionHistoryLimit: -1,
      },
    });
    assert.deepEqual(errors.sort(), [
      'apiVersion: must be tiphys.dev/v1alpha1',
      'metadata.labels["app.kubernetes.io/name"]: must be string',
      'spec.destination: is required',
      'spec.ignoreDifferences[0].kind: is required',
      'spec.revisionHistoryLimit: must be >= 0',
      'spec.sorce: unknown field',
      'spec.source.repoURL: must not be empty',
      'spec.source: set at most one of directory, kustomize, helm',
      'spec.syncPolicy.retry.backoff.duration: must match pattern "^([0-9]+(ms|s|m|h))+$"',
      'spec.syncPolicy.syncOptions[0]: must match pattern "^[A-Za-z][A-Za-z0-9]*=.+$"',
    ]);
  });

  test('reports missing top-level parts and non-objects', () => {
    assert.deepEqual(validateApplication('web'), ['must be an object']);
    assert.deepEqual(validateApplication({}).sort(), [
      'apiVersion: is required',
      'kind: is required',
      'metadata: is required',
      'spec: is required',
    ]);
  });

  test('ignores the status, which belongs to the controller', () => {
    assert.deepEqual(validateApplication({ ...minimal(), status: { sync: { status: 'Whatever' } } }), []);
  });

  test('rejects an Application that depends on itself', () => {
    const app = minimal();
    app.spec.dependsOn = ['guestbook'];
    assert.deepEqual(validateApplication(app), ['spec.dependsOn: an Application cannot depend on itself']);
  });
});
