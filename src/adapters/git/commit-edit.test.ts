import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type GitServer, startGitServer } from '../../../testbed/src/git-server.ts';
import { GitWriter, PushRejectedError } from './commit-edit.ts';
import { GitCommandError, InvalidGitArgumentError } from './errors.ts';

const run = promisify(execFile);
const scratch = await mkdtemp(join(tmpdir(), 'tiphys-commit-edit-test-'));
after(() => rm(scratch, { recursive: true, force: true }));
const author = { name: 'Tiphys Bot', email: 'bot@tiphys.dev' };

async function log(server: GitServer, repo: string, branch = 'main'): Promise<string[]> {
  const { stdout } = await run('git', ['log', '--format=%an <%ae>|%s', branch], {
    cwd: join(server.root, `${repo}.git`),
  });
  return stdout.trim().split('\n');
}

async function show(server: GitServer, repo: string, path: string, branch = 'main'): Promise<string> {
  const { stdout } = await run('git', ['show', `${branch}:${path}`], {
    cwd: join(server.root, `${repo}.git`),
  });
  return stdout;
}

describe('GitWriter.commitEdit against the testbed Git server', () => {
  let server: GitServer;
  let writer: GitWriter;
  before(async () => {
    server = await startGitServer({ auth: { username: 'writer', password: 's3cret-pw' } });
    writer = new GitWriter({ workDir: join(scratch, 'work') });
  });
  after(() => server.close());

  test('commits the edit with the author and message, then makes no empty commit', async () => {
    await server.createRepo('a');
    await server.commitFiles('a', { 'app/values.yaml': '# keep me\ntag: 1.0.0\n' }, 'initial');
    const edit = { 'app/values.yaml': '# keep me\ntag: 1.0.1\n' };
    const first = await writer.commitEdit({
      repoURL: server.authedRepoUrl('a'),
      branch: 'main',
      author,
      message: 'image: hello 1.0.1',
      edit: async (tree) => {
        assert.equal(await tree.read('app/values.yaml'), '# keep me\ntag: 1.0.0\n');
        assert.equal(await tree.read('app/missing.yaml'), undefined);
        return edit;
      },
    });
    assert.equal(first.outcome, 'committed');
    assert.deepEqual(first.changed, ['app/values.yaml']);
    assert.match(first.diff, /-tag: 1\.0\.0\n\+tag: 1\.0\.1/);
    assert.equal(first.commit, await server.headCommit('a'));
    assert.equal(await show(server, 'a', 'app/values.yaml'), edit['app/values.yaml']);
    assert.equal((await log(server, 'a'))[0], 'Tiphys Bot <bot@tiphys.dev>|image: hello 1.0.1');

    const again = await writer.commitEdit({
      repoURL: server.authedRepoUrl('a'),
      branch: 'main',
      author,
      message: 'image: hello 1.0.1',
      edit: () => edit,
    });
    assert.equal(again.outcome, 'unchanged');
    assert.equal(again.commit, undefined);
    assert.equal(await server.headCommit('a'), first.commit);
  });

  test('dry run returns the diff and pushes nothing', async () => {
    await server.createRepo('dry');
    const head = await server.commitFiles('dry', { 'k.yaml': 'a: 1\n' }, 'initial');
    const result = await writer.commitEdit({
      repoURL: server.authedRepoUrl('dry'),
      branch: 'main',
      author,
      message: 'x',
      dryRun: true,
      edit: () => ({ 'k.yaml': 'a: 2\n', 'new/file.yaml': 'b: 1\n' }),
    });
    assert.equal(result.outcome, 'dry-run');
    assert.match(result.diff, /\+a: 2/);
    assert.match(result.diff, /new\/file\.yaml/);
    assert.equal(await server.headCommit('dry'), head);
  });

  test('a push beaten by another commit is retried on the new tip, once, with the edit recomputed', async () => {
    await server.createRepo('race');
    await server.commitFiles('race', { 'v.yaml': 'tag: 1\n', 'other.yaml': 'x: 0\n' }, 'initial');
    let calls = 0;
    const result = await writer.commitEdit({
      repoURL: server.authedRepoUrl('race'),
      branch: 'main',
      author,
      message: 'bump',
      edit: async (tree) => {
        calls++;
        // Another writer lands a commit between our fetch and our push, the first time only.
        if (calls === 1) await server.commitFiles('race', { 'other.yaml': 'x: 1\n' }, 'concurrent');
        const current = await tree.read('other.yaml');
        return { 'v.yaml': `tag: 2\n# saw ${current?.trim()}\n` };
      },
    });
    assert.equal(result.outcome, 'committed');
    assert.equal(calls, 2);
    assert.equal(result.attempts, 2);
    assert.deepEqual(
      (await log(server, 'race')).map((line) => line.split('|')[1]),
      ['bump', 'concurrent', 'initial'],
    );
    assert.equal(await show(server, 'race', 'v.yaml'), 'tag: 2\n# saw x: 1\n');
  });

  test('gives up after maxAttempts when every push is beaten, leaving none of its commits', async () => {
    await server.createRepo('busy');
    await server.commitFiles('busy', { 'v.yaml': 'tag: 1\n' }, 'initial');
    let n = 0;
    await assert.rejects(
      writer.commitEdit({
        repoURL: server.authedRepoUrl('busy'),
        branch: 'main',
        author,
        message: 'bump',
        maxAttempts: 2,
        edit: async () => {
          await server.commitFiles('busy', { [`o${++n}.yaml`]: 'x: 1\n' }, `other ${n}`);
          return { 'v.yaml': 'tag: 2\n' };
        },
      }),
      (error: unknown) => error instanceof PushRejectedError && /rejected 2 times/.test(error.message),
    );
    assert.ok(!(await log(server, 'busy')).some((line) => line.endsWith('|bump')));
  });

  test('refuses paths leaving the repository, into .git, or through a symbolic link', async () => {
    await server.createRepo('links');
    await server.commitFiles('links', { 'real.yaml': 'a: 1\n' }, 'initial');
    const { root } = server;
    // A symlink committed to the repository, pointing at a file of this machine.
    const work = await mkdtemp(join(scratch, 'link-'));
    await run('git', ['clone', '--quiet', join(root, 'links.git'), work]);
    await run('ln', ['-s', '/etc/hostname', join(work, 'evil.yaml')]);
    await run('git', ['add', 'evil.yaml'], { cwd: work });
    await run('git', ['-c', 'user.name=x', '-c', 'user.email=x@x', 'commit', '--quiet', '-m', 'link'], {
      cwd: work,
    });
    await run('git', ['push', '--quiet', 'origin', 'HEAD:main'], { cwd: work });
    const head = await server.headCommit('links');
    for (const [path, pattern] of [
      ['../outside.yaml', /goes up/],
      ['/etc/passwd', /absolute/],
      ['.git/config', /inside \.git/],
      ['evil.yaml', /symbolic link/],
    ] as const) {
      await assert.rejects(
        writer.commitEdit({
          repoURL: server.authedRepoUrl('links'),
          branch: 'main',
          author,
          message: 'x',
          edit: () => ({ [path]: 'pwned: true\n' }),
        }),
        (error: unknown) => error instanceof InvalidGitArgumentError && pattern.test(error.message),
        path,
      );
      await assert.rejects(
        writer.commitEdit({
          repoURL: server.authedRepoUrl('links'),
          branch: 'main',
          author,
          message: 'x',
          edit: async (tree) => ({ 'real.yaml': (await tree.read(path)) ?? '' }),
        }),
        (error: unknown) => error instanceof InvalidGitArgumentError,
      );
    }
    assert.equal(await server.headCommit('links'), head);
  });

  test('a missing branch, a bad author and wrong credentials fail with a clear message and no secret', async () => {
    await server.createRepo('creds');
    await server.commitFiles('creds', { 'v.yaml': 'a: 1\n' }, 'initial');
    const base = { author, message: 'x', edit: () => ({ 'v.yaml': 'a: 2\n' }) };
    await assert.rejects(
      writer.commitEdit({ ...base, repoURL: server.authedRepoUrl('creds'), branch: 'nope' }),
      /branch "nope" does not exist/,
    );
    await assert.rejects(
      writer.commitEdit({ ...base, repoURL: server.authedRepoUrl('creds'), branch: '--force' }),
      InvalidGitArgumentError,
    );
    await assert.rejects(
      writer.commitEdit({
        ...base,
        repoURL: server.authedRepoUrl('creds'),
        branch: 'main',
        author: { name: 'x>\nInjected: y', email: 'a@b' },
      }),
      InvalidGitArgumentError,
    );
    await assert.rejects(
      writer.commitEdit({
        ...base,
        repoURL: server.repoUrl('creds'),
        credentials: { username: 'writer', password: 'wrong-password-xyz' },
        branch: 'main',
      }),
      (error: unknown) =>
        error instanceof GitCommandError &&
        /authentication refused/.test(error.message) &&
        !error.message.includes('wrong-password-xyz'),
    );
  });
});
