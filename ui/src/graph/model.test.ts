import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildGraph, keyOfRef, rootIdOf } from './model.ts';
import { deployment, guestbookTree, pods, replicaSet, service } from './testdata.ts';

describe('buildGraph', () => {
  const graph = buildGraph(
    { name: 'guestbook', health: { status: 'Healthy' }, sync: 'Synced' },
    guestbookTree,
  );
  const edge = (from: string, to: string) => graph.edges.some((e) => e.from === from && e.to === to);

  test('the Application is the root, with its health and sync', () => {
    const root = graph.nodes.find((n) => n.id === graph.rootId);
    assert.equal(graph.rootId, rootIdOf('guestbook'));
    assert.deepEqual(
      { kind: root?.kind, root: root?.root, health: root?.health?.status, sync: root?.sync },
      { kind: 'Application', root: true, health: 'Healthy', sync: 'Synced' },
    );
  });

  test('managed objects hang off the Application, children off their owners', () => {
    assert.ok(edge(graph.rootId, deployment.uid));
    assert.ok(edge(graph.rootId, service.uid));
    assert.ok(edge(deployment.uid, replicaSet.uid));
    for (const pod of pods) assert.ok(edge(replicaSet.uid, pod.uid));
    assert.ok(!edge(graph.rootId, replicaSet.uid), 'an owned object is not also a child of the app');
    assert.equal(graph.nodes.length, guestbookTree.length + 1);
    assert.equal(graph.edges.length, guestbookTree.length);
  });

  test('hooks are marked', () => {
    assert.deepEqual(
      graph.nodes.filter((n) => n.hook).map((n) => n.name),
      ['migrate'],
    );
  });

  test('a parent reported without uid is found by group, kind, namespace and name', () => {
    const child = { ...replicaSet, parentRefs: [{ ...replicaSet.parentRefs[0], uid: '' }] };
    const g = buildGraph({ name: 'x' }, [deployment, child]);
    assert.ok(g.edges.some((e) => e.from === deployment.uid && e.to === replicaSet.uid));
  });

  test('a child whose owner is not in the tree hangs off the Application', () => {
    const g = buildGraph({ name: 'x' }, [replicaSet]);
    assert.deepEqual(g.edges, [{ from: rootIdOf('x'), to: replicaSet.uid }]);
  });

  test('a node without uid gets its key as id; duplicates are dropped', () => {
    const noUid = { ...service, uid: '' };
    const g = buildGraph({ name: 'x' }, [noUid, noUid]);
    assert.deepEqual(
      g.nodes.map((n) => n.id),
      [rootIdOf('x'), keyOfRef(service)],
    );
    assert.equal(keyOfRef(service), '/Service/guestbook/guestbook-ui');
  });

  test('an empty tree is the Application alone', () => {
    const g = buildGraph({ name: 'x' }, []);
    assert.equal(g.nodes.length, 1);
    assert.equal(g.edges.length, 0);
  });
});
