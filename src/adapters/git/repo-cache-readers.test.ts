// Listings and folder lookups run beside a repository's fetches and checkouts (repo-readers.ts,
// RepoReaders.lock). These tests show that they do not wait for a fetch, and that what they read is
// right while fetches add packs and an automatic gc repacks them away under them: Git writes
// objects and packs to temporary files renamed into place and deletes an old pack only once its
// objects are in a new one, and a reader that misses an object rescans the packs before failing.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { GitRepoCache } from './repo-cache.ts';
import { commitAll, git } from './testkit.ts';

const scratch = await mkdtemp(join(tmpdir(), 'tiphys-git-readers-test-'));
after(() => rm(scratch, { recursive: true, force: true }));

/** A local repository with folders web/ and api/; each `commit` changes web/ and returns its id. */
async function makeRemote(name: string) {
  const dir = join(scratch, name);
  await mkdir(join(dir, 'web'), { recursive: true });
  await mkdir(join(dir, 'api'), { recursive: true });
  await git(dir, 'init', '--quiet', '--initial-branch=main');
  await writeFile(join(dir, 'api', 'cm.yaml'), 'kind: ConfigMap\nmetadata: {name: api}\n');
  let n = 0;
  const commit = async () => {
    n++;
    // Several files a commit, so each fetch brings enough objects to be worth a pack.
    for (let file = 0; file < 5; file++)
      await writeFile(
        join(dir, 'web', `cm-${file}.yaml`),
        `kind: ConfigMap\nmetadata: {name: w${n}-${file}}\n`,
      );
    return commitAll(dir, `commit ${n}`);
  };
  const treeOf = (sha: string, path: string) => git(dir, 'rev-parse', `${sha}:${path}`);
  return { dir, commit, treeOf };
}

/** Resolves once `check` holds, looking again on each turn of the event loop. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await nextTurn();
}

describe('GitRepoCache readers beside fetches (local repositories)', () => {
  test('a folder lookup and a listing finish while a fetch of the same repository is in progress', {
    timeout: 120_000,
  }, async () => {
    const remote = await makeRemote('held');
    const first = await remote.commit();
    const cacheDir = join(scratch, 'cache-held');
    const cache = new GitRepoCache({ cacheDir, allowLocalRepos: true });
    assert.equal(await cache.resolveRevision(remote.dir, 'main'), first);
    await cache.checkout(remote.dir, first);
    const second = await remote.commit();

    // The next upload-pack the mirror starts (the fetch) waits for a gate file; later ones do not.
    const gate = join(scratch, 'gate');
    await mkdir(gate);
    const script = join(scratch, 'upload-pack-held.sh');
    await writeFile(
      script,
      [
        '#!/bin/sh',
        `if mkdir '${gate}/first' 2>/dev/null; then`,
        `  touch '${gate}/held'`,
        `  while [ ! -e '${gate}/open' ]; do sleep 0.05; done`,
        'fi',
        'exec git-upload-pack "$@"',
        '',
      ].join('\n'),
    );
    await chmod(script, 0o755);
    await git(cache.mirrorPath(remote.dir), 'config', 'remote.origin.uploadpack', script);

    let checkedOut = false;
    const checkout = cache.checkout(remote.dir, second).finally(() => {
      checkedOut = true;
    });
    await until(() => existsSync(join(gate, 'held')));

    // Both would wait behind the held fetch if they queued on the repository's one lock.
    const trees = await cache.treeIds(remote.dir, first, ['web', 'api']);
    assert.equal(trees.get('web'), await remote.treeOf(first, 'web'));
    assert.equal(trees.get('api'), await remote.treeOf(first, 'api'));
    assert.equal(await cache.resolveRevision(remote.dir, 'main'), second);
    assert.equal(checkedOut, false, 'the fetch is still held');

    await writeFile(join(gate, 'open'), '');
    const folder = await checkout;
    assert.match(await readFile(join(folder, 'web', 'cm-0.yaml'), 'utf8'), /name: w2-0/);
  });

  test('lookups read right while fetches add packs and gc repacks them away', {
    timeout: 300_000,
  }, async () => {
    const remote = await makeRemote('packed');
    const commits = [await remote.commit()];
    const cacheDir = join(scratch, 'cache-packed');
    const cache = new GitRepoCache({ cacheDir, allowLocalRepos: true });
    await cache.checkout(remote.dir, commits[0]);
    const mirror = cache.mirrorPath(remote.dir);
    // Every fetch keeps its objects as a pack, and two packs make the fetch's automatic gc
    // repack everything into one and delete the old packs: the most a reader can be moved under.
    await git(mirror, 'config', 'fetch.unpackLimit', '1');
    await git(mirror, 'config', 'gc.autoPackLimit', '1');
    const expected = new Map<string, string>();
    const remember = async (sha: string) => expected.set(sha, await remote.treeOf(sha, 'web'));
    await remember(commits[0]);

    let duringFetches = 0;
    for (let round = 1; round <= 12; round++) {
      const next = await remote.commit();
      await remember(next);
      let fetched = false;
      const checkout = cache.checkout(remote.dir, next).finally(() => {
        fetched = true;
      });
      const listing = cache.resolveRevision(remote.dir, 'main');
      // A fresh cache (nothing remembered) per lookup, over the same mirror: each is a `git` run.
      while (!fetched) {
        const sha = commits[duringFetches % commits.length];
        const reader = new GitRepoCache({ cacheDir, allowLocalRepos: true });
        const trees = await reader.treeIds(remote.dir, sha, ['web']);
        if (!fetched) duringFetches++;
        assert.equal(trees.get('web'), expected.get(sha), `tree of web/ at ${sha} in round ${round}`);
      }
      await checkout;
      assert.equal(await listing, next);
      commits.push(next);
    }
    assert.ok(duringFetches > 0, 'some lookups ran while a fetch was in progress');
    const packs = (await readdir(join(mirror, 'objects', 'pack'))).filter((name) => name.endsWith('.pack'));
    assert.equal(
      packs.length,
      1,
      `the automatic gc repacked the fetched packs into one: ${packs.join(', ')}`,
    );
    assert.equal(cache.stats.fetches, 13);
  });
});
