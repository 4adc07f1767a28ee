import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type GitServer, startGitServer } from '../../../testbed/src/git-server.ts';
import { sharedExample } from '../../../testbed/src/shared-examples.ts';
import {
  GitCommandError,
  GitTimeoutError,
  InvalidGitArgumentError,
  RevisionNotFoundError,
} from './errors.ts';
import { GitRepoCache } from './repo-cache.ts';

const guestbook = sharedExample('guestbook');
const scratch = await mkdtemp(join(tmpdir(), 'tiphys-git-cache-test-'));
after(() => rm(scratch, { recursive: true, force: true }));

let caches = 0;
function newCache(options: { timeoutMs?: number; allowLocalRepos?: boolean } = {}): GitRepoCache {
  return new GitRepoCache({ cacheDir: join(scratch, `cache-${++caches}`), ...options });
}

/** Relative path → content of every file under a folder (symlinks as `-> target`). */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of (await readdir(dir, { recursive: true, withFileTypes: true })).sort()) {
    const path = join(entry.parentPath, entry.name);
    const relative = path.slice(dir.length + 1);
    if (entry.isSymbolicLink()) files.set(relative, `-> ${await readlink(path)}`);
    else if (entry.isFile()) files.set(relative, await readFile(path, 'utf8'));
  }
  return files;
}

