// A line diff (Myers' O(ND) algorithm) and its unified rendering, for showing desired vs live.

export type LineOp = ' ' | '-' | '+';

export interface LineEdit {
  op: LineOp;
  text: string;
}

// Beyond this many differing lines the shortest edit script costs more than it tells: the
// middle is shown as removed then added, still a correct diff.
const MAX_EDIT_DISTANCE = 1000;

/** The shortest sequence of keeps, removals and additions turning `a` into `b`. */
export function diffLines(a: readonly string[], b: readonly string[]): LineEdit[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const keep = (lines: readonly string[]) => lines.map((text): LineEdit => ({ op: ' ', text }));
  return [
    ...keep(a.slice(0, start)),
    ...middle(a.slice(start, endA), b.slice(start, endB)),
    ...keep(a.slice(endA)),
  ];
}

function middle(a: readonly string[], b: readonly string[]): LineEdit[] {
  const fallback = () => [
    ...a.map((text): LineEdit => ({ op: '-', text })),
    ...b.map((text): LineEdit => ({ op: '+', text })),
  ];
  if (a.length === 0 || b.length === 0) return fallback();
  const n = a.length;
  const m = b.length;
  // v[k] is the furthest x reached on diagonal k (y = x - k); trace[d] keeps v as it was when
  // round d began, only over the diagonals round d can read (-d-1..d+1).
  const offset = n + m + 1;
  const v = new Int32Array(2 * offset + 1);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= Math.min(n + m, MAX_EDIT_DISTANCE); d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])
          ? v[offset + k + 1]
          : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace);
    }
  }
  return fallback();
}

function backtrack(a: readonly string[], b: readonly string[], trace: Int32Array[]): LineEdit[] {
  const edits: LineEdit[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const round = trace[d];
    const at = (k: number) => round[k + d + 1];
    const k = x - y;
    const previousK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const previousX = at(previousK);
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) {
      edits.push({ op: ' ', text: a[x - 1] });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === previousX) edits.push({ op: '+', text: b[y - 1] });
      else edits.push({ op: '-', text: a[x - 1] });
    }
    x = previousX;
    y = previousY;
  }
  return edits.reverse();
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** `diff -u` style text; '' when both are the same. */
export function unifiedDiff(
  before: string,
  after: string,
  labels = { before: 'live', after: 'desired' },
  context = 3,
): string {
  const edits = diffLines(splitLines(before), splitLines(after));
  const changed = edits.flatMap((edit, index) => (edit.op === ' ' ? [] : [index]));
  if (changed.length === 0) return '';
  // Hunks: runs of changes closer than 2 * context lines share one hunk.
  const hunks: [number, number][] = [];
  for (const index of changed) {
    const from = Math.max(0, index - context);
    const to = Math.min(edits.length, index + context + 1);
    const last = hunks[hunks.length - 1];
    if (last && from <= last[1]) last[1] = to;
    else hunks.push([from, to]);
  }
  const out = [`--- ${labels.before}`, `+++ ${labels.after}`];
  // Line numbers of each edit's position in a and b.
  const lineA: number[] = [];
  const lineB: number[] = [];
  let na = 0;
  let nb = 0;
  for (const edit of edits) {
    lineA.push(na);
    lineB.push(nb);
    if (edit.op !== '+') na++;
    if (edit.op !== '-') nb++;
  }
  for (const [from, to] of hunks) {
    const slice = edits.slice(from, to);
    const countA = slice.filter((e) => e.op !== '+').length;
    const countB = slice.filter((e) => e.op !== '-').length;
    const startA = countA === 0 ? lineA[from] : lineA[from] + 1;
    const startB = countB === 0 ? lineB[from] : lineB[from] + 1;
    out.push(`@@ -${startA},${countA} +${startB},${countB} @@`);
    for (const edit of slice) out.push(`${edit.op}${edit.text}`);
  }
  return `${out.join('\n')}\n`;
}
