// Kubernetes label selectors (`team=a,tier!=db,env in (dev,qa),!legacy`) for the list endpoint,
// parsed once per request and matched against each Application's labels in memory.
import { badRequest } from './http-error.ts';

type Requirement =
  | { op: 'exists' | 'missing'; key: string }
  | { op: 'in' | 'notin'; key: string; values: Set<string> };

export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;
const VALUE = /^([a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?)?$/;

/** Parses a selector; throws a 400 naming the part it cannot read. */
export function parseLabelSelector(text: string): LabelMatcher {
  const requirements = splitTopLevel(text)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(parseRequirement);
  return (labels) => requirements.every((r) => matches(r, labels ?? {}));
}

/** Splits on commas outside parentheses (`a in (x,y),b=c` is two requirements). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

function parseRequirement(part: string): Requirement {
  const fail = (why: string) => badRequest(`selector "${part}": ${why}`);
  const set = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
  if (set) {
    const values = set[3].split(',').map((v) => v.trim());
    for (const value of values) if (!VALUE.test(value)) throw fail(`"${value}" is not a label value`);
    return { op: set[2] as 'in' | 'notin', key: checkKey(set[1], fail), values: new Set(values) };
  }
  const equality = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (equality) {
    const [, key, op, value] = equality;
    if (!VALUE.test(value)) throw fail(`"${value}" is not a label value`);
    return { op: op === '!=' ? 'notin' : 'in', key: checkKey(key, fail), values: new Set([value]) };
  }
  if (part.startsWith('!')) return { op: 'missing', key: checkKey(part.slice(1).trim(), fail) };
  return { op: 'exists', key: checkKey(part, fail) };
}

function checkKey(key: string, fail: (why: string) => Error): string {
  if (!KEY.test(key) || key.length > 317) throw fail(`"${key}" is not a label key`);
  return key;
}

function matches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.op) {
    case 'exists':
      return has;
    case 'missing':
      return !has;
    case 'in':
      return has && r.values.has(labels[r.key]);
    case 'notin':
      return !has || !r.values.has(labels[r.key]);
  }
}
