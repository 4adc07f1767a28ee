import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { KubeObject } from '../../core/manifest/object.ts';
import { detectRenderer, RenderError, type RenderRequest, renderManifests } from './render.ts';
import { examplesDir, tempRepo, testTools } from './testkit.ts';
import type { RenderTools } from './types.ts';

let tools: RenderTools;
let repo: string;

before(async () => {
  tools = await testTools();
  // The whole examples folder as one repo: pre-post-sync refers to its sibling ../kustomize-guestbook.
  repo = await tempRepo(examplesDir);
});

const request = (path: string, extra: Partial<RenderRequest> = {}): RenderRequest => ({
  repoDir: repo,
  path,
  source: {},
  appName: 'guestbook-app',
  tools,
  ...extra,
});

const names = (objects: KubeObject[]) =>
  objects.map((o) => `${o.kind}/${o.metadata.name ?? `${o.metadata.generateName}*`}`).sort();

test('guestbook renders as a directory: a Deployment and a Service', async () => {
  const result = await renderManifests(request('guestbook'));
  assert.equal(result.renderer, 'directory');
  assert.deepEqual(names(result.objects), ['Deployment/guestbook-ui', 'Service/guestbook-ui']);
});

test('kustomize-guestbook renders with kustomize and its namePrefix', async () => {
  const result = await renderManifests(request('kustomize-guestbook'));
  assert.equal(result.renderer, 'kustomize');
  assert.deepEqual(names(result.objects), [
    'Deployment/kustomize-guestbook-ui',
    'Service/kustomize-guestbook-ui',
  ]);
});

test('helm-guestbook renders with helm and values-production.yaml applied', async () => {
  const base = await renderManifests(request('helm-guestbook'));
  assert.equal(base.renderer, 'helm');
  assert.deepEqual(names(base.objects), [
    'Deployment/guestbook-app-helm-guestbook',
    'Service/guestbook-app-helm-guestbook',
  ]);
  const service = (objects: KubeObject[]) => objects.find((o) => o.kind === 'Service') as KubeObject;
  assert.equal((service(base.objects).spec as { type: string }).type, 'ClusterIP');

  const production = await renderManifests(
    request('helm-guestbook', { source: { helm: { valueFiles: ['values-production.yaml'] } } }),
  );
  assert.equal((service(production.objects).spec as { type: string }).type, 'LoadBalancer');
});

test('pre-post-sync renders with kustomize through its ../kustomize-guestbook base', async () => {
  const result = await renderManifests(request('pre-post-sync'));
  assert.equal(result.renderer, 'kustomize');
  assert.deepEqual(names(result.objects), [
    'Deployment/pre-post-sync-kustomize-guestbook-ui',
    'Job/pre-post-sync-after',
    'Job/pre-post-sync-before',
    'Service/pre-post-sync-kustomize-guestbook-ui',
  ]);
  const before = result.objects.find((o) => o.metadata.name === 'pre-post-sync-before');
  assert.equal(before?.metadata.annotations?.['argocd.argoproj.io/hook'], 'PreSync');
});

test('sync-waves renders as a directory, generateName hooks included, in file order', async () => {
  const result = await renderManifests(request('sync-waves'));
  assert.equal(result.renderer, 'directory');
  assert.deepEqual(
    result.objects.map((o) => o.metadata.name ?? `${o.metadata.generateName}*`),
    ['upgrade-sql-schema*', 'backend', 'backend', 'maint-page-up', 'frontend', 'frontend', 'maint-page-down'],
  );
});

test('source options choose the renderer over what the folder holds', async () => {
  const result = await renderManifests(
    request('kustomize-guestbook', { source: { directory: { exclude: 'kustomization.yaml' } } }),
  );
  assert.equal(result.renderer, 'directory');
  assert.deepEqual(names(result.objects), ['Deployment/guestbook-ui', 'Service/guestbook-ui']);
  // Read as plain YAML, a kustomization is a broken object and is reported, as Argo CD does.
  await assert.rejects(renderManifests(request('kustomize-guestbook', { source: { directory: {} } })), {
    name: 'ManifestParseError',
    file: 'kustomize-guestbook/kustomization.yaml',
  });
});

test('detectRenderer follows the files when no options are given, and refuses two renderers', async () => {
  assert.equal(await detectRenderer(join(repo, 'helm-guestbook'), {}), 'helm');
  assert.equal(await detectRenderer(join(repo, 'pre-post-sync'), {}), 'kustomize');
  assert.equal(await detectRenderer(join(repo, 'guestbook'), {}), 'directory');
  await assert.rejects(detectRenderer(repo, { helm: {}, directory: {} }), (error: unknown) => {
    assert.ok(error instanceof RenderError);
    assert.equal(error.terminal, true);
    assert.match(error.message, /more than one renderer: helm, directory/);
    return true;
  });
});

test('an app path that does not exist is a terminal error naming it', async () => {
  await assert.rejects(renderManifests(request('no-such-app')), (error: unknown) => {
    assert.ok(error instanceof RenderError);
    assert.equal(error.terminal, true);
    assert.match(error.message, /"no-such-app" does not exist/);
    return true;
  });
});
