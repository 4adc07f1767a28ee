import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Application } from '../model/application.ts';
import { pushedSources, pushLane, treeQueries } from './push-lanes.ts';

const repo = 'https://git.example/mono.git';
const values = 'https://git.example/values.git';
const [c1, c2] = ['1'.repeat(40), '2'.repeat(40)];

function app(spec: Record<string, unknown>, revision?: string): Application {
  return {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'a', namespace: 'tiphys' },
    spec: { destination: {}, ...spec },
    ...(revision ? { status: { sync: { status: 'Synced', revision } } } : {}),
  } as unknown as Application;
}

// The push moved mono's main from c1 to c2; folder "web" changed, "api" did not.
const trees: Record<string, string> = {
  [`${c1}:web`]: 'tw1',
  [`${c2}:web`]: 'tw2',
  [`${c1}:api`]: 'ta',
  [`${c2}:api`]: 'ta',
  [`${c1}:`]: 'root1',
  [`${c2}:`]: 'root2',
};
const commitOf = (url: string, revision: string) => (url === repo && revision === 'main' ? c2 : undefined);
const treeOf = (_url: string, commit: string, path: string) => trees[`${commit}:${path}`];
const lane = (a: Application) => pushLane(pushedSources(a), commitOf, treeOf);

describe('pushLane', () => {
  test('the app whose folder changed is urgent, the one whose folder did not is ordinary', () => {
    assert.equal(lane(app({ source: { repoURL: repo, path: 'web', targetRevision: 'main' } }, c1)), 'urgent');
    assert.equal(
      lane(app({ source: { repoURL: repo, path: './api/', targetRevision: 'main' } }, c1)),
      'ordinary',
    );
    assert.deepEqual(
      treeQueries(
        pushedSources(app({ source: { repoURL: repo, path: 'api', targetRevision: 'main' } }, c1)) ?? [],
        commitOf,
      ),
      [
        { repoURL: repo, commit: c1, path: 'api' },
        { repoURL: repo, commit: c2, path: 'api' },
      ],
    );
  });

  test('an app already at the pushed commit is ordinary and needs no lookup', () => {
    const at = app({ source: { repoURL: repo, path: 'web', targetRevision: 'main' } }, c2);
    assert.equal(lane(at), 'ordinary');
    assert.deepEqual(treeQueries(pushedSources(at) ?? [], commitOf), []);
  });

  test('what cannot be told is urgent: never synced, an unresolved revision, an unknown folder', () => {
    assert.equal(lane(app({ source: { repoURL: repo, path: 'api', targetRevision: 'main' } })), 'urgent');
    assert.equal(lane(app({ source: { repoURL: repo, path: 'api', targetRevision: 'dev' } }, c1)), 'urgent');
    assert.equal(
      lane(app({ source: { repoURL: repo, path: 'gone', targetRevision: 'main' } }, c1)),
      'urgent',
    );
    // A revision that does not name one commit per source.
    assert.equal(
      lane(app({ source: { repoURL: repo, path: 'api', targetRevision: 'main' } }, `${c1};${c1}`)),
      'urgent',
    );
  });

  test('a ref source counts its whole repository: its value files may be anywhere', () => {
    const spec = {
      sources: [
        { repoURL: 'https://charts.example', chart: 'web', targetRevision: '1.0.0' },
        { repoURL: repo, ref: 'values', targetRevision: 'main' },
      ],
    };
    const sources = pushedSources(app(spec, `1.0.0@sha256:abc;${c1}`));
    assert.deepEqual(sources, [{ repoURL: repo, targetRevision: 'main', path: '', synced: c1 }]);
    assert.equal(pushLane(sources, commitOf, treeOf), 'urgent');
  });

  test('an app of several sources is urgent when any moved source changed its folder', () => {
    const both = (path: string) => ({
      sources: [
        { repoURL: values, path: 'x', targetRevision: 'main' },
        { repoURL: repo, path, targetRevision: 'main' },
      ],
    });
    const commits = (url: string, revision: string) => (url === values ? c1 : commitOf(url, revision));
    const of = (a: Application) => pushLane(pushedSources(a), commits, treeOf);
    assert.equal(of(app(both('web'), `${c1};${c1}`)), 'urgent');
    assert.equal(of(app(both('api'), `${c1};${c1}`)), 'ordinary');
  });
});
