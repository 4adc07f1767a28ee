import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_LAYOUT, layoutGraph } from './layout.ts';
import { buildGraph, type Graph } from './model.ts';
import { deployment, guestbookTree, hook, pods, replicaSet, service } from './testdata.ts';

const graph = buildGraph({ name: 'guestbook' }, guestbookTree);
const layout = layoutGraph(graph);
const at = (id: string) => {
  const p = layout.nodes.find((n) => n.node.id === id);
  assert.ok(p, `${id} is laid out`);
  return p;
};
const { nodeWidth, nodeHeight, columnGap, rowGap, padding } = DEFAULT_LAYOUT;

describe('layoutGraph', () => {
  test('columns are depths: Application, managed objects, ReplicaSet, Pods', () => {
    assert.equal(at(graph.rootId).depth, 0);
    assert.equal(at(deployment.uid).depth, 1);
    assert.equal(at(service.uid).depth, 1);
    assert.equal(at(replicaSet.uid).depth, 2);
    for (const pod of pods) assert.equal(at(pod.uid).depth, 3);
    assert.equal(at(pods[0].uid).x, padding + 3 * (nodeWidth + columnGap));
  });

  test('every node is laid out once and no two overlap', () => {
    assert.equal(layout.nodes.length, graph.nodes.length);
    for (const a of layout.nodes) {
      for (const b of layout.nodes) {
        if (a === b) continue;
        const overlap = Math.abs(a.x - b.x) < nodeWidth && Math.abs(a.y - b.y) < nodeHeight + rowGap - 0.001;
        assert.ok(!overlap, `${a.node.name} and ${b.node.name} overlap`);
      }
    }
  });

  test('siblings are ordered by kind (Service before Deployment before Job), then name', () => {
    assert.ok(at(service.uid).y < at(deployment.uid).y);
    assert.ok(at(deployment.uid).y < at(hook.uid).y);
    assert.ok(at(pods[0].uid).y < at(pods[1].uid).y);
  });

  test('a parent is centred on its children', () => {
    const [a, b] = pods.map((p) => at(p.uid).y);
    assert.equal(at(replicaSet.uid).y, (a + b) / 2);
    assert.equal(at(deployment.uid).y, at(replicaSet.uid).y);
  });

  test('the size holds every node', () => {
    for (const p of layout.nodes) {
      assert.ok(p.x + nodeWidth <= layout.width - padding + 0.001);
      assert.ok(p.y + nodeHeight <= layout.height - padding + 0.001);
    }
  });

  test('edges run from the right side of the owner to the left side of the owned', () => {
    const e = layout.edges.find((x) => x.from === replicaSet.uid && x.to === pods[0].uid);
    const rs = at(replicaSet.uid);
    const pod = at(pods[0].uid);
    assert.ok(e?.path.startsWith(`M${rs.x + nodeWidth},${rs.y + nodeHeight / 2} `));
    assert.ok(e?.path.endsWith(` ${pod.x},${pod.y + nodeHeight / 2}`));
    assert.equal(layout.edges.length, graph.edges.length);
  });

  test('nodes on a cycle unreachable from the Application still appear, next to it', () => {
    const cyclic: Graph = {
      rootId: 'root',
      nodes: [
        { id: 'root', kind: 'Application', group: '', namespace: '', name: 'x', hook: false, root: true },
        { id: 'a', kind: 'ConfigMap', group: '', namespace: 'n', name: 'a', hook: false, root: false },
        { id: 'b', kind: 'ConfigMap', group: '', namespace: 'n', name: 'b', hook: false, root: false },
      ],
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
      ],
    };
    const l = layoutGraph(cyclic);
    assert.equal(l.nodes.length, 3);
    assert.deepEqual(
      l.nodes.map((n) => n.depth),
      [0, 1, 2],
    );
  });

  test('the Application alone is one node in one cell', () => {
    const l = layoutGraph(buildGraph({ name: 'x' }, []));
    assert.equal(l.nodes.length, 1);
    assert.equal(l.width, 2 * padding + nodeWidth);
    assert.equal(l.height, 2 * padding + nodeHeight);
  });
});
