// The sweep of the repo cache's checkouts (checkout-sweep.ts, checkout-store.ts), with real Git
// on local repositories: the disk stays bounded while commits keep coming, a leased checkout
// and the latest commit of a tracked revision stay, and nothing outside the cache's own names
// is touched, links out of a hostile repository included.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type CheckoutEntry, chooseRemovals, type SweepPolicy } from './checkout-sweep.ts';
import { type CheckoutLimits, GitRepoCache } from './repo-cache.ts';
import { commitAll, git } from './testkit.ts';

const scratch = await mkdtemp(join(tmpdir(), 'tiphys-git-sweep-test-'));
after(() => rm(scratch, { recursive: true, force: true }));

/** A local repository with an app folder; each `commit` changes app/ and returns the commit id. */
async function makeRemote(name: string) {
  const dir = join(scratch, name);
  await mkdir(join(dir, 'app'), { recursive: true });
  await git(dir, 'init', '--quiet', '--initial-branch=main');
  let n = 0;
  const commit = async (files: Record<string, string> = {}) => {
    n++;
    await writeFile(join(dir, 'app', 'cm.yaml'), `kind: ConfigMap\nmetadata: {name: c${n}}\n`);
    for (const [path, text] of Object.entries(files)) await writeFile(join(dir, path), text);
    return commitAll(dir, `commit ${n}`);
  };
  return { dir, commit };
}

let caches = 0;
function newCache(checkouts: CheckoutLimits) {
  const cacheDir = join(scratch, `cache-${++caches}`);
  return new GitRepoCache({
    cacheDir,
    allowLocalRepos: true,
    checkouts: { sweepIntervalMs: 0, ...checkouts },
  });
}

/** The commit checkouts on disk, all repositories together. */
async function commitCheckouts(cache: GitRepoCache): Promise<string[]> {
  const root = join(cache.cacheDir, 'checkouts');
  if (!existsSync(root)) return [];
  const found: string[] = [];
  for (const key of await readdir(root))
    for (const name of await readdir(join(root, key))) if (!name.startsWith('.')) found.push(name);
  return found.sort();
}

/** Makes a checkout look last used `ms` ago to a new process (its folder's time on disk). */
async function age(dir: string, ms: number) {
  const then = new Date(Date.now() - ms);
  await utimes(dir, then, then);
}

