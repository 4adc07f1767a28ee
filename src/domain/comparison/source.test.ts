// Renders through the Git mirror (testbed Git server, real `git`): a commit that did not touch
// an app's folder renders nothing again when the folder alone decides the render, and renders
// again when the render read a file outside it (here through a symlink).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type GitServer, startGitServer } from '../../../testbed/src/git-server.ts';
import { GitRepoCache } from '../../adapters/git/index.ts';
import { RenderCache } from '../../adapters/render/render.ts';
import { type Application, withDefaults } from '../../core/model/application.ts';
import { GitManifestSource } from './source.ts';

const scratch = await mkdtemp(join(tmpdir(), 'tiphys-source-test-'));
after(() => rm(scratch, { recursive: true, force: true }));
const cm = (name: string, value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {v: "${value}"}\n`;

let server: GitServer;
let url: string;
let first: string;
before(async () => {
  server = await startGitServer();
  const dir = join(scratch, 'mono');
  for (const folder of ['web', 'linked', 'shared']) await mkdir(join(dir, folder), { recursive: true });
  await writeFile(join(dir, 'web', 'cm.yaml'), cm('web', 'one'));
  await writeFile(join(dir, 'shared', 'cm.yaml'), cm('shared', 'one'));
  // Same tree in every commit below, but what it renders is the file it points at.
  await symlink('../shared/cm.yaml', join(dir, 'linked', 'cm.yaml'));
  const created = await server.createRepo('mono', dir);
  assert.ok(created.commit);
  url = created.url;
  first = created.commit;
});
after(() => server.close());

const app = (path: string) =>
  withDefaults({
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: path, namespace: 'tiphys' },
    spec: { source: { repoURL: url, path, targetRevision: 'main' }, destination: { namespace: 'apps' } },
  } as Application);
const valueIn = (objects: readonly object[]) =>
  (objects[0] as { data?: { v?: string } } | undefined)?.data?.v;

test('a commit that leaves a folder alone is not rendered again; one outside a symlinked file is', async () => {
  const git = new GitRepoCache({ cacheDir: join(scratch, 'cache') });
  const source = new GitManifestSource({
    git,
    renderCache: new RenderCache(),
    tools: { helm: 'helm-not-used', kustomize: 'kustomize-not-used' },
    credentialsFor: async () => undefined,
  });
  assert.equal(valueIn(await source.render(app('web'), first, undefined)), 'one');
  assert.equal(valueIn(await source.render(app('linked'), first, undefined)), 'one');
  assert.equal(git.stats.checkouts, 1);

  // Only shared/ changes: web's render is reused without checking the commit out; linked's is not.
  const second = await server.commitFiles('mono', { 'shared/cm.yaml': cm('shared', 'two') }, 'shared');
  assert.equal(valueIn(await source.render(app('web'), second, undefined)), 'one');
  assert.equal(git.stats.checkouts, 1, 'web was reused by its tree');
  assert.equal(valueIn(await source.render(app('linked'), second, undefined)), 'two');
  assert.equal(git.stats.checkouts, 2);

  // web/ changes: rendered again.
  const third = await server.commitFiles('mono', { 'web/cm.yaml': cm('web', 'three') }, 'web');
  assert.equal(valueIn(await source.render(app('web'), third, undefined)), 'three');
});

test("a push's changed plain folder is rendered from that folder alone; anything else from the whole commit", async () => {
  const git = new GitRepoCache({ cacheDir: join(scratch, 'cache-folders') });
  const source = new GitManifestSource({
    git,
    renderCache: new RenderCache(),
    tools: { helm: 'helm-not-used', kustomize: 'kustomize-not-used' },
    credentialsFor: async () => undefined,
  });
  const pushed = await server.commitFiles(
    'mono',
    { 'web/cm.yaml': cm('web', 'four'), 'solo/a.yaml': cm('a', 'x'), 'solo/b.yaml': cm('b', 'x') },
    'web and solo',
  );
  assert.equal(valueIn(await source.render(app('web'), pushed, undefined)), 'four');
  assert.equal(git.stats.checkouts, 0, 'the commit was not checked out whole');
  assert.equal(git.stats.folderCheckouts, 1);
  // A render that reads outside its folder (a link to ../shared) gets the whole commit, and is right.
  assert.equal(valueIn(await source.render(app('linked'), pushed, undefined)), 'two');
  assert.equal(git.stats.checkouts, 1);
  // Once the whole commit is there, the other folders render from it.
  assert.equal((await source.render(app('solo'), pushed, undefined)).length, 2);
  assert.equal(git.stats.folderCheckouts, 2, 'only web, and linked before it fell back');
});

test('past a few folders of one commit (a cold start), the commit is checked out once instead', async () => {
  const git = new GitRepoCache({ cacheDir: join(scratch, 'cache-cold') });
  const source = new GitManifestSource({
    git,
    renderCache: new RenderCache(),
    tools: { helm: 'helm-not-used', kustomize: 'kustomize-not-used' },
    credentialsFor: async () => undefined,
  });
  const files: Record<string, string> = {};
  for (let i = 0; i < 6; i++) files[`many/app-${i}/cm.yaml`] = cm(`app-${i}`, String(i));
  const commit = await server.commitFiles('mono', files, 'six apps');
  for (let i = 0; i < 6; i++) {
    assert.equal(valueIn(await source.render(app(`many/app-${i}`), commit, undefined)), String(i));
  }
  assert.equal(git.stats.folderCheckouts, 4);
  assert.equal(git.stats.checkouts, 1);
});

test('a sweep while a render reads its checkout leaves it alone (the render holds a lease)', async () => {
  // Every checkout is unused past any age and over any count once released.
  const git = new GitRepoCache({
    cacheDir: join(scratch, 'cache-swept'),
    checkouts: { maxAgeMs: 0, maxCommits: 0, maxFolders: 0, graceMs: 0, sweepIntervalMs: 0 },
  });
  let sweeps = 0;
  const source = new GitManifestSource({
    git,
    renderCache: new RenderCache(),
    tools: { helm: 'helm-not-used', kustomize: 'kustomize-not-used' },
    credentialsFor: async () => undefined,
    // Asked for inside each render, after its checkout is found and before its files are read:
    // a sweep runs right there.
    projects: {
      fetchProject: async () => {
        await git.sweepCheckouts();
        sweeps++;
        return undefined;
      },
    } as unknown as ConstructorParameters<typeof GitManifestSource>[0]['projects'],
  });
  const commit = await server.commitFiles('mono', { 'web/cm.yaml': cm('web', 'swept') }, 'web again');
  // web renders from its folder alone: had the sweep removed it, the render would have fallen
  // back to a whole checkout.
  assert.equal(valueIn(await source.render(app('web'), commit, undefined)), 'swept');
  assert.equal(git.stats.checkouts, 0);
  // linked reads outside its folder: from the whole checkout, which must stay while it is read.
  assert.equal(valueIn(await source.render(app('linked'), commit, undefined)), 'two');
  assert.equal(git.stats.checkouts, 1);
  assert.ok(sweeps >= 3);
  // Released after the render: the next sweep removes what is no longer read.
  await git.sweepCheckouts();
  assert.ok(git.stats.checkoutsRemoved >= 2);
});
