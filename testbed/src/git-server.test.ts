import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { runGit } from './git-repo.ts';
import { type GitServer, startGitServer } from './git-server.ts';
import { sharedExample } from './shared-examples.ts';

const guestbook = sharedExample('guestbook');
const auth = { username: 'tester', password: 's3cret:with/odd@chars' };
const scratch = await mkdtemp(join(tmpdir(), 'tiphys-git-test-'));
after(() => rm(scratch, { recursive: true, force: true }));

let cloneCount = 0;
/** Clones over HTTP with the system git into a new folder and returns it. */
async function clone(url: string): Promise<string> {
  const dir = join(scratch, `clone-${++cloneCount}`);
  await runGit(['clone', '--quiet', url, dir]);
  return dir;
}

async function lsRemote(url: string): Promise<Map<string, string>> {
  const lines = (await runGit(['ls-remote', url])).split('\n');
  return new Map(lines.map((line) => line.split('\t').reverse() as [string, string]));
}

describe('git server without auth', () => {
  let server: GitServer;
  let initial: string;
  before(async () => {
    server = await startGitServer();
    const created = await server.createRepo('guestbook', guestbook);
    assert.ok(created.commit);
    initial = created.commit;
  });
  after(() => server.close());

  test('serves a repository created from a folder', async () => {
    assert.match(initial, /^[0-9a-f]{40}$/);
    assert.equal(server.repoUrl('guestbook'), `${server.url}/guestbook.git`);
    const dir = await clone(server.repoUrl('guestbook'));
    const expected = (await readdir(guestbook)).sort();
    assert.deepEqual((await readdir(dir)).filter((name) => name !== '.git').sort(), expected);
    for (const name of expected) {
      assert.equal(await readFile(join(dir, name), 'utf8'), await readFile(join(guestbook, name), 'utf8'));
    }
    assert.equal(await runGit(['rev-parse', 'HEAD'], { cwd: dir }), initial);
    assert.equal(await runGit(['branch', '--show-current'], { cwd: dir }), 'main');
    assert.equal(await server.headCommit('guestbook', 'main'), initial);
  });

  test('commitFiles adds and deletes files on a branch', async () => {
    const sha = await server.commitFiles(
      'guestbook',
      { 'extra/notes.txt': 'hello\n', 'guestbook-ui-svc.yaml': null },
      'Add notes, drop the service',
    );
    assert.match(sha, /^[0-9a-f]{40}$/);
    assert.notEqual(sha, initial);
    const dir = await clone(server.repoUrl('guestbook'));
    assert.equal(await readFile(join(dir, 'extra/notes.txt'), 'utf8'), 'hello\n');
    assert.equal(existsSync(join(dir, 'guestbook-ui-svc.yaml')), false);
    assert.equal(existsSync(join(dir, 'guestbook-ui-deployment.yaml')), true);
    assert.equal(await runGit(['rev-parse', 'HEAD^'], { cwd: dir }), initial);
    assert.equal(await runGit(['log', '-1', '--format=%s'], { cwd: dir }), 'Add notes, drop the service');
    const refs = await lsRemote(server.repoUrl('guestbook'));
    assert.equal(refs.get('refs/heads/main'), sha);
    assert.equal(await server.headCommit('guestbook'), sha);
  });

  test('creates branches and tags, and commits to a branch without moving main', async () => {
    const main = await server.headCommit('guestbook');
    assert.equal(await server.createBranch('guestbook', 'release/v1', 'main'), main);
    const onBranch = await server.commitFiles('guestbook', { 'release.txt': 'v1\n' }, 'Release', {
      branch: 'release/v1',
    });
    assert.equal(await server.tag('guestbook', 'v1.0.0', 'release/v1'), onBranch);
    assert.equal(await server.tag('guestbook', 'v1.0.0-annotated', onBranch, { message: 'first' }), onBranch);
    const refs = await lsRemote(server.repoUrl('guestbook'));
    assert.equal(refs.get('refs/heads/main'), main);
    assert.equal(refs.get('refs/heads/release/v1'), onBranch);
    assert.equal(refs.get('refs/tags/v1.0.0'), onBranch);
    assert.equal(refs.get('refs/tags/v1.0.0-annotated^{}'), onBranch);
    assert.equal(await server.headCommit('guestbook', 'release/v1'), onBranch);
  });

  test('answers a gzip-compressed protocol v2 request', async () => {
    // pkt-lines: "command=ls-refs\n", a delimiter, then a flush; long enough to matter once gzipped.
    const body = gzipSync(Buffer.from('0014command=ls-refs\n00010000'));
    const response = await fetch(`${server.repoUrl('guestbook')}/git-upload-pack`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-git-upload-pack-request',
        'Content-Encoding': 'gzip',
        'Git-Protocol': 'version=2',
      },
      body,
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/x-git-upload-pack-result');
    const text = await response.text();
    assert.ok(text.includes(`${await server.headCommit('guestbook')} refs/heads/main\n`), text);
  });

  test('passes the CGI status through', async () => {
    const response = await fetch(`${server.url}/missing.git/info/refs?service=git-upload-pack`);
    assert.equal(response.status, 404);
    await response.arrayBuffer();
  });

  test('rejects invalid names with a clear error', async () => {
    await assert.rejects(server.createRepo('-upload-pack=evil'), /invalid repository name/);
    await assert.rejects(server.createRepo('a/../b'), /invalid repository name/);
    await assert.rejects(server.createRepo('guestbook'), /already exists/);
    await assert.rejects(server.createBranch('guestbook', 'x', '--all'), /invalid revision "--all"/);
    await assert.rejects(server.tag('guestbook', 'a..b', 'main'), /invalid tag "a..b"/);
    await assert.rejects(server.commitFiles('nope', {}, 'm'), /no repository named "nope"/);
    await assert.rejects(server.commitFiles('guestbook', { '../escape': 'x' }, 'm'), /must stay inside/);
    await assert.rejects(server.headCommit('guestbook', 'no-such-branch'), /has no branch/);
  });
});

