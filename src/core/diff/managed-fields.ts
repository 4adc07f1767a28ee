// Server-side apply records who owns which field in metadata.managedFields[].fieldsV1, a tree
// whose keys say how to step into the object:
//   f:<name>     a field of a map              {"f:spec": {"f:replicas": {}}}
//   k:<json>     a list item by its key fields {"k:{\"name\":\"web\"}": {"f:image": {}}}
//   v:<json>     a list item by its value      {"v:\"finalizer.example.com\"": {}}
//   i:<index>    a list item by position
//   .            the node itself (the item exists because this manager set it)
import { deepEqual, isObject, type JsonObject } from './json.ts';
import type { KubeObject } from './types.ts';

type FieldsTree = JsonObject;

interface ManagedFieldsEntry {
  manager?: unknown;
  fieldsV1?: unknown;
}

/** The fieldsV1 trees of the given managers, from an object's managedFields. */
export function fieldsOwnedBy(obj: KubeObject, managers: readonly string[]): FieldsTree[] {
  const entries = obj.metadata.managedFields;
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((entry: ManagedFieldsEntry) =>
    isObject(entry) &&
    typeof entry.manager === 'string' &&
    managers.includes(entry.manager) &&
    isObject(entry.fieldsV1)
      ? [entry.fieldsV1]
      : [],
  );
}

export const isLeaf = (tree: FieldsTree): boolean => Object.keys(tree).every((key) => key === '.');

/**
 * Removes from `target`, in place, the fields the tree owns. A list item the manager created
 * ('.') goes whole, with what others set in it (an injected sidecar container is the manager's
 * entirely). A map the manager created does not: other managers' entries in it (labels,
 * annotations) must still be compared, so only the manager's own entries go.
 */
export function removeOwnedFields(target: unknown, tree: FieldsTree): void {
  if (isObject(target)) removeFromMap(target, tree);
  else if (Array.isArray(target)) removeFromList(target, tree);
}

function removeFromMap(target: JsonObject, tree: FieldsTree): void {
  for (const [path, sub] of Object.entries(tree)) {
    if (!path.startsWith('f:') || !isObject(sub)) continue;
    const name = path.slice(2);
    if (!Object.hasOwn(target, name)) continue;
    const value = target[name];
    // {} owns the field whole (a scalar, an atomic list or map); {".": {}} alone owns only the
    // existence of a map, whose entries others may have set.
    const atomic = Object.keys(sub).length === 0;
    if (atomic || (isLeaf(sub) && !(isObject(value) && Object.keys(value).length > 0))) {
      delete target[name];
      continue;
    }
    const wasEmpty = isEmptyContainer(value);
    removeOwnedFields(value, sub);
    // A map emptied by the removal would show as {} on one side and nothing on the other.
    if (!wasEmpty && isEmptyContainer(value)) delete target[name];
  }
}

function removeFromList(target: unknown[], tree: FieldsTree): void {
  const whole = new Set<number>();
  for (const [path, sub] of Object.entries(tree)) {
    if (!isObject(sub)) continue;
    const index = itemIndex(target, path);
    if (index < 0) continue;
    if (Object.hasOwn(sub, '.') || isLeaf(sub)) whole.add(index);
    else removeOwnedFields(target[index], sub);
  }
  for (const index of [...whole].sort((a, b) => b - a)) target.splice(index, 1);
}

/** The index in `list` of the item a fieldsV1 key (`k:…`, `v:…`, `i:…`) names; -1 if none. */
export function itemIndex(list: unknown[], path: string): number {
  const kind = path.slice(0, 2);
  const text = path.slice(2);
  if (kind === 'i:') return /^\d+$/.test(text) && Number(text) < list.length ? Number(text) : -1;
  let wanted: unknown;
  try {
    wanted = JSON.parse(text);
  } catch {
    return -1;
  }
  if (kind === 'v:') return list.findIndex((item) => deepEqual(item, wanted));
  if (kind === 'k:' && isObject(wanted)) {
    const fields = Object.entries(wanted);
    return list.findIndex(
      (item) => isObject(item) && fields.every(([key, value]) => deepEqual(item[key], value)),
    );
  }
  return -1;
}

function isEmptyContainer(value: unknown): boolean {
  return (isObject(value) && Object.keys(value).length === 0) || (Array.isArray(value) && value.length === 0);
}
