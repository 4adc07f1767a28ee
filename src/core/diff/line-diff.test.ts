import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffLines, unifiedDiff } from './line-diff.ts';

function lcsLength(a: string[], b: string[]): number {
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      table[i][j] =
        a[i - 1] === b[j - 1] ? table[i - 1][j - 1] + 1 : Math.max(table[i - 1][j], table[i][j - 1]);
    }
  }
  return table[a.length][b.length];
}

// A fixed-seed generator: the same cases on every run.
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

test('line diff: edits rebuild both sides and keep a longest common subsequence', () => {
  const random = generator(42);
  const lines = (n: number) => Array.from({ length: n }, () => 'abcd'[Math.floor(random() * 4)]);
  for (let round = 0; round < 300; round++) {
    const a = lines(Math.floor(random() * 12));
    const b = lines(Math.floor(random() * 12));
    const edits = diffLines(a, b);
    assert.deepEqual(
      edits.filter((e) => e.op !== '+').map((e) => e.text),
      a,
    );
    assert.deepEqual(
      edits.filter((e) => e.op !== '-').map((e) => e.text),
      b,
    );
    assert.equal(edits.filter((e) => e.op === ' ').length, lcsLength(a, b), `${a} → ${b}`);
  }
});

test('line diff: equal texts give no diff', () => {
  assert.equal(unifiedDiff('a\nb\n', 'a\nb\n'), '');
});

test('line diff: unified hunks with three lines of context, separate when far apart', () => {
  const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
  const after = [...before];
  after[1] = 'changed 2';
  after.splice(15, 1);
  const text = unifiedDiff(`${before.join('\n')}\n`, `${after.join('\n')}\n`);
  assert.equal(
    text,
    [
      '--- live',
      '+++ desired',
      '@@ -1,5 +1,5 @@',
      ' line 1',
      '-line 2',
      '+changed 2',
      ' line 3',
      ' line 4',
      ' line 5',
      '@@ -13,7 +13,6 @@',
      ' line 13',
      ' line 14',
      ' line 15',
      '-line 16',
      ' line 17',
      ' line 18',
      ' line 19',
      '',
    ].join('\n'),
  );
});

test('line diff: from and to nothing', () => {
  assert.equal(unifiedDiff('', 'a\nb\n'), '--- live\n+++ desired\n@@ -0,0 +1,2 @@\n+a\n+b\n');
  assert.equal(unifiedDiff('a\n', ''), '--- live\n+++ desired\n@@ -1,1 +0,0 @@\n-a\n');
});

test('line diff: a large rewrite stays correct past the edit-distance cap', () => {
  const a = Array.from({ length: 1500 }, (_, i) => `a${i}`);
  const b = Array.from({ length: 1500 }, (_, i) => `b${i}`);
  const edits = diffLines(a, b);
  assert.equal(edits.length, 3000);
  assert.deepEqual(
    edits.filter((e) => e.op === '+').map((e) => e.text),
    b,
  );
});
