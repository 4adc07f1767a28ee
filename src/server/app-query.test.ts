import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Application } from '../core/model/application.ts';
import { applicationFilter, paginate, sortByName } from './app-query.ts';
import { HttpError } from './http-error.ts';
import { parseLabelSelector } from './label-selector.ts';
import { testApp } from './testkit.ts';

function app(
  name: string,
  options: {
    project?: string;
    cluster?: string;
    labels?: Record<string, string>;
    health?: string;
    sync?: string;
  } = {},
): Application {
  const base = testApp(name, {
    ...(options.project ? { project: options.project } : {}),
    destination: { namespace: `ns-${name}`, ...(options.cluster ? { cluster: options.cluster } : {}) },
  });
  base.metadata.labels = options.labels;
  if (options.health || options.sync) {
    base.status = {
      ...(options.health ? { health: { status: options.health as 'Healthy' } } : {}),
      ...(options.sync ? { sync: { status: options.sync as 'Synced' } } : {}),
    };
  }
  return base;
}

const apps = [
  app('web', { project: 'team-a', labels: { team: 'a', tier: 'front' }, health: 'Healthy', sync: 'Synced' }),
  app('db', {
    project: 'team-a',
    cluster: 'prod',
    labels: { team: 'a', tier: 'db' },
    health: 'Degraded',
    sync: 'OutOfSync',
  }),
  app('api', { labels: { team: 'b' }, health: 'Progressing', sync: 'Synced' }),
  app('legacy'),
];
const names = (query: Parameters<typeof applicationFilter>[0]) =>
  apps.filter(applicationFilter(query)).map((a) => a.metadata.name);

describe('application list query', () => {
  test('no query keeps everything', () => assert.deepEqual(names({}), ['web', 'db', 'api', 'legacy']));

  test('project, cluster and namespace filters; defaults count (default project, in-cluster)', () => {
    assert.deepEqual(names({ project: 'team-a' }), ['web', 'db']);
    assert.deepEqual(names({ project: 'default' }), ['api', 'legacy']);
    assert.deepEqual(names({ project: 'team-a,default' }), ['web', 'db', 'api', 'legacy']);
    assert.deepEqual(names({ cluster: 'prod' }), ['db']);
    assert.deepEqual(names({ cluster: 'in-cluster' }), ['web', 'api', 'legacy']);
    assert.deepEqual(names({ namespace: 'ns-api' }), ['api']);
  });

  test('health and sync filters; an app without status is Unknown', () => {
    assert.deepEqual(names({ health: 'Healthy,Progressing' }), ['web', 'api']);
    assert.deepEqual(names({ sync: 'OutOfSync' }), ['db']);
    assert.deepEqual(names({ sync: 'Unknown' }), ['legacy']);
  });

  test('label selectors: equality, inequality, sets and existence', () => {
    assert.deepEqual(names({ selector: 'team=a' }), ['web', 'db']);
    assert.deepEqual(names({ selector: 'team==a,tier!=db' }), ['web']);
    assert.deepEqual(names({ selector: 'tier in (db, front)' }), ['web', 'db']);
    assert.deepEqual(names({ selector: 'team notin (a)' }), ['api', 'legacy']);
    assert.deepEqual(names({ selector: 'team' }), ['web', 'db', 'api']);
    assert.deepEqual(names({ selector: '!team' }), ['legacy']);
  });

  test('a malformed selector is a 400 naming the part', () => {
    assert.throws(
      () => parseLabelSelector('team=a,=b'),
      (error: unknown) =>
        error instanceof HttpError && error.statusCode === 400 && /"=b"/.test(error.message),
    );
    assert.throws(() => parseLabelSelector('tier in (a b)'), HttpError);
  });

  test('search matches name, repository and path, case-insensitively', () => {
    assert.deepEqual(names({ search: 'WE' }), ['web']);
    assert.deepEqual(names({ search: 'git.example.com' }).length, 4);
  });

  test('search reads every source of an app with only spec.sources, and an app with none', () => {
    const several = testApp('several');
    delete (several.spec as { source?: unknown }).source;
    several.spec.sources = [
      { repoURL: 'oci://registry.example.com/charts', chart: 'shop', targetRevision: '1.0.0' },
      { repoURL: 'https://git.example.com/values.git', path: 'env/prod' },
    ];
    const none = testApp('none');
    delete (none.spec as { source?: unknown }).source;
    const match = (search: string) =>
      [several, none].filter(applicationFilter({ search })).map((a) => a.metadata.name);
    assert.deepEqual(match('values.git'), ['several']);
    assert.deepEqual(match('ENV/PROD'), ['several']);
    assert.deepEqual(match('none'), ['none']);
  });

  test('sorted by name, then paginated by offset and limit', () => {
    const sorted = sortByName([...apps]).map((a) => a.metadata.name);
    assert.deepEqual(sorted, ['api', 'db', 'legacy', 'web']);
    assert.deepEqual(paginate(sorted, 2, 1), ['db', 'legacy']);
    assert.deepEqual(paginate(sorted, undefined, 3), ['web']);
    assert.deepEqual(paginate(sorted, 0, 0), []);
    assert.deepEqual(paginate(sorted, 10, 10), []);
  });
});
