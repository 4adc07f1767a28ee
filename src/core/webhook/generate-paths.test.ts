import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { generatePaths, pushTouchesApp } from './generate-paths.ts';
import { type PushEvent, parsePushEvent } from './push-event.ts';

const push = (changedPaths?: string[]): PushEvent => ({
  provider: 'github',
  ref: 'refs/heads/main',
  repoURLs: ['https://git.example/mono.git'],
  ...(changedPaths ? { changedPaths } : {}),
});
const annotated = (value: string, sourcePath: string) => ({
  annotations: { 'argocd.argoproj.io/manifest-generate-paths': value },
  sourcePaths: [sourcePath],
});

describe('manifest-generate-paths', () => {
  test('paths are relative to the source path, or to the root with a leading slash', () => {
    assert.deepEqual(generatePaths('.;../shared; /charts/common/', 'services/a'), [
      'services/a',
      'services/shared',
      'charts/common',
    ]);
    assert.deepEqual(generatePaths('.', ''), ['']);
  });

  test('a push outside the folders does not refresh the app; one inside does', () => {
    const app = annotated('.', 'services/svc-001');
    assert.equal(pushTouchesApp(push(['services/svc-000/cm-0.yaml']), app), false);
    assert.equal(pushTouchesApp(push(['services/svc-001/cm-0.yaml']), app), true);
    // A sibling folder whose name starts the same is not inside.
    assert.equal(pushTouchesApp(push(['services/svc-0010/x.yaml']), app), false);
    assert.equal(
      pushTouchesApp(
        push(['services/svc-000/a', 'charts/common/v.yaml']),
        annotated('.;/charts/common', 'services/svc-001'),
      ),
      true,
    );
  });

  test('without the annotation, or when the event cannot list the files, the app is refreshed', () => {
    assert.equal(pushTouchesApp(push(['elsewhere/x']), { sourcePaths: ['services/a'] }), true);
    assert.equal(pushTouchesApp(push(undefined), annotated('.', 'services/a')), true);
    assert.equal(pushTouchesApp(push(['elsewhere/x']), annotated('../../..', 'a')), true);
  });

  test('with several sources, a relative folder counts under each source path', () => {
    const app = { annotations: { 'tiphys.dev/manifest-generate-paths': '.' }, sourcePaths: ['a', undefined] };
    assert.equal(pushTouchesApp(push(['b/x']), app), true, 'a source at the root sees every file');
    const two = { annotations: { 'tiphys.dev/manifest-generate-paths': '.' }, sourcePaths: ['a', 'c'] };
    assert.equal(pushTouchesApp(push(['c/x']), two), true);
    assert.equal(pushTouchesApp(push(['b/x']), two), false);
  });
});

describe('changed paths of a push event', () => {
  const parse = (payload: Record<string, unknown>) =>
    parsePushEvent(
      {
        'x-github-event': 'push',
        'x-hub-signature-256': `sha256=${createHmac('sha256', 's').update(JSON.stringify(payload)).digest('hex')}`,
      },
      Buffer.from(JSON.stringify(payload)),
      { github: 's' },
    );
  const base = { ref: 'refs/heads/main', repository: { clone_url: 'https://git.example/mono.git' } };

  test('the files of every listed commit, added, modified and removed', () => {
    const event = parse({
      ...base,
      commits: [
        { added: ['a/1'], modified: ['b/2'] },
        { removed: ['c/3'], modified: ['b/2'] },
      ],
    });
    assert.deepEqual(event?.changedPaths, ['a/1', 'b/2', 'c/3']);
  });

  test('unknown when the list may be incomplete or the push rewrote history', () => {
    const many = Array.from({ length: 20 }, () => ({ modified: ['a'] }));
    assert.equal(parse({ ...base, commits: many })?.changedPaths, undefined);
    assert.equal(parse({ ...base, forced: true, commits: [{ modified: ['a'] }] })?.changedPaths, undefined);
    assert.equal(
      parse({ ...base, total_commits_count: 30, commits: [{ modified: ['a'] }] })?.changedPaths,
      undefined,
    );
    assert.equal(parse({ ...base })?.changedPaths, undefined);
    assert.equal(parse({ ...base, commits: [{ modified: [42] }] })?.changedPaths, undefined);
  });
});