describe('GitRepoCache against the testbed Git server', () => {
  let server: GitServer;
  let url: string;
  let initial: string;
  before(async () => {
    server = await startGitServer();
    const created = await server.createRepo('guestbook', guestbook);
    assert.ok(created.commit);
    url = created.url;
    initial = created.commit;
  });
  after(() => server.close());

  test('resolves HEAD, branches, tags and commit ids', async () => {
    const cache = newCache();
    const branchCommit = await server.commitFiles('guestbook', { 'extra.yaml': 'a: 1\n' }, 'on dev', {
      branch: 'dev',
    });
    await server.tag('guestbook', 'v1', 'main');
    await server.tag('guestbook', 'v1-annotated', 'main', { message: 'release 1' });

    assert.equal(await cache.resolveRevision(url, ''), initial);
    assert.equal(await cache.resolveRevision(url, 'HEAD'), initial);
    assert.equal(await cache.resolveRevision(url, 'main'), initial);
    assert.equal(await cache.resolveRevision(url, 'refs/heads/main'), initial);
    assert.equal(await cache.resolveRevision(url, 'dev'), branchCommit);
    assert.equal(await cache.resolveRevision(url, 'v1'), initial);
    // Peeled: the commit, not the tag object.
    assert.equal(await cache.resolveRevision(url, 'v1-annotated'), initial);
    assert.equal(await cache.resolveRevision(url, 'refs/tags/v1-annotated'), initial);
    assert.equal(await cache.resolveRevision(url, initial), initial);
    assert.equal(await cache.resolveRevision(url, initial.toUpperCase()), initial);
    assert.equal(await cache.resolveRevision(url, branchCommit.slice(0, 10)), branchCommit);

    const refs = await cache.lsRemote(url);
    assert.equal(refs.get('HEAD'), initial);
    assert.equal(refs.get('refs/heads/dev'), branchCommit);
    assert.equal(refs.get('refs/tags/v1-annotated^{}'), initial);
    assert.notEqual(refs.get('refs/tags/v1-annotated'), initial);
    assert.ok(cache.stats.lsRemotes > 0 && cache.stats.fetches > 0);
  });

  test('checks out the exact files of a commit, old commits included', async () => {
    const cache = newCache();
    await server.createRepo('moving', guestbook);
    const movingURL = server.repoUrl('moving');
    const first = await cache.resolveRevision(movingURL, 'main');
    const firstDir = await cache.checkout(movingURL, first);
    assert.deepEqual(await snapshot(firstDir), await snapshot(guestbook));

    const second = await server.commitFiles(
      'moving',
      { 'guestbook-ui-svc.yaml': null, 'overlay/extra.yaml': 'kind: ConfigMap\n' },
      'second',
    );
    assert.equal(await cache.resolveRevision(movingURL, 'main'), second);
    const secondDir = await cache.checkout(movingURL, second);
    const expected = await snapshot(guestbook);
    expected.delete('guestbook-ui-svc.yaml');
    expected.set('overlay/extra.yaml', 'kind: ConfigMap\n');
    assert.deepEqual(await snapshot(secondDir), expected);

    // The old commit is untouched and checks out again from a fresh cache too.
    assert.deepEqual(await snapshot(firstDir), await snapshot(guestbook));
    const fresh = newCache();
    assert.deepEqual(await snapshot(await fresh.checkout(movingURL, first)), await snapshot(guestbook));

    const checkouts = cache.stats.checkouts;
    assert.equal(await cache.checkout(movingURL, second), secondDir);
    assert.equal(cache.stats.checkouts, checkouts, 'a second checkout reuses the folder');
  });

  test('an unknown branch is a terminal RevisionNotFoundError naming repo and revision', async () => {
    const cache = newCache();
    const error = await cache.resolveRevision(url, 'no-such-branch').catch((e: unknown) => e);
    assert.ok(error instanceof RevisionNotFoundError, String(error));
    assert.equal(error.terminal, true);
    assert.match(error.message, /no-such-branch/);
    assert.ok(error.message.includes(url));
    const missing = 'f'.repeat(40);
    await assert.rejects(cache.checkout(url, missing), RevisionNotFoundError);
  });

  test('refuses arguments Git could read as options, before running it', async () => {
    const cache = newCache();
    for (const attempt of [
      () => cache.resolveRevision(url, '-x'),
      () => cache.resolveRevision(url, '--upload-pack=touch /tmp/pwned'),
      () => cache.resolveRevision('-u', 'main'),
      () => cache.lsRemote('--upload-pack=sh'),
      () => cache.lsRemote('ext::sh -c touch% /tmp/pwned'),
      () => cache.checkout(url, 'main'),
      () => cache.checkoutFolder(url, '../outside', 'a'.repeat(40)),
      () => cache.checkoutFolder(url, 'guestbook', '--prefix=/tmp/x'),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      assert.ok(error instanceof InvalidGitArgumentError, String(error));
      assert.equal(error.terminal, true);
    }
    assert.deepEqual(cache.stats, {
      fetches: 0,
      lsRemotes: 0,
      checkouts: 0,
      folderCheckouts: 0,
      checkoutsRemoved: 0,
    });
  });

  test('concurrent resolves and checkouts of one repository', async () => {
    const cache = newCache();
    await server.createRepo('busy', guestbook);
    const busyURL = server.repoUrl('busy');
    const head = await server.headCommit('busy');
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        i % 2 === 0 ? cache.resolveRevision(busyURL, 'main') : cache.checkout(busyURL, head),
      ),
    );
    for (const [i, result] of results.entries()) {
      if (i % 2 === 0) assert.equal(result, head);
      else assert.equal(result, results[1]);
    }
    assert.equal(cache.stats.checkouts, 1);
    assert.deepEqual(await snapshot(results[1]), await snapshot(guestbook));
  });

  test('a git call past its timeout is killed with a clear error', async () => {
    const cache = newCache({ timeoutMs: 1 });
    const error = await cache.lsRemote(url).catch((e: unknown) => e);
    assert.ok(error instanceof GitTimeoutError, String(error));
    assert.equal(error.terminal, false);
    assert.match(error.message, /timed out/);
  });
});

