import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type GitServer, startGitServer } from '../../../testbed/src/git-server.ts';
import { BranchMoveError, BranchPromoter } from './branch-promotion.ts';

const run = promisify(execFile);
const scratch = await mkdtemp(join(tmpdir(), 'tiphys-branch-promotion-test-'));
after(() => rm(scratch, { recursive: true, force: true }));
const author = { name: 'Tiphys Bot', email: 'bot@tiphys.dev' };

async function gitIn(server: GitServer, repo: string, ...args: string[]): Promise<string> {
  return (await run('git', args, { cwd: join(server.root, `${repo}.git`) })).stdout.trim();
}

describe('BranchPromoter against the testbed Git server', () => {
  let server: GitServer;
  let promoter: BranchPromoter;
  before(async () => {
    server = await startGitServer({ auth: { username: 'writer', password: 's3cret-pw' } });
    promoter = new BranchPromoter({ workDir: join(scratch, 'work') });
  });
  after(() => server.close());

  test('fast-forwards, then makes no commit when the branch already has the tree', async () => {
    await server.createRepo('ff');
    const base = await server.commitFiles('ff', { 'app.yaml': 'v: 1\n' }, 'v1');
    await server.createBranch('ff', 'env/prod', 'main');
    const verified = await server.commitFiles('ff', { 'app.yaml': 'v: 2\n' }, 'v2');
    const request = {
      repoURL: server.authedRepoUrl('ff'),
      branch: 'env/prod',
      commit: verified,
      author,
      message: 'promote',
    };
    const moved = await promoter.move(request, 'fastForward');
    assert.deepEqual(moved, { outcome: 'committed', commit: verified, how: 'fast-forward' });
    assert.equal(await server.headCommit('ff', 'env/prod'), verified);
    assert.equal((await promoter.move(request, 'fastForward')).outcome, 'unchanged');
    assert.equal(
      await promoter.treeOf(request.repoURL, verified),
      await gitIn(server, 'ff', 'rev-parse', `${verified}^{tree}`),
    );
    assert.notEqual(
      await promoter.treeOf(request.repoURL, base),
      await promoter.treeOf(request.repoURL, verified),
    );
  });

  test('a diverged branch is refused with fastForward (nothing pushed) and merged with merge', async () => {
    await server.createRepo('div');
    await server.commitFiles('div', { 'app.yaml': 'v: 1\n' }, 'v1');
    await server.createBranch('div', 'env/prod', 'main');
    const prodOnly = await server.commitFiles('div', { 'prod.yaml': 'replicas: 3\n' }, 'prod tuning', {
      branch: 'env/prod',
    });
    const verified = await server.commitFiles('div', { 'app.yaml': 'v: 2\n' }, 'v2');
    const request = {
      repoURL: server.authedRepoUrl('div'),
      branch: 'env/prod',
      commit: verified,
      author,
      message: 'promote v2',
    };
    await assert.rejects(promoter.move(request, 'fastForward'), BranchMoveError);
    assert.equal(await server.headCommit('div', 'env/prod'), prodOnly);
    const merged = await promoter.move(request, 'merge');
    assert.equal(merged.how, 'merge');
    assert.equal(await gitIn(server, 'div', 'show', 'env/prod:app.yaml'), 'v: 2');
    assert.equal(await gitIn(server, 'div', 'show', 'env/prod:prod.yaml'), 'replicas: 3');
    assert.equal(
      await gitIn(server, 'div', 'log', '-1', '--format=%an|%s', 'env/prod'),
      'Tiphys Bot|promote v2',
    );
  });

  test('restore puts an earlier tree back as a new commit on top', async () => {
    await server.createRepo('rb');
    const v1 = await server.commitFiles('rb', { 'app.yaml': 'v: 1\n' }, 'v1');
    const v2 = await server.commitFiles('rb', { 'app.yaml': 'v: 2\n' }, 'v2');
    const request = {
      repoURL: server.authedRepoUrl('rb'),
      branch: 'main',
      commit: v1,
      author,
      message: 'roll back to v1',
    };
    const restored = await promoter.restore(request);
    assert.equal(restored.how, 'restore');
    assert.equal(await gitIn(server, 'rb', 'rev-parse', 'main^'), v2);
    assert.equal(await gitIn(server, 'rb', 'show', 'main:app.yaml'), 'v: 1');
    assert.equal((await promoter.restore(request)).outcome, 'unchanged');
  });
});
