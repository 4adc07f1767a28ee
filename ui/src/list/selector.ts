// Kubernetes label selectors, as typed in the filter box: `app=web,tier!=db,env in (dev,qa),
// !legacy, team`. Parsed into requirements, then matched against an object's labels.

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

export class SelectorError extends Error {
  override name = 'SelectorError';
}

const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/;

/** Splits on commas that are not inside parentheses. */
function clauses(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

function checkKey(key: string, clause: string): string {
  if (!KEY.test(key)) throw new SelectorError(`"${clause}": "${key}" is not a label key`);
  return key;
}

function parseClause(clause: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(clause);
  if (set) {
    const values = set[3]
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    return { key: checkKey(set[1], clause), op: set[2] as 'in' | 'notin', values };
  }
  const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(clause);
  if (cmp) {
    return { key: checkKey(cmp[1], clause), op: cmp[2] === '!=' ? 'notin' : 'in', values: [cmp[3]] };
  }
  if (clause.startsWith('!')) return { key: checkKey(clause.slice(1).trim(), clause), op: 'notexists' };
  return { key: checkKey(clause, clause), op: 'exists' };
}

/** Throws SelectorError naming the clause a person got wrong. */
export function parseSelector(text: string): Requirement[] {
  return clauses(text).map(parseClause);
}

export function matchesSelector(labels: Readonly<Record<string, string>> | undefined, reqs: Requirement[]) {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && r.values.includes(l[r.key]);
      default:
        return !has || !r.values.includes(l[r.key]);
    }
  });
}
