// Ranks what a V8 heap snapshot retains: `node bench/heap-owners.ts FILE [N]`.
// Retained size is computed over the dominator tree (an object's retained size is what would be
// freed with it), so a Map of 10,000 cached objects shows as one owner, not 10,000 small ones.
// Prints the N largest retainers whose class is named (not V8 internals), and self size by class.
import { readFileSync } from 'node:fs';

const [file, countArg] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/heap-owners.ts FILE [N]');
const top = Number(countArg ?? 40);
const snap = JSON.parse(readFileSync(file, 'utf8'));
const meta = snap.snapshot.meta;
const nf: string[] = meta.node_fields;
const ef: string[] = meta.edge_fields;
const nodeTypes: string[] = meta.node_types[0];
const edgeTypes: string[] = meta.edge_types[0];
const N = nf.length;
const E = ef.length;
const nodes: number[] = snap.nodes;
const edges: number[] = snap.edges;
const strings: string[] = snap.strings;
const count = nodes.length / N;
const iType = nf.indexOf('type');
const iName = nf.indexOf('name');
const iSize = nf.indexOf('self_size');
const iEdges = nf.indexOf('edge_count');
const eType = ef.indexOf('type');
const eName = ef.indexOf('name_or_index');
const eTo = ef.indexOf('to_node');
const weak = edgeTypes.indexOf('weak');
const shortcut = edgeTypes.indexOf('shortcut');

const firstEdge = new Uint32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) {
  firstEdge[i] = e;
  e += nodes[i * N + iEdges] * E;
  firstEdge[i + 1] = e;
}
const typeOf = (i: number) => nodeTypes[nodes[i * N + iType]];
const nameOf = (i: number) => strings[nodes[i * N + iName]];
const label = (i: number) => {
  const t = typeOf(i);
  return t === 'object' || t === 'closure' ? nameOf(i) : `(${t})`;
};

// Depth-first order from the root (node 0), iterative.
const order = new Int32Array(count).fill(-1);
const post: number[] = [];
const stack: number[] = [0];
const cursor = new Uint32Array(count);
order[0] = 0;
for (let i = 0; i < count; i++) cursor[i] = firstEdge[i];
while (stack.length) {
  const v = stack[stack.length - 1];
  let pushed = false;
  while (cursor[v] < firstEdge[v + 1]) {
    const e = cursor[v];
    cursor[v] += E;
    const t = edges[e + eType];
    if (t === weak || t === shortcut) continue;
    const w = edges[e + eTo] / N;
    if (order[w] !== -1) continue;
    order[w] = 0;
    stack.push(w);
    pushed = true;
    break;
  }
  if (!pushed) {
    stack.pop();
    post.push(v);
  }
}
const postIndex = new Int32Array(count).fill(-1);
post.forEach((v, i) => {
  postIndex[v] = i;
});
// Predecessors of each reachable node.
const predCount = new Uint32Array(count + 1);
for (let v = 0; v < count; v++) {
  if (postIndex[v] < 0) continue;
  for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += E) {
    const t = edges[e + eType];
    if (t === weak || t === shortcut) continue;
    predCount[edges[e + eTo] / N]++;
  }
}
const predStart = new Uint32Array(count + 1);
for (let i = 0; i < count; i++) predStart[i + 1] = predStart[i] + predCount[i];
const preds = new Uint32Array(predStart[count]);
const fill = predStart.slice();
for (let v = 0; v < count; v++) {
  if (postIndex[v] < 0) continue;
  for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += E) {
    const t = edges[e + eType];
    if (t === weak || t === shortcut) continue;
    const w = edges[e + eTo] / N;
    preds[fill[w]++] = v;
  }
}
// Cooper, Harvey, Kennedy: iterative dominators over reverse postorder.
const idom = new Int32Array(count).fill(-1);
idom[0] = 0;
const intersect = (a: number, b: number) => {
  while (a !== b) {
    while (postIndex[a] < postIndex[b]) a = idom[a];
    while (postIndex[b] < postIndex[a]) b = idom[b];
  }
  return a;
};
for (let changed = true; changed; ) {
  changed = false;
  for (let k = post.length - 1; k >= 0; k--) {
    const v = post[k];
    if (v === 0) continue;
    let d = -1;
    for (let p = predStart[v]; p < predStart[v + 1]; p++) {
      const u = preds[p];
      if (idom[u] === -1) continue;
      d = d === -1 ? u : intersect(u, d);
    }
    if (d !== -1 && idom[v] !== d) {
      idom[v] = d;
      changed = true;
    }
  }
}
const retained = new Float64Array(count);
for (const v of post) retained[v] += nodes[v * N + iSize];
for (const v of post) if (v !== 0 && idom[v] >= 0) retained[idom[v]] += retained[v];

