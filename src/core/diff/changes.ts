import { deepEqual, isObject } from './json.ts';
import { formatPointer } from './json-pointer.ts';
import type { Change } from './types.ts';

/**
 * The fields that differ between two JSON values, as pointers into them, sorted by path.
 * Lists are compared position by position: the rendered text diff shows moves better than a
 * list of changes could.
 */
export function changesBetween(before: unknown, after: unknown): Change[] {
  const changes: Change[] = [];
  collect(before, after, [], changes);
  return changes;
}

function collect(before: unknown, after: unknown, path: (string | number)[], out: Change[]): void {
  if (deepEqual(before, after)) return;
  const pointer = formatPointer(path);
  if (before === undefined) {
    out.push({ path: pointer, op: 'add', after });
  } else if (after === undefined) {
    out.push({ path: pointer, op: 'remove', before });
  } else if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    const own = (obj: Record<string, unknown>, key: string) =>
      Object.hasOwn(obj, key) ? obj[key] : undefined;
    for (const key of keys) collect(own(before, key), own(after, key), [...path, key], out);
  } else if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    for (let i = 0; i < length; i++) collect(before[i], after[i], [...path, i], out);
  } else {
    out.push({ path: pointer, op: 'replace', before, after });
  }
}