describe('GitRepoCache with credentials', () => {
  const auth = { username: 'deployer', password: 'pa55:w/rd@secret' };
  let server: GitServer;
  let url: string;
  let commit: string;
  before(async () => {
    server = await startGitServer({ auth });
    const created = await server.createRepo('private', guestbook);
    assert.ok(created.commit);
    url = created.url;
    commit = created.commit;
  });
  after(() => server.close());

  test('works with credentials, which stay out of the mirror config', async () => {
    const cache = newCache();
    assert.equal(await cache.resolveRevision(url, 'main', auth), commit);
    const dir = await cache.checkout(url, commit, auth);
    assert.deepEqual(await snapshot(dir), await snapshot(guestbook));
    const config = await readFile(join(cache.mirrorPath(url), 'config'), 'utf8');
    assert.ok(!config.includes(auth.password));
    assert.ok(!config.includes(encodeURIComponent(auth.password)));
    assert.ok(config.includes(url));
    const askpass = await stat(join(cache.cacheDir, 'askpass.sh'));
    assert.equal(askpass.mode & 0o777, 0o700);
  });

  test('credentials embedded in the URL are moved out of it', async () => {
    const cache = newCache();
    const authed = server.authedRepoUrl('private');
    assert.equal(await cache.resolveRevision(authed, 'main'), commit);
    await cache.checkout(authed, commit);
    assert.equal(cache.mirrorPath(authed), cache.mirrorPath(url));
    const config = await readFile(join(cache.mirrorPath(url), 'config'), 'utf8');
    assert.ok(!config.includes(auth.password) && !config.includes(encodeURIComponent(auth.password)));
  });

  test('fails without credentials, promptly and with a clear, non-terminal error', async () => {
    const cache = newCache({ timeoutMs: 30_000 });
    const error = await cache.lsRemote(url).catch((e: unknown) => e);
    assert.ok(error instanceof GitCommandError, String(error));
    assert.equal(error.terminal, false);
    assert.match(error.message, /credentials/);
  });

  test('a wrong password never shows in the error', async () => {
    const cache = newCache();
    const wrong = { username: auth.username, password: 'wrong-Pa55word' };
    for (const target of [url, url.replace('http://', `http://${auth.username}:${wrong.password}@`)]) {
      const error = await cache
        .resolveRevision(target, 'main', target === url ? wrong : undefined)
        .catch((e: unknown) => e);
      assert.ok(error instanceof GitCommandError, String(error));
      assert.match(error.message, /authentication|credentials/i);
      const shown = `${error.message}\n${error.stderr}\n${error.stack}`;
      assert.ok(!shown.includes(wrong.password), shown);
      assert.ok(!shown.includes(auth.password), shown);
    }
  });
});

describe('GitRepoCache with local repositories (only when the operator allows them)', () => {
  test('refuses file:// URLs and paths by default; with allowLocalRepos reads them, keeping symlinks', async () => {
    const git = promisify(execFile);
    const source = join(scratch, 'local-source');
    const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
    await git('git', ['init', '--quiet', '--initial-branch=main', source], { env });
    await writeFile(join(source, 'app.yaml'), 'kind: ConfigMap\n');
    await symlink('/etc/passwd', join(source, 'outside'));
    await git('git', ['add', '.'], { cwd: source, env });
    const identity = ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', '-c', 'commit.gpgsign=false'];
    await git('git', [...identity, 'commit', '--quiet', '-m', 'one'], { cwd: source, env });

    const refused = newCache();
    for (const local of [`file://${source}`, source]) {
      await assert.rejects(refused.resolveRevision(local, 'main'), (error: unknown) => {
        assert.ok(error instanceof InvalidGitArgumentError, String(error));
        assert.match(error.message, /is a local path.*--allow-local-repos/);
        return true;
      });
    }
    const cache = newCache({ allowLocalRepos: true });
    const sha = await cache.resolveRevision(`file://${source}`, 'main');
    assert.equal(await cache.resolveRevision(source, 'HEAD'), sha);
    const dir = await cache.checkout(source, sha);
    assert.equal(await readlink(join(dir, 'outside')), '/etc/passwd');
    assert.equal(await readFile(join(dir, 'app.yaml'), 'utf8'), 'kind: ConfigMap\n');
    assert.deepEqual([...(await snapshot(dir)).keys()].sort(), ['app.yaml', 'outside']);
  });
});
