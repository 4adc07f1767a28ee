import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Generator } from '../model/application-set.ts';
import { type ClusterInfo, type GeneratorSources, type GitTree, runGenerator } from './generators.ts';
import { GeneratorError } from './params.ts';

const clusters: ClusterInfo[] = [
  {
    name: 'eu-1',
    server: 'https://eu-1:6443',
    labels: { region: 'eu', env: 'prod' },
    annotations: { owner: 'ops' },
  },
  { name: 'us-1', server: 'https://us-1:6443', labels: { region: 'us', env: 'prod' }, annotations: {} },
  { name: 'eu-dev', server: 'https://eu-dev:6443', labels: { region: 'eu', env: 'dev' }, annotations: {} },
];

const files: Record<string, string> = {
  'apps/shop/kustomization.yaml': '',
  'apps/blog/kustomization.yaml': '',
  'apps/legacy/kustomization.yaml': '',
  'infra/dns/cm.yaml': '',
  'config/eu/config.json': JSON.stringify({ region: 'eu', replicas: 3, db: { host: 'db.eu', port: 5432 } }),
  'config/us/config.yaml': 'region: us\nreplicas: 2\ndb:\n  host: db.us\n',
  'config/multi/list.yaml': '- region: ap\n- region: sa\n',
  'config/broken/config.json': '{ nope',
};

function sources(tree = files, fail?: Error): GeneratorSources & { gitCalls: string[] } {
  const gitCalls: string[] = [];
  return {
    gitCalls,
    clusters: async () => clusters,
    gitTree: async (repoURL, revision): Promise<GitTree> => {
      gitCalls.push(`${repoURL}@${revision}`);
      if (fail) throw fail;
      const paths = Object.keys(tree).sort();
      const dirs = new Set<string>();
      for (const p of paths) {
        const parts = p.split('/');
        for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
      }
      return {
        commit: 'c0ffee',
        directories: [...dirs].sort(),
        files: paths,
        read: async (path) => tree[path] ?? '',
      };
    },
  };
}

const run = (g: Generator, s = sources()) => runGenerator(g, s, 'spec.generators[0]');
const names = (sets: { params: Record<string, string> }[], key = 'name') => sets.map((s) => s.params[key]);

describe('list generator', () => {
  test('one param set per element; values.* flattened; scalars as text', async () => {
    const sets = await run({
      list: { elements: [{ cluster: 'a', n: 2, values: { tier: 'gold' } }, { cluster: 'b' }] },
    });
    assert.deepEqual(sets[0]?.params, { cluster: 'a', n: '2', 'values.tier': 'gold' });
    assert.deepEqual(names(sets, 'cluster'), ['a', 'b']);
  });
  test('a nested object in an element is refused, naming it', async () => {
    await assert.rejects(run({ list: { elements: [{ x: { y: 1 } }] } }), /elements\[0\]: x is not a string/);
  });
  test('a post-selector keeps the matching sets', async () => {
    const sets = await run({
      list: {
        elements: [
          { env: 'prod', n: 'a' },
          { env: 'dev', n: 'b' },
        ],
      },
      selector: { matchLabels: { env: 'prod' } },
    });
    assert.deepEqual(names(sets, 'n'), ['a']);
  });
});

describe('clusters generator', () => {
  test('without selector: in-cluster and every registered cluster, with labels, annotations, values', async () => {
    const sets = await run({ clusters: { values: { ns: 'team-{{name}}' } } });
    assert.deepEqual(names(sets), ['in-cluster', 'eu-1', 'us-1', 'eu-dev']);
    assert.equal(sets[0]?.params.server, 'https://kubernetes.default.svc');
    assert.deepEqual(sets[1]?.params, {
      name: 'eu-1',
      nameNormalized: 'eu-1',
      server: 'https://eu-1:6443',
      'metadata.labels.region': 'eu',
      'metadata.labels.env': 'prod',
      'metadata.annotations.owner': 'ops',
      'values.ns': 'team-eu-1',
    });
  });
  test('matchLabels and matchExpressions select clusters (in-cluster has no labels)', async () => {
    assert.deepEqual(names(await run({ clusters: { selector: { matchLabels: { region: 'eu' } } } })), [
      'eu-1',
      'eu-dev',
    ]);
    const expr = await run({
      clusters: { selector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] } },
    });
    assert.deepEqual(names(expr), ['in-cluster', 'eu-1', 'us-1']);
    const exists = await run({
      clusters: { selector: { matchExpressions: [{ key: 'region', operator: 'Exists' }] } },
    });
    assert.deepEqual(names(exists), ['eu-1', 'us-1', 'eu-dev']);
  });
});

