import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { batchCheckInput, parseBatchCheck, SharedRuns, TreeIdMemo, treePath } from './tree-ids.ts';

const commit = 'a'.repeat(40);
const tree = (c: string) => c.repeat(40);

describe('treePath', () => {
  test('names folders as Git does, the root as the empty path', () => {
    assert.equal(treePath('apps/web/'), 'apps/web');
    assert.equal(treePath('./apps//web'), 'apps/web');
    assert.equal(treePath('.'), '');
    assert.equal(treePath(''), '');
    assert.equal(treePath(undefined), '');
    assert.equal(treePath('apps/../web'), 'web');
  });

  test('a path leaving the root names no folder', () => {
    assert.equal(treePath('../other'), undefined);
    assert.equal(treePath('..'), undefined);
    assert.equal(treePath('/etc'), undefined);
  });
});

describe('parseBatchCheck', () => {
  test('gives tree ids of folders, nothing for missing paths or symlinks', () => {
    const paths = ['a', 'missing', 'link'];
    assert.equal(
      batchCheckInput(commit, paths),
      `${commit}\n${commit}:a\n${commit}:missing\n${commit}:link\n`,
    );
    const output = `${commit} commit\n${tree('b')} tree\n${commit}:missing missing\n${tree('c')} blob\n`;
    const { commitKnown, trees } = parseBatchCheck(output, paths);
    assert.equal(commitKnown, true);
    assert.deepEqual(
      [...trees],
      [
        ['a', tree('b')],
        ['missing', undefined],
        ['link', undefined],
      ],
    );
  });

  test('says when the commit itself is unknown', () => {
    const output = `${commit} missing\n${commit}:a missing\n`;
    assert.equal(parseBatchCheck(output, ['a']).commitKnown, false);
    assert.equal(parseBatchCheck('', ['a']).commitKnown, false);
  });
});

describe('SharedRuns', () => {
  test('callers that ask before the run starts share it and add their items; later ones get a new run', async () => {
    const runs = new SharedRuns<string[]>();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const started: string[][] = [];
    // Like a lock held by someone else: the first run starts only once the gate opens.
    const schedule = (task: () => Promise<string[]>) => gate.then(task);
    const task = async (items: string[]) => {
      started.push(items);
      return items;
    };
    const first = runs.run('repo', ['a'], schedule, task);
    const second = runs.run('repo', ['b'], schedule, task);
    const other = runs.run('other', ['c'], schedule, task);
    release();
    assert.deepEqual(await first, ['a', 'b']);
    assert.equal(await second, await first);
    assert.deepEqual(await other, ['c']);
    const third = runs.run('repo', ['d'], schedule, task);
    assert.deepEqual(await third, ['d']);
    assert.equal(started.length, 3);
  });

  test('a failed run fails every caller that joined it, and the next call runs again', async () => {
    const runs = new SharedRuns<number>();
    let calls = 0;
    const schedule = (task: () => Promise<number>) => Promise.resolve().then(task);
    const failing = async () => {
      calls++;
      throw new Error('remote down');
    };
    const a = runs.run('repo', [], schedule, failing);
    const b = runs.run('repo', [], schedule, failing);
    await assert.rejects(a, /remote down/);
    await assert.rejects(b, /remote down/);
    assert.equal(await runs.run('repo', [], schedule, async () => ++calls), 2);
  });
});

describe('TreeIdMemo', () => {
  test('tells unknown paths (null) from known missing ones (undefined), and forgets the oldest commit', () => {
    const memo = new TreeIdMemo(2);
    memo.add(
      'c1',
      new Map([
        ['a', tree('1')],
        ['gone', undefined],
      ]),
    );
    assert.equal(memo.get('c1', 'a'), tree('1'));
    assert.equal(memo.get('c1', 'gone'), undefined);
    assert.equal(memo.get('c1', 'b'), null);
    memo.add('c2', new Map([['a', tree('2')]]));
    memo.add('c1', new Map([['b', tree('3')]]));
    memo.add('c3', new Map([['a', tree('4')]]));
    // c1 was used after c2, so c2 went first.
    assert.equal(memo.get('c2', 'a'), null);
    assert.equal(memo.get('c1', 'a'), tree('1'));
    assert.equal(memo.get('c1', 'b'), tree('3'));
  });
});
