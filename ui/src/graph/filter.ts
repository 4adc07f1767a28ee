// Narrowing a large resource graph: the nodes whose kind or name match the text, plus everything
// on their way from the Application, so a match is always seen in context.
import type { Graph } from './model.ts';

/** The ids to show undimmed, or undefined when the text is empty (everything shown). */
export function matchingNodes(graph: Graph, text: string): Set<string> | undefined {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  const parents = new Map<string, string[]>();
  for (const e of graph.edges) {
    const list = parents.get(e.to);
    if (list) list.push(e.from);
    else parents.set(e.to, [e.from]);
  }
  const shown = new Set<string>();
  const stack: string[] = [];
  for (const node of graph.nodes) {
    const haystack = `${node.kind} ${node.namespace}/${node.name}`.toLowerCase();
    if (words.every((w) => haystack.includes(w))) stack.push(node.id);
  }
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (shown.has(id)) continue;
    shown.add(id);
    stack.push(...(parents.get(id) ?? []));
  }
  return shown;
}
