import assert from 'node:assert/strict';
import { cp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { PathOutsideRepoError, type RenderRequest, renderManifests } from './render.ts';
import { examplesDir, tempDir, tempRepo, testTools } from './testkit.ts';
import type { RenderTools } from './types.ts';

let tools: RenderTools;
let repo: string;
let outside: string;

before(async () => {
  tools = await testTools();
  repo = await tempRepo(examplesDir);
  // A folder next to the repo holding a valid manifest: reading it would "work", which is the danger.
  outside = await tempDir('tiphys-render-outside-');
  await writeFile(
    join(outside, 'secret.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stolen\ndata:\n  password: hunter2\n',
  );
  await symlink(outside, join(repo, 'escape'));
  await symlink(join(repo, 'guestbook'), join(repo, 'guestbook-link'));
  await mkdir(join(repo, 'linked-file-app'));
  await symlink(join(outside, 'secret.yaml'), join(repo, 'linked-file-app', 'secret.yaml'));
  await mkdir(join(repo, 'leaky'));
  await symlink(join(outside, 'secret.yaml'), join(repo, 'leaky', 'values.yaml'));
  await cp(join(repo, 'helm-guestbook'), join(repo, 'leaky-chart'), { recursive: true });
  await symlink(join(outside, 'secret.yaml'), join(repo, 'leaky-chart', 'templates', 'secret.yaml'));
});

const request = (path: string, extra: Partial<RenderRequest> = {}): RenderRequest => ({
  repoDir: repo,
  path,
  source: {},
  appName: 'app',
  tools,
  ...extra,
});

/** Asserts the promise fails with a terminal PathOutsideRepoError naming `path`. */
async function rejectsOutside(promise: Promise<unknown>, path: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof PathOutsideRepoError, `expected PathOutsideRepoError, got ${String(error)}`);
    assert.equal(error.terminal, true);
    assert.equal(error.path, path);
    assert.ok(error.message.includes(JSON.stringify(path)), error.message);
    return true;
  });
}

test("an app path climbing out with '..' is refused", async () => {
  await rejectsOutside(renderManifests(request('../etc')), '../etc');
  await rejectsOutside(renderManifests(request('guestbook/../../x')), 'guestbook/../../x');
});

test("'..' that stays inside the repository is fine", async () => {
  const result = await renderManifests(request('sync-waves/../guestbook'));
  assert.equal(result.objects.length, 2);
});

test('an absolute app path is refused', async () => {
  await rejectsOutside(renderManifests(request(join(repo, 'guestbook'))), join(repo, 'guestbook'));
  await rejectsOutside(renderManifests(request('/etc')), '/etc');
});

test('a symlink on the app path that points outside the repository is refused', async () => {
  await rejectsOutside(renderManifests(request('escape')), 'escape');
});

test('a symlink that stays inside the repository is followed', async () => {
  const result = await renderManifests(request('guestbook-link'));
  assert.equal(result.renderer, 'directory');
  assert.equal(result.objects.length, 2);
});

test('a manifest file that is a symlink to outside the repository is refused, naming the file', async () => {
  await rejectsOutside(renderManifests(request('linked-file-app')), 'linked-file-app/secret.yaml');
});

test('helm value files must stay inside the repository', async () => {
  const helm = (valueFiles: string[]) =>
    renderManifests(request('helm-guestbook', { source: { helm: { valueFiles } } }));
  await rejectsOutside(helm(['../../values.yaml']), '../../values.yaml');
  await rejectsOutside(helm(['/etc/passwd']), '/etc/passwd');
  await rejectsOutside(helm(['../leaky/values.yaml']), '../leaky/values.yaml');
});

test('a chart holding a symlink to outside the repository is refused: helm would read it', async () => {
  await rejectsOutside(renderManifests(request('leaky-chart')), 'leaky-chart/templates/secret.yaml');
});