describe('checkout sweep (local repositories)', () => {
  test('commit after commit, the checkouts on disk stay within the limit', async () => {
    const remote = await makeRemote('busy');
    const cache = newCache({ maxCommits: 3, graceMs: 0 });
    const made: string[] = [];
    for (let i = 0; i < 8; i++) {
      const sha = await remote.commit();
      made.push(sha);
      await cache.checkout(remote.dir, sha);
      // The sweep a new checkout starts runs in the background.
      await cache.sweepIdle();
    }
    const left = await commitCheckouts(cache);
    // Without the sweep all 8 stay: the disk grows with every commit.
    assert.ok(left.length <= 3, `${left.length} checkouts left: ${left.join(', ')}`);
    // The most recent ones are those kept.
    assert.ok(left.includes(made[7]));
    assert.equal(cache.stats.checkouts, 8);
    assert.equal(cache.stats.checkoutsRemoved, 8 - left.length);
  });

  test('folder checkouts are swept too, past their own limit', async () => {
    const remote = await makeRemote('folders');
    const cache = newCache({ maxFolders: 2, graceMs: 0 });
    for (let i = 0; i < 6; i++) {
      const sha = await remote.commit();
      const tree = (await cache.treeIds(remote.dir, sha, ['app'])).get('app');
      assert.ok(tree);
      await cache.checkoutFolder(remote.dir, 'app', tree);
      await cache.sweepIdle();
    }
    const root = join(cache.cacheDir, 'folders');
    const [key] = await readdir(root);
    const left = (await readdir(join(root, key))).filter((name) => !name.startsWith('.'));
    assert.ok(left.length <= 2, `${left.length} folder checkouts left`);
  });

  test('a leased checkout stays while leased, whatever its age and the limits; it goes once released', async () => {
    const remote = await makeRemote('leased');
    const cache = newCache({ maxCommits: 0, maxAgeMs: 0, graceMs: 0 });
    const first = await remote.commit();
    const lease = await cache.leaseCheckout(remote.dir, first);
    await age(lease.dir, 24 * 3600_000);
    for (let i = 0; i < 3; i++) await cache.checkout(remote.dir, await remote.commit());
    await cache.sweepIdle();
    await cache.sweepCheckouts();
    // A render reading it would fail here if the sweep had removed it.
    assert.match(await readFile(join(lease.dir, 'app', 'cm.yaml'), 'utf8'), /name: c1/);
    lease.release();
    await cache.sweepCheckouts();
    assert.equal(existsSync(lease.dir), false);
    // Asked again, it is written again.
    const again = await cache.checkout(remote.dir, first);
    assert.match(await readFile(join(again, 'app', 'cm.yaml'), 'utf8'), /name: c1/);
  });

  test('a lease asked for while its checkout is being removed waits and gets it written again', async () => {
    const remote = await makeRemote('race');
    const cache = newCache({ maxCommits: 0, maxAgeMs: 0, graceMs: 0 });
    const sha = await remote.commit();
    await cache.checkout(remote.dir, sha);
    const sweep = cache.sweepCheckouts();
    const lease = await cache.leaseCheckout(remote.dir, sha);
    await sweep;
    assert.match(await readFile(join(lease.dir, 'app', 'cm.yaml'), 'utf8'), /name: c1/);
    lease.release();
  });

  test('a checkout used within the grace period stays even without a lease', async () => {
    const remote = await makeRemote('grace');
    const cache = newCache({ maxCommits: 0, maxAgeMs: 0, graceMs: 60_000 });
    const dir = await cache.checkout(remote.dir, await remote.commit());
    await cache.sweepCheckouts();
    assert.ok(existsSync(dir));
  });

  test('the latest commit of a tracked revision and its folders stay; the commit before goes', async () => {
    const remote = await makeRemote('tracked');
    const cache = newCache({ maxCommits: 0, maxFolders: 0, maxAgeMs: 60_000, graceMs: 0 });
    const old = await remote.commit();
    const oldDir = await cache.checkout(remote.dir, await cache.resolveRevision(remote.dir, 'main'));
    assert.ok(oldDir.endsWith(old));
    const latest = await remote.commit();
    assert.equal(await cache.resolveRevision(remote.dir, 'main'), latest);
    const latestDir = await cache.checkout(remote.dir, latest);
    const tree = (await cache.treeIds(remote.dir, latest, ['app'])).get('app');
    assert.ok(tree);
    const folder = await cache.checkoutFolder(remote.dir, 'app', tree);
    await cache.sweepIdle();
    await cache.sweepCheckouts();
    assert.ok(existsSync(latestDir));
    assert.ok(existsSync(folder));
    assert.equal(existsSync(oldDir), false);
  });

  test('checkouts left by an earlier process go by their age on disk', async () => {
    const remote = await makeRemote('restart');
    const limits = { maxAgeMs: 3600_000, graceMs: 0 };
    const before = newCache(limits);
    const oldDir = await before.checkout(remote.dir, await remote.commit());
    const recentDir = await before.checkout(remote.dir, await remote.commit());
    await before.sweepIdle();
    await age(oldDir, 2 * 3600_000);
    const after = new GitRepoCache({ cacheDir: before.cacheDir, allowLocalRepos: true, checkouts: limits });
    const report = await after.sweepCheckouts();
    assert.equal(report.removed, 1);
    assert.equal(existsSync(oldDir), false);
    assert.ok(existsSync(recentDir));
  });

  test('links in a hostile repository are removed as links: what they point to outside is untouched', async () => {
    const outside = join(scratch, 'outside');
    await mkdir(join(outside, 'keep'), { recursive: true });
    await writeFile(join(outside, 'keep', 'precious.txt'), 'do not delete\n');
    const remote = await makeRemote('hostile');
    await symlink(outside, join(remote.dir, 'escape'));
    await symlink(join(outside, 'keep', 'precious.txt'), join(remote.dir, 'app', 'file-link'));
    await symlink('../../../../../../../../../../..', join(remote.dir, 'up'));
    const sha = await remote.commit();
    // Swept when asked only, so the test sees what each sweep removes.
    const cache = newCache({
      maxCommits: 0,
      maxFolders: 0,
      maxAgeMs: 0,
      graceMs: 0,
      sweepIntervalMs: 3600_000,
    });
    const dir = await cache.checkout(remote.dir, sha);
    assert.ok((await stat(join(dir, 'escape', 'keep'))).isDirectory(), 'the checkout holds the link');
    const tree = (await cache.treeIds(remote.dir, sha, ['app'])).get('app');
    assert.ok(tree);
    const folder = await cache.checkoutFolder(remote.dir, 'app', tree);
    const report = await cache.sweepCheckouts();
    assert.equal(report.removed, 2);
    assert.equal(existsSync(dir), false);
    assert.equal(existsSync(folder), false);
    assert.equal(await readFile(join(outside, 'keep', 'precious.txt'), 'utf8'), 'do not delete\n');
    assert.ok(existsSync(join(scratch, 'hostile', 'app', 'cm.yaml')), 'the remote itself is untouched');
  });

  test('only names the cache writes are removed: links and strangers under its folders stay', async () => {
    const outside = join(scratch, 'outside-2');
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'precious.txt'), 'mine\n');
    const remote = await makeRemote('strangers');
    const cache = newCache({
      maxCommits: 0,
      maxFolders: 0,
      maxAgeMs: 0,
      graceMs: 0,
      sweepIntervalMs: 3600_000,
    });
    const dir = await cache.checkout(remote.dir, await remote.commit());
    const repoFolder = join(dir, '..');
    const fakeSha = 'a'.repeat(40);
    // A link named like a checkout, pointing out of the cache; a folder of another name; a
    // whole repository folder that is a link; a file named like a checkout.
    await symlink(outside, join(repoFolder, fakeSha));
    await mkdir(join(repoFolder, 'notes'));
    await writeFile(join(repoFolder, 'b'.repeat(40)), 'a file\n');
    await symlink(outside, join(cache.cacheDir, 'checkouts', 'c'.repeat(64)));
    await mkdir(join(cache.cacheDir, 'folders'), { recursive: true });
    await symlink(outside, join(cache.cacheDir, 'folders', 'd'.repeat(64)));
    await age(outside, 48 * 3600_000);
    const report = await cache.sweepCheckouts();
    assert.equal(report.removed, 1);
    assert.equal(existsSync(dir), false);
    assert.ok(existsSync(join(repoFolder, fakeSha)));
    assert.ok(existsSync(join(repoFolder, 'notes')));
    assert.ok(existsSync(join(repoFolder, 'b'.repeat(40))));
    assert.equal(await readFile(join(outside, 'precious.txt'), 'utf8'), 'mine\n');
  });

  test('a temporary tree left by a crash goes once stale; a fresh one stays', async () => {
    const remote = await makeRemote('temps');
    const cache = newCache({ graceMs: 0, staleTempMs: 3600_000, sweepIntervalMs: 3600_000 });
    const dir = await cache.checkout(remote.dir, await remote.commit());
    const stale = join(dir, '..', '.tmp-0123456789ab-AbC123');
    const fresh = join(dir, '..', '.tmp-0123456789ab-XyZ789');
    await mkdir(join(stale, 'app'), { recursive: true });
    await mkdir(fresh);
    await age(stale, 2 * 3600_000);
    const report = await cache.sweepCheckouts();
    assert.equal(report.temps, 1);
    assert.equal(existsSync(stale), false);
    assert.ok(existsSync(fresh));
    assert.ok(existsSync(dir));
  });

  test('only writing a checkout or fetching starts a sweep: reading existing ones does not', async () => {
    const remote = await makeRemote('rest');
    const limits = { maxAgeMs: 3600_000, graceMs: 0 };
    const before = newCache(limits);
    const oldDir = await before.checkout(remote.dir, await remote.commit());
    const second = await remote.commit();
    await before.checkout(remote.dir, second);
    await before.sweepIdle();
    await age(oldDir, 2 * 3600_000);
    const cache = new GitRepoCache({
      cacheDir: before.cacheDir,
      allowLocalRepos: true,
      checkouts: { ...limits, sweepIntervalMs: 0 },
    });
    await cache.checkout(remote.dir, second);
    await cache.sweepIdle();
    assert.ok(existsSync(oldDir), 'a checkout that exists wrote nothing and swept nothing');
    await cache.checkout(remote.dir, await remote.commit());
    await cache.sweepIdle();
    assert.equal(existsSync(oldDir), false, 'a new checkout sweeps');
  });
});

