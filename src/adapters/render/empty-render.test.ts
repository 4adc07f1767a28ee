import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { EMPTY_MARKER, EmptyRenderError } from './empty-render.ts';
import { type RenderSource, renderManifests } from './render.ts';
import { tempDir, testTools } from './testkit.ts';

const noTools = { helm: '/nonexistent/helm', kustomize: '/nonexistent/kustomize' };

/** A repo whose `app/` folder holds `files` (path → content). */
async function repoWith(files: Record<string, string>): Promise<string> {
  const repo = await tempDir();
  await mkdir(join(repo, 'app'), { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(repo, 'app', path, '..'), { recursive: true });
    await writeFile(join(repo, 'app', path), content);
  }
  return repo;
}

async function emptyError(
  repo: string,
  source: RenderSource = {},
  tools = noTools,
): Promise<EmptyRenderError> {
  const rendering = renderManifests({ repoDir: repo, path: 'app', source, appName: 'app', tools });
  await assert.rejects(rendering, EmptyRenderError);
  return (await rendering.catch((error: unknown) => error)) as EmptyRenderError;
}

const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n';

test('a folder of files Tiphys does not render is an error naming the path, each file and why', async () => {
  const repo = await repoWith({
    'guestbook.cue': '{}',
    'lib/util.libsonnet': '{}',
    'values.yaml': 'replicas: 2\n',
    'sub/cm.yaml': configMap,
  });
  const error = await emptyError(repo);
  assert.equal(error.terminal, true);
  assert.equal(error.path, 'app');
  assert.match(error.message, /^no manifests found in app\/: skipped 4 files: /);
  assert.match(error.message, /guestbook\.cue \(not \.yaml, \.yml, \.json or \.jsonnet\)/);
  assert.match(error.message, /lib\/util\.libsonnet \(in a subfolder; directory\.recurse is off\)/);
  assert.match(error.message, /sub\/cm\.yaml \(in a subfolder; directory\.recurse is off\)/);
  assert.match(error.message, /values\.yaml \(no Kubernetes object in it\)/);
  assert.match(error.message, /commit an empty file app\/\.tiphys-empty$/);
});

test('files an include glob leaves out are named as such', async () => {
  const repo = await repoWith({ 'cm.yaml': configMap });
  const error = await emptyError(repo, { directory: { include: '*.json' } });
  assert.match(error.message, /cm\.yaml \(left out by directory\.include\/exclude\)/);
});

test('an empty folder says it holds no files', async () => {
  const repo = await repoWith({});
  const error = await emptyError(repo);
  assert.match(error.message, /^no manifests found in app\/: the folder holds no files; /);
});

test('a long listing names ten files and counts the rest', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 13; i++) files[`f${String(i).padStart(2, '0')}.cue`] = '{}';
  const error = await emptyError(await repoWith(files));
  assert.match(error.message, /skipped 13 files: /);
  assert.match(error.message, /f09\.cue \(not \.yaml, \.yml, \.json or \.jsonnet\) and 3 more; /);
  assert.doesNotMatch(error.message, /f10\.cue/);
});

test('a path marked with .tiphys-empty renders to nothing without an error', async () => {
  const repo = await repoWith({ [EMPTY_MARKER]: '', 'notes.txt': 'nothing here yet' });
  const result = await renderManifests({
    repoDir: repo,
    path: 'app',
    source: {},
    appName: 'app',
    tools: noTools,
  });
  assert.deepEqual(result.objects, []);
});

test('the marker changes nothing when the path does render objects', async () => {
  const repo = await repoWith({ [EMPTY_MARKER]: '', 'cm.yaml': configMap });
  const result = await renderManifests({
    repoDir: repo,
    path: 'app',
    source: {},
    appName: 'app',
    tools: noTools,
  });
  assert.deepEqual(
    result.objects.map((o) => o.metadata.name),
    ['cm'],
  );
});

test('a kustomization that renders no object is an error too, naming the tool', async () => {
  const repo = await repoWith({ 'kustomization.yaml': 'resources: []\n' });
  const error = await emptyError(repo, {}, await testTools());
  assert.match(
    error.message,
    /^no manifests found in app\/: kustomize rendered no object from 1 file: kustomization\.yaml; /,
  );
});
