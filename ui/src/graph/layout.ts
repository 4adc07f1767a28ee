// A layered left-to-right layout of the resource graph: a node's column is its distance from the
// Application, and each node is centred on the rows of its children, so Deployment → ReplicaSet
// → Pods read as a tree. Edges other than the tree's (a second owner) are still drawn.
import { compareKindThenName } from './kinds.ts';
import type { Graph, GraphNode } from './model.ts';

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  columnGap: number;
  rowGap: number;
  padding: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
  nodeWidth: 240,
  nodeHeight: 64,
  columnGap: 72,
  rowGap: 16,
  padding: 16,
};

export interface PositionedNode {
  node: GraphNode;
  depth: number;
  /** Top-left corner. */
  x: number;
  y: number;
}

export interface RoutedEdge {
  from: string;
  to: string;
  /** SVG path data, from the right side of `from` to the left side of `to`. */
  path: string;
}

export interface Layout {
  nodes: PositionedNode[];
  edges: RoutedEdge[];
  width: number;
  height: number;
}

export function layoutGraph(graph: Graph, options: LayoutOptions = DEFAULT_LAYOUT): Layout {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const out = new Map<string, string[]>();
  for (const e of graph.edges) {
    if (!byId.has(e.from) || !byId.has(e.to)) continue;
    const list = out.get(e.from);
    if (list) list.push(e.to);
    else out.set(e.from, [e.to]);
  }

  // Breadth-first spanning tree from the root: depth = distance, tree parent = first discoverer.
  const depth = new Map<string, number>();
  const treeChildren = new Map<string, GraphNode[]>();
  const visit = (start: string, startDepth: number) => {
    depth.set(start, startDepth);
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const id = queue[i];
      for (const child of out.get(id) ?? []) {
        if (depth.has(child)) continue;
        depth.set(child, (depth.get(id) ?? 0) + 1);
        addTreeChild(treeChildren, id, byId.get(child) as GraphNode);
        queue.push(child);
      }
    }
  };
  visit(graph.rootId, 0);
  // Nodes on a cycle that never leads back to the root hang off it rather than vanish.
  for (const node of graph.nodes) {
    if (depth.has(node.id)) continue;
    addTreeChild(treeChildren, graph.rootId, node);
    visit(node.id, 1);
  }
  for (const children of treeChildren.values()) children.sort(compareKindThenName);

  // Leaves take consecutive rows; a parent sits midway between its first and last child.
  const row = new Map<string, number>();
  let nextRow = 0;
  const place = (id: string): number => {
    const children = treeChildren.get(id) ?? [];
    let r: number;
    if (children.length === 0) r = nextRow++;
    else {
      const rows = children.map((c) => place(c.id));
      r = (rows[0] + rows[rows.length - 1]) / 2;
    }
    row.set(id, r);
    return r;
  };
  if (byId.has(graph.rootId)) place(graph.rootId);

  const { nodeWidth: w, nodeHeight: h, columnGap, rowGap, padding } = options;
  const positioned = new Map<string, PositionedNode>();
  let maxDepth = 0;
  for (const node of graph.nodes) {
    const d = depth.get(node.id);
    const r = row.get(node.id);
    if (d === undefined || r === undefined) continue;
    maxDepth = Math.max(maxDepth, d);
    positioned.set(node.id, {
      node,
      depth: d,
      x: padding + d * (w + columnGap),
      y: padding + r * (h + rowGap),
    });
  }

  const edges: RoutedEdge[] = [];
  for (const e of graph.edges) {
    const a = positioned.get(e.from);
    const b = positioned.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + w;
    const y1 = a.y + h / 2;
    const x2 = b.x;
    const y2 = b.y + h / 2;
    const bend = Math.max(columnGap / 2, Math.abs(x2 - x1) / 2);
    edges.push({
      from: e.from,
      to: e.to,
      path: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`,
    });
  }

  const rows = Math.max(nextRow, 1);
  return {
    nodes: [...positioned.values()],
    edges,
    width: 2 * padding + (maxDepth + 1) * w + maxDepth * columnGap,
    height: 2 * padding + rows * h + (rows - 1) * rowGap,
  };
}

function addTreeChild(tree: Map<string, GraphNode[]>, parent: string, child: GraphNode): void {
  const list = tree.get(parent);
  if (list) list.push(child);
  else tree.set(parent, [child]);
}
