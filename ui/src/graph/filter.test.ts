import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchingNodes } from './filter.ts';
import { buildGraph } from './model.ts';
import { deployment, guestbookTree, pods, replicaSet } from './testdata.ts';

describe('matchingNodes', () => {
  const graph = buildGraph({ name: 'guestbook' }, guestbookTree);

  test('empty text: everything shown', () => {
    assert.equal(matchingNodes(graph, '  '), undefined);
  });

  test('a match comes with its owners up to the Application', () => {
    const shown = matchingNodes(graph, 'pod 5d8f-a');
    assert.deepEqual(
      [...(shown ?? [])].sort(),
      [graph.rootId, deployment.uid, pods[0].uid, replicaSet.uid].sort(),
    );
  });

  test('matching is by kind and name, case-insensitive', () => {
    assert.equal(matchingNodes(graph, 'REPLICASET')?.has(replicaSet.uid), true);
    assert.equal(matchingNodes(graph, 'nothing-like-this')?.size, 0);
  });
});