const mib = (b: number) => (b / 2 ** 20).toFixed(1);
console.log(`total reachable: ${mib(retained[0])} MiB in ${post.length} objects`);
// Where a node hangs: the edge from its dominator chain's closest named holder.
const edgeNameTo = (from: number, to: number) => {
  for (let e = firstEdge[from]; e < firstEdge[from + 1]; e += E) {
    if (edges[e + eTo] / N !== to) continue;
    const t = edgeTypes[edges[e + eType]];
    const n = edges[e + eName];
    return t === 'element' || t === 'hidden' ? `[${n}]` : strings[n];
  }
  return '?';
};
const path = (v: number) => {
  const parts: string[] = [];
  for (let x = v, i = 0; x !== 0 && i < 8; x = idom[x], i++)
    parts.unshift(`${label(idom[x])}.${edgeNameTo(idom[x], x)}`);
  return parts.join(' > ');
};
const candidates = post
  .filter((v) => {
    const t = typeOf(v);
    return (t === 'object' || t === 'closure') && !nameOf(v).startsWith('system');
  })
  .sort((a, b) => retained[b] - retained[a]);
console.log(`\n${top} largest retainers (MiB retained, class, where):`);
for (const v of candidates.slice(0, top))
  console.log(`${mib(retained[v]).padStart(7)}  ${label(v)}  ${path(v)}`);
const byClass = new Map<string, { size: number; n: number }>();
for (const v of post) {
  const k = label(v);
  const s = byClass.get(k) ?? { size: 0, n: 0 };
  s.size += nodes[v * N + iSize];
  s.n++;
  byClass.set(k, s);
}
console.log('\nself size by class (MiB, count):');
for (const [k, s] of [...byClass].sort((a, b) => b[1].size - a[1].size).slice(0, top))
  console.log(`${mib(s.size).padStart(7)}  ${String(s.n).padStart(8)}  ${k}`);

// Each object's size counted once, to its nearest dominator that is an instance of a named class
// (not a plain Object, Array, Map, Set or V8 internal): which part of the program holds what.
const GENERIC = new Set([
  'Object',
  'Array',
  'Map',
  'Set',
  'WeakMap',
  'Promise',
  'Generator',
  'global',
  'Window',
]);
const named = (v: number) => {
  const t = typeOf(v);
  if (t !== 'object') return false;
  const n = nameOf(v);
  return /^[A-Z]/.test(n) && !GENERIC.has(n) && !n.startsWith('system');
};
const owner = new Int32Array(count).fill(-1);
const byOwner = new Map<string, number>();
for (let k = post.length - 1; k >= 0; k--) {
  const v = post[k];
  const d = idom[v];
  owner[v] = v === 0 ? -1 : named(v) ? v : d >= 0 ? (named(d) ? d : owner[d]) : -1;
  const o = owner[v];
  const key = o < 0 ? '(no named owner)' : label(o);
  byOwner.set(key, (byOwner.get(key) ?? 0) + nodes[v * N + iSize]);
}
console.log('\nby nearest named owner (MiB):');
for (const [k, s] of [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${mib(s).padStart(7)}  ${k}`);
