import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cachedRender,
  RenderCache,
  type RenderCacheKeyInput,
  type RenderRequest,
  type RenderResult,
  renderCacheKey,
  renderManifests,
} from './render.ts';
import { examplesDir } from './testkit.ts';

const keyInput = (extra: Partial<RenderCacheKeyInput> = {}): RenderCacheKeyInput => ({
  repoURL: 'https://git.example/config.git',
  commit: 'a'.repeat(40),
  path: 'guestbook',
  source: { directory: { recurse: true, include: '*.yaml' } },
  appName: 'guestbook',
  namespace: 'web',
  kubeVersion: 'v1.36.3',
  ...extra,
});

const result = (name: string): RenderResult => ({
  renderer: 'directory',
  objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } }],
});

test('the key ignores field order, undefined fields and a trailing slash', () => {
  const key = renderCacheKey(keyInput());
  assert.equal(
    renderCacheKey(
      keyInput({
        path: 'guestbook/',
        source: { directory: { include: '*.yaml', exclude: undefined, recurse: true } },
      }),
    ),
    key,
  );
});

test('the key changes with every input that changes the output', () => {
  const key = renderCacheKey(keyInput());
  const variants: Partial<RenderCacheKeyInput>[] = [
    { repoURL: 'https://git.example/other.git' },
    { commit: 'b'.repeat(40) },
    { path: 'guestbook/sub' },
    { source: { directory: { recurse: false, include: '*.yaml' } } },
    { source: { helm: { valueFiles: ['b.yaml', 'a.yaml'] } } },
    { appName: 'other' },
    { namespace: 'other' },
    { kubeVersion: 'v1.35.0' },
  ];
  const keys = new Set([key, ...variants.map((variant) => renderCacheKey(keyInput(variant)))]);
  assert.equal(keys.size, variants.length + 1);
  assert.notEqual(
    renderCacheKey(keyInput({ source: { helm: { valueFiles: ['a.yaml', 'b.yaml'] } } })),
    renderCacheKey(keyInput({ source: { helm: { valueFiles: ['b.yaml', 'a.yaml'] } } })),
    'value files apply in order',
  );
});

test('a hit returns equal, frozen objects without rendering again; another option misses', async () => {
  const cache = new RenderCache();
  let renders = 0;
  const request = (recurse: boolean): RenderRequest => ({
    repoDir: examplesDir,
    path: 'guestbook',
    source: { directory: { recurse } },
    appName: 'guestbook',
    tools: { helm: 'helm', kustomize: 'kustomize' },
  });
  const render = (recurse: boolean) => {
    const req = request(recurse);
    const key = renderCacheKey({ ...req, repoURL: 'https://git.example/x.git', commit: 'c'.repeat(40) });
    return cachedRender(cache, key, () => {
      renders++;
      return renderManifests(req);
    });
  };
  const first = await render(false);
  const second = await render(false);
  assert.equal(renders, 1);
  assert.deepEqual(second, first);
  assert.deepEqual(
    second.objects.map((o) => o.kind),
    ['Deployment', 'Service'],
  );
  assert.ok(Object.isFrozen(second.objects[0].metadata));
  assert.throws(() => {
    second.objects[0].metadata.name = 'changed';
  }, TypeError);

  await render(true);
  assert.equal(renders, 2);
  assert.deepEqual(
    { hits: cache.hits, misses: cache.misses, size: cache.size },
    { hits: 1, misses: 2, size: 2 },
  );
});

test('concurrent requests for one key render once; failures are not cached', async () => {
  const cache = new RenderCache();
  let renders = 0;
  const slow = () =>
    new Promise<RenderResult>((resolve) => {
      renders++;
      setTimeout(() => resolve(result('x')), 10);
    });
  const [a, b] = await Promise.all([cachedRender(cache, 'k', slow), cachedRender(cache, 'k', slow)]);
  assert.equal(renders, 1);
  assert.equal(a, b);

  await assert.rejects(
    cachedRender(cache, 'bad', () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.deepEqual(await cachedRender(cache, 'bad', async () => result('fixed')), result('fixed'));
});

test('the least recently used entry is evicted first', async () => {
  const cache = new RenderCache(2);
  cache.set('a', result('a'));
  cache.set('b', result('b'));
  cache.get('a');
  cache.set('c', result('c'));
  assert.equal(cache.size, 2);
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('a')?.objects[0].metadata.name, 'a');
  assert.equal(cache.get('c')?.objects[0].metadata.name, 'c');
  assert.throws(() => new RenderCache(0), RangeError);
});