describe('git server with basic auth', () => {
  let server: GitServer;
  let initial: string;
  before(async () => {
    server = await startGitServer({ auth });
    initial = (await server.createRepo('team/guestbook', guestbook)).commit ?? '';
  });
  after(() => server.close());

  test('clones with the right credentials', async () => {
    const dir = await clone(server.authedRepoUrl('team/guestbook'));
    assert.equal(await runGit(['rev-parse', 'HEAD'], { cwd: dir }), initial);
    assert.ok((await readdir(dir)).includes('guestbook-ui-deployment.yaml'));
  });

  test('refuses clones without or with wrong credentials', async () => {
    await assert.rejects(
      clone(server.repoUrl('team/guestbook')),
      /could not read Username|Authentication failed/,
    );
    const wrong = server.repoUrl('team/guestbook').replace('http://', 'http://tester:wrong@');
    await assert.rejects(clone(wrong), /Authentication failed/);
    const response = await fetch(`${server.repoUrl('team/guestbook')}/info/refs?service=git-upload-pack`);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Basic realm="tiphys-testbed"');
    await response.arrayBuffer();
  });

  test('accepts a push with credentials and refuses one without', async () => {
    const dir = await clone(server.authedRepoUrl('team/guestbook'));
    await writeFile(join(dir, 'pushed.txt'), 'pushed over http\n');
    await runGit(['add', 'pushed.txt'], { cwd: dir });
    await runGit(
      ['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', 'commit', '--quiet', '-m', 'Push'],
      {
        cwd: dir,
      },
    );
    const local = await runGit(['rev-parse', 'HEAD'], { cwd: dir });
    await assert.rejects(
      runGit(['push', '--quiet', server.repoUrl('team/guestbook'), 'main'], { cwd: dir }),
      /could not read Username|Authentication failed/,
    );
    assert.equal(await server.headCommit('team/guestbook'), initial);
    await runGit(['push', '--quiet', 'origin', 'main'], { cwd: dir });
    assert.equal(await server.headCommit('team/guestbook'), local);
    const refs = await lsRemote(server.authedRepoUrl('team/guestbook'));
    assert.equal(refs.get('refs/heads/main'), local);
  });

  test("streams a push larger than git's post buffer (chunked request body)", async () => {
    const dir = await clone(server.authedRepoUrl('team/guestbook'));
    // Random bytes do not compress, so the pack stays above git's 1 MiB http.postBuffer.
    const big = randomBytes(3 * 1024 * 1024);
    await writeFile(join(dir, 'big.bin'), big);
    await runGit(['add', 'big.bin'], { cwd: dir });
    await runGit(
      ['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', 'commit', '--quiet', '-m', 'Big'],
      {
        cwd: dir,
      },
    );
    await runGit(['push', '--quiet', 'origin', 'main'], { cwd: dir });
    const fresh = await clone(server.authedRepoUrl('team/guestbook'));
    assert.ok(big.equals(await readFile(join(fresh, 'big.bin'))));
  });

  test('never puts the password in error messages', async () => {
    await assert.rejects(clone(`${server.authedRepoUrl('team/missing')}`), (error: Error) => {
      assert.ok(!error.message.includes(encodeURIComponent(auth.password)), error.message);
      return true;
    });
  });
});

test('close is idempotent and removes the root', async () => {
  const server = await startGitServer();
  await server.createRepo('empty');
  assert.equal(existsSync(join(server.root, 'empty.git')), true);
  await Promise.all([server.close(), server.close()]);
  await server.close();
  assert.equal(existsSync(server.root), false);
  await assert.rejects(fetch(`${server.url}/empty.git/info/refs`));
});
