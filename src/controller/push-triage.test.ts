import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Application } from '../core/model/application.ts';
import { triagePush } from './push-triage.ts';

const repo = 'https://git.example/mono.git';
const [c1, c2] = ['1'.repeat(40), '2'.repeat(40)];
const app = (name: string, path: string, revision = c1, targetRevision = 'main') =>
  ({
    metadata: { name },
    spec: { source: { repoURL: repo, path, targetRevision }, destination: {} },
    status: { sync: { status: 'Synced', revision } },
  }) as unknown as Application;

test('one listing per repository and revision, one folder lookup per commit, lanes by folder', async () => {
  const resolves: string[] = [];
  const lookups: { commit: string; paths: readonly string[] }[] = [];
  const trees: Record<string, string> = {
    [`${c1}:web`]: 'w1',
    [`${c2}:web`]: 'w2',
    [`${c1}:api`]: 'a',
    [`${c2}:api`]: 'a',
  };
  const lanes = await triagePush(
    [app('web', 'web'), app('api', 'api'), app('dev', 'api', c1, 'dev'), app('new', 'api', c2)],
    {
      resolveRevision: async (_url, revision) => {
        resolves.push(revision);
        if (revision === 'dev') throw new Error('no such branch');
        return c2;
      },
      treeIds: async (_url, commit, paths) => {
        lookups.push({ commit, paths });
        return new Map(paths.map((p) => [p, trees[`${commit}:${p}`]]));
      },
      credentialsFor: async () => undefined,
      permits: async () => true,
    },
  );
  assert.deepEqual(Object.fromEntries(lanes), {
    web: 'urgent',
    api: 'ordinary',
    dev: 'urgent',
    new: 'ordinary',
  });
  assert.deepEqual(resolves.sort(), ['dev', 'main']);
  assert.deepEqual(lookups.map((l) => [l.commit, [...l.paths].sort()]).sort(), [
    [c1, ['api', 'web']],
    [c2, ['api', 'web']],
  ]);
});

test('each pushed repository is fetched once, while its refs are listed, before its folders are looked up', async () => {
  const order: string[] = [];
  const other = 'https://git.example/other.git';
  const elsewhere = {
    ...app('x', 'x'),
    spec: { source: { repoURL: other, path: 'x', targetRevision: 'main' } },
  };
  await triagePush([app('web', 'web'), app('api', 'api'), elsewhere as unknown as Application], {
    resolveRevision: async (url) => {
      order.push(`list ${url}`);
      return c2;
    },
    treeIds: async (url, _commit, paths) => {
      order.push(`look ${url}`);
      return new Map(paths.map((p) => [p, undefined]));
    },
    credentialsFor: async () => undefined,
    permits: async () => true,
    prefetch: async (url) => {
      order.push(`fetch ${url}`);
    },
  });
  assert.deepEqual(order.filter((step) => step.startsWith('fetch')).sort(), [
    `fetch ${repo}`,
    `fetch ${other}`,
  ]);
  const lastFetch = Math.max(order.indexOf(`fetch ${repo}`), order.indexOf(`fetch ${other}`));
  assert.ok(order.findIndex((step) => step.startsWith('look')) > lastFetch, order.join(', '));
});

test('attacker: an app whose project refuses its repository makes the push read nothing of it', async () => {
  const touched: string[] = [];
  const forbidden = 'https://git.example/other-team.git';
  const intruder = {
    ...app('intruder', 'x'),
    spec: { project: 'team-b', source: { repoURL: forbidden, path: 'x', targetRevision: 'main' } },
  } as unknown as Application;
  const lanes = await triagePush([app('web', 'web'), intruder], {
    resolveRevision: async (url) => {
      touched.push(`list ${url}`);
      return c2;
    },
    treeIds: async (url, _commit, paths) => {
      touched.push(`look ${url}`);
      return new Map(paths.map((p) => [p, undefined]));
    },
    credentialsFor: async (url) => {
      touched.push(`credentials ${url}`);
      return undefined;
    },
    prefetch: async (url) => {
      touched.push(`fetch ${url}`);
    },
    permits: async (candidate) => {
      if (candidate.metadata.name === 'web') return true;
      throw new Error('repository not permitted by project team-b');
    },
  });
  assert.deepEqual(Object.fromEntries(lanes), { web: 'urgent', intruder: 'ordinary' });
  assert.ok(touched.length > 0 && touched.every((step) => step.endsWith(repo)), touched.join(', '));
});