describe('git generator', () => {
  test('directories: globs within one folder, exclusions win', async () => {
    const s = sources();
    const sets = await run(
      {
        git: {
          repoURL: 'https://git/x',
          revision: 'main',
          directories: [{ path: 'apps/*' }, { path: 'apps/legacy', exclude: true }],
        },
      },
      s,
    );
    assert.deepEqual(names(sets, 'path'), ['apps/blog', 'apps/shop']);
    assert.equal(sets[0]?.params['path.basename'], 'blog');
    assert.equal(sets[0]?.params['path[0]'], 'apps');
    assert.deepEqual(s.gitCalls, ['https://git/x@main']);
  });
  test('directories: revision defaults to HEAD; ** crosses folders', async () => {
    const s = sources();
    const sets = await run({ git: { repoURL: 'r', directories: [{ path: '**/dns' }] } }, s);
    assert.deepEqual(names(sets, 'path'), ['infra/dns']);
    assert.deepEqual(s.gitCalls, ['r@HEAD']);
  });
  test('files: JSON and YAML, nested keys flattened, a list makes one set per entry, path params', async () => {
    const sets = await run({
      git: { repoURL: 'r', files: [{ path: 'config/{eu,us,multi}/*' }], values: { where: '{{region}}!' } },
    });
    const byRegion = Object.fromEntries(sets.map((s) => [s.params.region, s.params]));
    assert.deepEqual(Object.keys(byRegion).sort(), ['ap', 'eu', 'sa', 'us']);
    assert.equal(byRegion.eu?.['db.host'], 'db.eu');
    assert.equal(byRegion.eu?.['db.port'], '5432');
    assert.equal(byRegion.eu?.replicas, '3');
    assert.equal(byRegion.eu?.path, 'config/eu');
    assert.equal(byRegion.eu?.['path.filename'], 'config.json');
    assert.equal(byRegion.us?.['db.host'], 'db.us');
    assert.equal(byRegion.ap?.['path.basename'], 'multi');
    assert.equal(byRegion.us?.['values.where'], 'us!');
  });
  test('files: a broken file is an error naming it', async () => {
    await assert.rejects(
      run({ git: { repoURL: 'r', files: [{ path: 'config/broken/*.json' }] } }),
      (e: Error) => {
        assert.ok(e instanceof GeneratorError);
        assert.match(e.message, /config\/broken\/config.json: not valid JSON/);
        return true;
      },
    );
  });
  test('a Git failure propagates (the set keeps its apps)', async () => {
    await assert.rejects(
      run(
        { git: { repoURL: 'r', directories: [{ path: '*' }] } },
        sources(files, new Error('connection refused')),
      ),
      /connection refused/,
    );
  });
  test('neither or both of directories and files is refused', async () => {
    await assert.rejects(run({ git: { repoURL: 'r' } }), /either directories or files/);
  });
});

describe('matrix generator', () => {
  test('every pair; the second child uses the first one params', async () => {
    const sets = await run({
      matrix: {
        generators: [
          { clusters: { selector: { matchLabels: { env: 'prod' } } } },
          {
            list: {
              elements: [
                { app: 'shop', target: '{{metadata.labels.region}}' },
                { app: 'blog', target: 'x' },
              ],
            },
          },
        ],
      },
    });
    assert.deepEqual(
      sets.map((s) => `${s.params.name}/${s.params.app}/${s.params.target}`),
      ['eu-1/shop/eu', 'eu-1/blog/x', 'us-1/shop/us', 'us-1/blog/x'],
    );
  });
  test('cluster x git directories', async () => {
    const sets = await run({
      matrix: {
        generators: [
          { clusters: { selector: { matchLabels: { env: 'prod' } } } },
          { git: { repoURL: 'r', directories: [{ path: 'apps/*' }] } },
        ],
      },
    });
    assert.equal(sets.length, 6);
    assert.deepEqual(sets[0]?.params['path.basename'], 'blog');
  });
  test('exactly two children; a key both set differently is an error', async () => {
    await assert.rejects(
      run({ matrix: { generators: [{ list: { elements: [] } }] } }),
      /exactly two generators/,
    );
    await assert.rejects(
      run({
        matrix: { generators: [{ list: { elements: [{ a: '1' }] } }, { list: { elements: [{ a: '2' }] } }] },
      }),
      /both generators set a/,
    );
  });
  test('a nested matrix child is validated when it runs', async () => {
    await assert.rejects(
      run({
        matrix: { generators: [{ matrix: { generators: [{ lst: {} }] } }, { list: { elements: [] } }] },
      }),
      /generators\[0\]/,
    );
  });
});

describe('merge generator', () => {
  test('later generators override the base by merge keys; entries only in them are dropped', async () => {
    const sets = await run({
      merge: {
        mergeKeys: ['name'],
        generators: [
          { clusters: { values: { replicas: '1' } } },
          {
            list: {
              elements: [
                { name: 'eu-1', 'values.replicas': '5' },
                { name: 'nowhere', extra: 'x' },
              ],
            },
          },
        ],
      },
    });
    assert.deepEqual(names(sets), ['in-cluster', 'eu-1', 'us-1', 'eu-dev']);
    assert.equal(sets[1]?.params['values.replicas'], '5');
    assert.equal(sets[2]?.params['values.replicas'], '1');
    assert.ok(!sets.some((s) => s.params.extra));
  });
  test('two sets of one child with the same merge key are refused', async () => {
    await assert.rejects(
      run({
        merge: {
          mergeKeys: ['name'],
          generators: [
            { list: { elements: [{ name: 'a' }] } },
            { list: { elements: [{ name: 'a' }, { name: 'a' }] } },
          ],
        },
      }),
      /share the merge keys/,
    );
  });
});

test('a generator with no kind, or two, is refused', async () => {
  await assert.rejects(run({}), /exactly one of/);
  await assert.rejects(run({ list: { elements: [] }, clusters: {} }), /exactly one of/);
});

test('a generator template override travels with its sets', async () => {
  const sets = await run({
    list: { elements: [{ a: 'b' }], template: { metadata: { labels: { x: 'y' } } } },
  });
  assert.deepEqual(sets[0]?.template, { metadata: { labels: { x: 'y' } } });
});
