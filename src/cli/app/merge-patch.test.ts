import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyMergePatch, mergePatch } from './merge-patch.ts';

test('only changed fields are in the patch; removed ones are null', () => {
  const from = { source: { repoURL: 'r', path: 'a', helm: { releaseName: 'x' } }, project: 'p' };
  const to = { source: { repoURL: 'r', path: 'b' }, project: 'p', dependsOn: ['db'] };
  assert.deepEqual(mergePatch(from, to), { source: { path: 'b', helm: null }, dependsOn: ['db'] });
});

test('arrays are replaced whole, and equal documents give no patch', () => {
  assert.deepEqual(mergePatch({ a: [1, 2] }, { a: [1, 3] }), { a: [1, 3] });
  assert.equal(mergePatch({ a: { b: [1] } }, { a: { b: [1] } }), undefined);
});

test('undefined members count as absent', () => {
  assert.equal(mergePatch({ a: 1, b: undefined }, { a: 1 }), undefined);
  assert.deepEqual(mergePatch({ a: 1 }, { a: 1, b: undefined, c: 2 }), { c: 2 });
});

test('a patch applied to the document it was computed from gives the new document', () => {
  const from = { source: { repoURL: 'r', path: 'a', helm: { releaseName: 'x' } }, project: 'p' };
  const to = { source: { repoURL: 'r', path: 'b' }, project: 'p', dependsOn: ['db'] };
  assert.deepEqual(applyMergePatch(from, mergePatch(from, to)), to);
  assert.deepEqual(from.source.helm, { releaseName: 'x' }, 'the target is not changed in place');
});
