import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Application, HealthStatus } from '../api/types.ts';
import {
  countStatuses,
  EMPTY_FILTERS,
  facetsOf,
  filterApps,
  filtersFromQuery,
  filtersToQuery,
  primarySource,
} from './filter.ts';

function app(
  name: string,
  opts: {
    project?: string;
    cluster?: string;
    namespace?: string;
    health?: HealthStatus;
    sync?: 'Synced' | 'OutOfSync';
    labels?: Record<string, string>;
    path?: string;
  } = {},
): Application {
  return {
    metadata: { name, labels: opts.labels },
    spec: {
      project: opts.project,
      source: { repoURL: 'https://git.example.com/config.git', path: opts.path ?? name },
      destination: { cluster: opts.cluster, namespace: opts.namespace },
    },
    status: {
      ...(opts.health ? { health: { status: opts.health } } : {}),
      ...(opts.sync ? { sync: { status: opts.sync } } : {}),
    },
  };
}

const apps = [
  app('guestbook', { namespace: 'guestbook', health: 'Healthy', sync: 'Synced', labels: { team: 'web' } }),
  app('guestbook-prod', {
    project: 'prod',
    cluster: 'eu-west',
    namespace: 'guestbook',
    health: 'Degraded',
    sync: 'OutOfSync',
    labels: { team: 'web', env: 'prod' },
  }),
  app('billing', {
    project: 'prod',
    cluster: 'eu-west',
    namespace: 'billing',
    labels: { team: 'pay', env: 'prod' },
  }),
];
const names = (filters: Partial<typeof EMPTY_FILTERS>) =>
  filterApps(apps, { ...EMPTY_FILTERS, ...filters }).apps.map((a) => a.metadata.name);

describe('filterApps', () => {
  test('no filter: all', () => {
    assert.deepEqual(names({}), ['guestbook', 'guestbook-prod', 'billing']);
  });

  test('project, cluster and namespace use the defaults of an unset spec', () => {
    assert.deepEqual(names({ project: 'default' }), ['guestbook']);
    assert.deepEqual(names({ cluster: 'in-cluster' }), ['guestbook']);
    assert.deepEqual(names({ cluster: 'eu-west', namespace: 'billing' }), ['billing']);
  });

  test('health and sync: an app without status counts as Unknown', () => {
    assert.deepEqual(names({ health: 'Degraded' }), ['guestbook-prod']);
    assert.deepEqual(names({ health: 'Unknown' }), ['billing']);
    assert.deepEqual(names({ sync: 'Synced' }), ['guestbook']);
  });

  test('label selector', () => {
    assert.deepEqual(names({ selector: 'team=web,env!=prod' }), ['guestbook']);
    assert.deepEqual(names({ selector: 'env in (prod, qa), team notin (web)' }), ['billing']);
    assert.deepEqual(names({ selector: '!env' }), ['guestbook']);
  });

  test('a malformed selector is reported and ignored', () => {
    const result = filterApps(apps, { ...EMPTY_FILTERS, selector: 'team=web,=oops' });
    assert.equal(result.apps.length, 3);
    assert.match(result.selectorError ?? '', /=oops/);
  });

  test('search: every word, in name, repository, path or destination, any case', () => {
    assert.deepEqual(names({ search: 'GUESTBOOK' }), ['guestbook', 'guestbook-prod']);
    assert.deepEqual(names({ search: 'guestbook eu-west' }), ['guestbook-prod']);
    assert.deepEqual(names({ search: 'git.example.com billing' }), ['billing']);
    assert.deepEqual(names({ search: 'nope' }), []);
  });

  test('filters combine', () => {
    assert.deepEqual(names({ project: 'prod', search: 'guest', selector: 'team=web' }), ['guestbook-prod']);
  });

  test('thousands of apps: health, selector and search all apply, and nothing else is dropped', () => {
    const many = Array.from({ length: 5000 }, (_, i) =>
      app(`app-${i}`, {
        namespace: `ns-${i % 50}`,
        health: i % 7 ? 'Healthy' : 'Degraded',
        labels: { shard: String(i % 10) },
      }),
    );
    const result = filterApps(many, {
      ...EMPTY_FILTERS,
      health: 'Degraded',
      selector: 'shard=3',
      search: 'app-1',
    });
    // Degraded: i % 7 === 0; shard=3: i % 10 === 3; "app-1" in the name (or the path, which is
    // the name): exactly these, worked out here without the filter.
    const expected = Array.from({ length: 5000 }, (_, i) => i)
      .filter((i) => i % 7 === 0 && i % 10 === 3 && `app-${i}`.includes('app-1'))
      .map((i) => `app-${i}`);
    assert.ok(expected.length >= 10, `expected ${expected.length}`);
    assert.deepEqual(result.apps.map((a) => a.metadata.name).sort(), [...expected].sort());
  });
});

describe('facets and counts', () => {
  test('menu values are the distinct values present, sorted', () => {
    assert.deepEqual(facetsOf(apps), {
      projects: ['default', 'prod'],
      clusters: ['eu-west', 'in-cluster'],
      namespaces: ['billing', 'guestbook'],
    });
  });

  test('status counts', () => {
    assert.deepEqual(countStatuses(apps), {
      health: { Healthy: 1, Degraded: 1, Unknown: 1 },
      sync: { Synced: 1, OutOfSync: 1, Unknown: 1 },
    });
  });
});

describe('filters in the URL', () => {
  test('only set filters are written, and read back the same', () => {
    const filters = { ...EMPTY_FILTERS, project: 'prod', selector: 'env in (a,b)' };
    const query = filtersToQuery(filters);
    assert.deepEqual([...query.keys()], ['project', 'selector']);
    assert.deepEqual(filtersFromQuery(new URLSearchParams(query.toString())), filters);
  });
});

test('an app of several sources shows its first rendered source, is searchable by it, and does not break the list', () => {
  const multi: Application = {
    metadata: { name: 'shop' },
    spec: {
      sources: [
        { repoURL: 'https://git.example.com/values.git', ref: 'values' },
        { repoURL: 'oci://registry.example.com/charts', chart: 'shop', targetRevision: '~1.4' },
      ],
      destination: { namespace: 'shop' },
    },
  };
  assert.deepEqual(primarySource(multi), {
    repoURL: 'oci://registry.example.com/charts',
    chart: 'shop',
    targetRevision: '~1.4',
    count: 2,
  });
  const found = filterApps([multi], { ...EMPTY_FILTERS, search: 'registry.example.com' });
  assert.deepEqual(
    found.apps.map((a) => a.metadata.name),
    ['shop'],
  );
});
