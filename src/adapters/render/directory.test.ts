import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { ManifestParseError } from '../../core/manifest/parse.ts';
import { matchesPattern, maxManifestFileBytes, selected } from './directory.ts';
import { RenderError } from './errors.ts';
import { type DirectoryOptions, renderManifests } from './render.ts';
import { tempDir, testdataDir } from './testkit.ts';

// The tools are never run for plain directories.
const tools = { helm: '/nonexistent/helm', kustomize: '/nonexistent/kustomize' };

async function render(
  path: string,
  directory: DirectoryOptions = {},
  repoDir = testdataDir,
): Promise<string[]> {
  const result = await renderManifests({ repoDir, path, source: { directory }, appName: 'app', tools });
  assert.equal(result.renderer, 'directory');
  return result.objects.map((o) => String(o.metadata.name));
}

test('reads .yaml, .yml and .json files of the folder only, in path order, skipping non-manifests', async () => {
  // notes.txt is not read, values.yaml is YAML but no Kubernetes object, sub/ needs recurse.
  assert.deepEqual(await render('directory-tree'), ['a', 'b', 'c']);
});

test('recurse reads subfolders too, in path order', async () => {
  assert.deepEqual(await render('directory-tree', { recurse: true }), ['a', 'b', 'c', 'd', 'e']);
});

test('include: a name pattern matches at any depth, a braced list picks several files', async () => {
  assert.deepEqual(await render('directory-tree', { include: '*.yaml' }), ['a']);
  assert.deepEqual(await render('directory-tree', { recurse: true, include: '*.yaml' }), ['a', 'd', 'e']);
  assert.deepEqual(await render('directory-tree', { include: '{a.yaml,c.json}' }), ['a', 'c']);
  assert.deepEqual(await render('directory-tree', { recurse: true, include: 'sub/**' }), ['d', 'e']);
});

test('exclude drops what it matches, after include', async () => {
  assert.deepEqual(await render('directory-tree', { recurse: true, exclude: 'sub/*' }), ['a', 'b', 'c', 'e']);
  assert.deepEqual(await render('directory-tree', { recurse: true, exclude: '{b.yml,sub/**}' }), ['a', 'c']);
  assert.deepEqual(await render('directory-tree', { recurse: true, include: '*.yaml', exclude: 'e.yaml' }), [
    'a',
    'd',
  ]);
});

test('pattern matching rules', () => {
  assert.equal(matchesPattern('sub/x.yaml', '*.yaml'), true);
  assert.equal(matchesPattern('sub/x.yaml', 'sub/*.yaml'), true);
  assert.equal(matchesPattern('other/x.yaml', 'sub/*.yaml'), false);
  assert.equal(matchesPattern('x.yaml', '{x.yaml,y.yaml}'), true);
  assert.equal(selected('a.yaml', {}), true);
  assert.equal(selected('a.yaml', { include: '', exclude: '' }), true);
});

test('a broken YAML file fails with an error naming the file (relative to the repo) and the line', async () => {
  await assert.rejects(render('broken-yaml'), (error: unknown) => {
    assert.ok(error instanceof ManifestParseError, String(error));
    assert.equal(error.terminal, true);
    assert.equal(error.file, 'broken-yaml/bad.yaml');
    assert.equal(error.document, 2);
    assert.equal(error.line, 10);
    assert.match(error.message, /^broken-yaml\/bad\.yaml \(document 2, line 10\)/);
    return true;
  });
});

test('a file larger than 8 MiB is refused before it is read', async () => {
  const repo = await tempDir();
  await mkdir(join(repo, 'big'));
  await writeFile(join(repo, 'big', 'huge.yaml'), `# ${'x'.repeat(maxManifestFileBytes)}\n`);
  await assert.rejects(render('big', {}, repo), (error: unknown) => {
    assert.ok(error instanceof ManifestParseError, String(error));
    assert.equal(error.file, 'big/huge.yaml');
    assert.match(error.message, /larger than 8388608 bytes/);
    return true;
  });
});

test('an empty folder marked .tiphys-empty renders no objects (unmarked, it is an error: empty-render.test.ts)', async () => {
  const repo = await tempDir();
  await mkdir(join(repo, 'empty'));
  await writeFile(join(repo, 'empty', '.tiphys-empty'), '');
  assert.deepEqual(await render('empty', {}, repo), []);
});

test('a hostile include pattern is matched in one pass while the process keeps serving', async () => {
  const repo = await tempDir();
  await mkdir(join(repo, 'app'));
  const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
  // 200 'a's: a backtracking matcher needs about 200^10 steps to say `*a*…*a*b` does not match.
  await writeFile(join(repo, 'app', `${'a'.repeat(200)}.yaml`), configMap('long'));
  await writeFile(join(repo, 'app', 'aaaaaaaaaab.yaml'), configMap('short'));
  // Another request, served by the same event loop while the render runs.
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const [names, answer] = await Promise.all([
      render('app', { include: '*a*a*a*a*a*a*a*a*a*a*b.yaml' }, repo),
      fetch(`http://127.0.0.1:${port}/`).then((response) => response.text()),
    ]);
    assert.deepEqual(names, ['short']);
    assert.equal(answer, 'ok');
  } finally {
    server.close();
  }
});

test('brace ranges and brace explosions are refused, naming the pattern', async () => {
  for (const [pattern, reason] of [
    ['{1..100000}.yaml', /brace ranges/],
    [
      '{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}',
      /alternatives/,
    ],
  ] as const) {
    await assert.rejects(render('directory-tree', { exclude: pattern }), (error: unknown) => {
      assert.ok(error instanceof RenderError, String(error));
      assert.equal(error.terminal, true);
      assert.match(error.message, /^directory exclude: glob pattern/);
      assert.match(error.message, reason);
      return true;
    });
  }
});
