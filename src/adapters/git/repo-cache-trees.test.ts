import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type GitServer, startGitServer } from '../../../testbed/src/git-server.ts';
import { RevisionNotFoundError } from './errors.ts';
import { GitRepoCache } from './repo-cache.ts';

const scratch = await mkdtemp(join(tmpdir(), 'tiphys-git-trees-test-'));
after(() => rm(scratch, { recursive: true, force: true }));

describe('GitRepoCache tree ids and shared listings (testbed Git server)', () => {
  let server: GitServer;
  let url: string;
  let first: string;
  before(async () => {
    server = await startGitServer();
    const dir = join(scratch, 'mono');
    for (const app of ['web', 'api']) {
      await mkdir(join(dir, app), { recursive: true });
      await writeFile(join(dir, app, 'cm.yaml'), `kind: ConfigMap\nmetadata: {name: ${app}}\n`);
    }
    await symlink('web', join(dir, 'alias'));
    const created = await server.createRepo('mono', dir);
    assert.ok(created.commit);
    url = created.url;
    first = created.commit;
  });
  after(() => server.close());

  test('a commit that changes one folder changes its tree id only; missing folders and symlinks have none', async () => {
    const cache = new GitRepoCache({ cacheDir: join(scratch, 'cache-1') });
    const second = await server.commitFiles(
      'mono',
      { 'web/cm.yaml': 'kind: ConfigMap\nmetadata: {name: w2}\n' },
      'web',
    );
    // Neither commit is in the mirror yet: the lookup fetches once.
    const before = await cache.treeIds(url, first, ['web', 'api/', 'missing', 'alias', '../x']);
    const after = await cache.treeIds(url, second, ['./web', 'api', '.']);
    assert.match(before.get('web') ?? '', /^[0-9a-f]{40}$/);
    assert.equal(before.get('api/'), after.get('api'));
    assert.notEqual(before.get('web'), after.get('./web'));
    assert.equal(before.get('missing'), undefined);
    assert.equal(before.get('alias'), undefined, 'a symlink is not a folder Git can vouch for');
    assert.equal(before.get('../x'), undefined);
    assert.match(after.get('.') ?? '', /^[0-9a-f]{40}$/);
    assert.equal(cache.stats.fetches, 1);
    // Remembered: no git call, no fetch.
    assert.deepEqual(await cache.treeIds(url, first, ['web']), new Map([['web', before.get('web')]]));
    assert.equal(cache.stats.fetches, 1);
  });

  test("after a prefetch the pushed commit's folders are looked up without another fetch", async () => {
    const cache = new GitRepoCache({ cacheDir: join(scratch, 'cache-5') });
    await cache.treeIds(url, first, ['web']);
    const pushed = await server.commitFiles(
      'mono',
      { 'api/cm.yaml': 'kind: ConfigMap\nmetadata: {name: a5}\n' },
      'api 5',
    );
    await cache.prefetch(url);
    assert.equal(cache.stats.fetches, 2);
    assert.match((await cache.treeIds(url, pushed, ['api'])).get('api') ?? '', /^[0-9a-f]{40}$/);
    assert.equal(cache.stats.fetches, 2, 'the prefetch brought the commit');
  });

  test('a commit the remote does not have is an error naming it', async () => {
    const cache = new GitRepoCache({ cacheDir: join(scratch, 'cache-2') });
    await assert.rejects(cache.treeIds(url, 'f'.repeat(40), ['web']), RevisionNotFoundError);
  });

  test('revisions asked for together share one listing of the remote, taken after each asked', async () => {
    const cache = new GitRepoCache({ cacheDir: join(scratch, 'cache-3') });
    const head = await cache.resolveRevision(url, 'main');
    assert.equal(cache.stats.lsRemotes, 1);
    const resolved = await Promise.all(Array.from({ length: 20 }, () => cache.resolveRevision(url, 'main')));
    assert.ok(resolved.every((commit) => commit === head));
    // The first of the twenty lists; the others asked before it started or while it ran.
    assert.ok(cache.stats.lsRemotes <= 3, `${cache.stats.lsRemotes} listings for 20 resolves`);
    // A push after the last listing is seen by the next resolve: nothing is served from before it.
    const pushed = await server.commitFiles(
      'mono',
      { 'api/cm.yaml': 'kind: ConfigMap\nmetadata: {name: a2}\n' },
      'api',
    );
    assert.equal(await cache.resolveRevision(url, 'main'), pushed);
  });

  test('a listing started since the event that asked is reused; one from before it is not', async () => {
    const cache = new GitRepoCache({ cacheDir: join(scratch, 'cache-4') });
    const asked = Date.now();
    const head = await cache.resolveRevision(url, 'main');
    assert.equal(await cache.resolveRevision(url, 'main', undefined, { listedSince: asked }), head);
    assert.equal(cache.stats.lsRemotes, 1, 'the listing taken after the event served both');
    const pushed = await server.commitFiles(
      'mono',
      { 'web/cm.yaml': 'kind: ConfigMap\nmetadata: {name: w3}\n' },
      'web again',
    );
    const webhook = Date.now();
    assert.equal(await cache.resolveRevision(url, 'main', undefined, { listedSince: webhook }), pushed);
    assert.equal(cache.stats.lsRemotes, 2, 'a listing from before the push is not used for it');
    // A branch the recent listing does not have is listed again, not refused.
    await server.commitFiles('mono', { 'x.yaml': 'a: 1\n' }, 'on dev', { branch: 'dev' });
    await cache.resolveRevision(url, 'dev', undefined, { listedSince: webhook });
    assert.equal(cache.stats.lsRemotes, 3);
  });

  test("a folder's checkout holds that folder's files at its path and nothing else; equal folders share it", async () => {
    const cache = new GitRepoCache({ cacheDir: join(scratch, 'cache-6') });
    const head = await cache.resolveRevision(url, 'main');
    await server.commitFiles(
      'mono',
      { 'web/nested/more.yaml': 'kind: ConfigMap\nmetadata: {name: n}\n' },
      'nest',
    );
    const nested = await cache.resolveRevision(url, 'main');
    const tree = (await cache.treeIds(url, nested, ['web'])).get('web');
    assert.ok(tree);
    const dir = await cache.checkoutFolder(url, 'web/', tree);
    assert.deepEqual(await readdir(dir), ['web'], 'only the folder, at its path');
    assert.deepEqual((await readdir(join(dir, 'web'))).sort(), ['cm.yaml', 'nested']);
    assert.match(await readFile(join(dir, 'web', 'nested', 'more.yaml'), 'utf8'), /name: n/);
    assert.equal(cache.stats.checkouts, 0, 'no whole checkout');
    assert.equal(cache.stats.folderCheckouts, 1);
    // Another commit whose folder is the same: the same files, no second write.
    await server.commitFiles('mono', { 'api/cm.yaml': 'kind: ConfigMap\nmetadata: {name: a6}\n' }, 'api 6');
    const later = await cache.resolveRevision(url, 'main');
    const same = (await cache.treeIds(url, later, ['web'])).get('web');
    assert.equal(same, tree);
    assert.equal(await cache.checkoutFolder(url, 'web', tree), dir);
    assert.equal(cache.stats.folderCheckouts, 1);
    // The root of the repository is a folder too; symlinks stay links, as in a whole checkout.
    const root = (await cache.treeIds(url, head, ['.'])).get('.');
    assert.ok(root);
    const whole = await cache.checkoutFolder(url, '.', root);
    assert.ok((await lstat(join(whole, 'alias'))).isSymbolicLink());
    assert.equal(cache.hasCheckout(url, head), false);
    await cache.checkout(url, head);
    assert.equal(cache.hasCheckout(url, head), true);
  });
});