describe('chooseRemovals', () => {
  const policy: SweepPolicy = { maxAgeMs: 1000, maxCommits: 2, maxFolders: 1, graceMs: 10, staleTempMs: 0 };
  const entry = (kind: 'commit' | 'folder', id: string, lastUsed: number): CheckoutEntry => ({
    kind,
    path: `/c/${kind}/${id}`,
    repoKey: 'k',
    id,
    lastUsed,
  });
  const now = 10_000;

  test('oldest first past the count; anything past the age; never a kept one or one in its grace', () => {
    const entries = [
      entry('commit', 'a', now - 500),
      entry('commit', 'b', now - 400),
      entry('commit', 'c', now - 300),
      entry('commit', 'd', now - 5),
      entry('commit', 'kept', now - 5000),
      entry('folder', 'f1', now - 50),
      entry('folder', 'f2', now - 40),
    ];
    const removed = chooseRemovals(entries, policy, now, (e) => e.id === 'kept').map((e) => e.id);
    // Five commits against a limit of two: a, b, c go (d is in its grace, kept is kept).
    assert.deepEqual(removed, ['a', 'b', 'c', 'f1']);
  });

  test('within the limits only what is past the age goes', () => {
    const entries = [entry('commit', 'old', now - 2000), entry('commit', 'new', now - 100)];
    assert.deepEqual(
      chooseRemovals(entries, policy, now, () => false).map((e) => e.id),
      ['old'],
    );
  });
});
