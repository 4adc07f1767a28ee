// The resource graph of one Application: the Application itself, the objects it manages and their
// children, joined by the owner references the resource-tree endpoint reports as parentRefs.
import type { Health, ResourceRef, TreeNode } from '../api/types.ts';

export interface GraphNode {
  id: string;
  kind: string;
  group: string;
  version?: string;
  namespace: string;
  name: string;
  uid?: string;
  health?: Health;
  sync?: string;
  hook: boolean;
  /** True for the Application node the graph starts from. */
  root: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
}

export interface Graph {
  rootId: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export const keyOfRef = (r: { group?: string; kind: string; namespace?: string; name: string }) =>
  `${r.group ?? ''}/${r.kind}/${r.namespace ?? ''}/${r.name}`;

export const rootIdOf = (appName: string) => `app:${appName}`;

export function refOf(node: GraphNode): ResourceRef {
  return { group: node.group, kind: node.kind, namespace: node.namespace, name: node.name };
}

/**
 * Objects whose parents are all outside the tree (the managed objects, and children whose owner
 * was not reported) hang off the Application, so every node is reachable from the root.
 */
export function buildGraph(
  app: { name: string; health?: Health; sync?: string },
  tree: readonly TreeNode[],
): Graph {
  const rootId = rootIdOf(app.name);
  const nodes: GraphNode[] = [
    {
      id: rootId,
      kind: 'Application',
      group: 'tiphys.dev',
      namespace: '',
      name: app.name,
      health: app.health,
      sync: app.sync,
      hook: false,
      root: true,
    },
  ];
  const byUid = new Map<string, string>();
  const byKey = new Map<string, string>();
  const seen = new Set<string>([rootId]);
  for (const t of tree) {
    const id = t.uid || keyOfRef(t);
    if (seen.has(id)) continue;
    seen.add(id);
    if (t.uid) byUid.set(t.uid, id);
    byKey.set(keyOfRef(t), id);
    nodes.push({
      id,
      kind: t.kind,
      group: t.group ?? '',
      version: t.version,
      namespace: t.namespace ?? '',
      name: t.name,
      uid: t.uid || undefined,
      health: t.health,
      sync: t.sync,
      hook: t.hook === true,
      root: false,
    });
  }
  const edges: GraphEdge[] = [];
  const edgeIds = new Set<string>();
  const addEdge = (from: string, to: string) => {
    const id = `${from}\u0000${to}`;
    if (from === to || edgeIds.has(id)) return;
    edgeIds.add(id);
    edges.push({ from, to });
  };
  const done = new Set<string>([rootId]);
  for (const t of tree) {
    const id = t.uid || keyOfRef(t);
    if (done.has(id)) continue;
    done.add(id);
    let linked = false;
    for (const p of t.parentRefs ?? []) {
      const parent = (p.uid && byUid.get(p.uid)) || byKey.get(keyOfRef(p));
      if (parent && parent !== id) {
        addEdge(parent, id);
        linked = true;
      }
    }
    if (!linked) addEdge(rootId, id);
  }
  return { rootId, nodes, edges };
}
