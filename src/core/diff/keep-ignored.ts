// RespectIgnoreDifferences: what a sync applies keeps the live values of the fields the app's
// ignoreDifferences name. Without it an apply sets every field Git declares, so a self-heal
// started by some other drift would reset an ignored field (an HPA's replicas, a sidecar's
// image someone else manages) to Git's value, although the comparison never counted it.
import { isObject, type JsonObject } from './json.ts';
import { parsePointer, removeAtPointer } from './json-pointer.ts';
import { fieldsOwnedBy, isLeaf, itemIndex } from './managed-fields.ts';
import { ignoreRuleApplies } from './normalize.ts';
import type { IgnoreDifference, KubeObject } from './types.ts';

// Written by the API server: copying one into an apply would make it conditional (resourceVersion)
// or be refused, and no user means to keep them.
const SERVER_WRITTEN = new Set([
  'managedFields',
  'resourceVersion',
  'uid',
  'generation',
  'creationTimestamp',
]);

/**
 * The object to apply: `desired` with every field an ignore rule names set to its value in
 * `live`, or removed when live does not have it. Fields Git declares and no rule names are
 * applied as Git says. Pure; `desired` is not changed.
 */
export function keepIgnoredLiveValues(
  desired: KubeObject,
  live: KubeObject,
  rules: readonly IgnoreDifference[],
): KubeObject {
  const result = structuredClone(desired);
  for (const rule of rules) {
    if (!ignoreRuleApplies(rule, desired)) continue;
    for (const pointer of rule.jsonPointers ?? []) keepAtPointer(live, result, pointer);
    for (const tree of fieldsOwnedBy(live, rule.managedFieldsManagers ?? []))
      keepOwnedFields(live, result, tree);
  }
  return result;
}

function keepAtPointer(live: KubeObject, target: KubeObject, pointer: string): void {
  const tokens = parsePointer(pointer);
  if (!tokens || tokens.length === 0) return;
  if (tokens[0] === 'status' || (tokens[0] === 'metadata' && SERVER_WRITTEN.has(tokens[1] ?? ''))) return;
  const found = valueAt(live, tokens);
  if (!found.present) {
    removeAtPointer(target, pointer);
    return;
  }
  let parent: unknown = target;
  for (const token of tokens.slice(0, -1)) {
    if (isObject(parent)) {
      if (!Object.hasOwn(parent, token)) parent[token] = {};
      parent = parent[token];
    } else if (Array.isArray(parent) && /^\d+$/.test(token) && Number(token) < parent.length) {
      parent = parent[Number(token)];
    } else {
      return; // Git's object has another shape there; what Git says is applied.
    }
  }
  const last = tokens[tokens.length - 1];
  if (isObject(parent)) parent[last] = structuredClone(found.value);
  else if (Array.isArray(parent) && /^\d+$/.test(last) && Number(last) < parent.length) {
    parent[Number(last)] = structuredClone(found.value);
  }
}

function valueAt(document: unknown, tokens: readonly string[]): { present: boolean; value?: unknown } {
  let node: unknown = document;
  for (const token of tokens) {
    if (isObject(node) && Object.hasOwn(node, token)) node = node[token];
    else if (Array.isArray(node) && /^\d+$/.test(token) && Number(token) < node.length)
      node = node[Number(token)];
    else return { present: false };
  }
  return { present: true, value: node };
}

/**
 * Sets in `target`, from `live`, every field a manager's fieldsV1 tree owns. A list Git does not
 * declare is left out (adding it would claim the whole list); a list item Git does not declare is
 * added only when it is found by key or value, as server-side apply merges those.
 */
function keepOwnedFields(live: unknown, target: unknown, tree: JsonObject): void {
  if (isObject(live) && isObject(target)) keepInMap(live, target, tree);
  else if (Array.isArray(live) && Array.isArray(target)) keepInList(live, target, tree);
}

function keepInMap(live: JsonObject, target: JsonObject, tree: JsonObject): void {
  for (const [path, sub] of Object.entries(tree)) {
    if (!path.startsWith('f:') || !isObject(sub)) continue;
    const name = path.slice(2);
    if (!Object.hasOwn(live, name) || SERVER_WRITTEN.has(name)) continue;
    const value = live[name];
    if (Object.keys(sub).length === 0 || (isLeaf(sub) && !isObject(value))) {
      target[name] = structuredClone(value);
    } else if (isObject(value)) {
      if (!isObject(target[name])) target[name] = {};
      keepOwnedFields(value, target[name], sub);
    } else if (Array.isArray(value) && Array.isArray(target[name])) {
      keepOwnedFields(value, target[name], sub);
    }
  }
}

function keepInList(live: unknown[], target: unknown[], tree: JsonObject): void {
  for (const [path, sub] of Object.entries(tree)) {
    if (!isObject(sub)) continue;
    const from = itemIndex(live, path);
    if (from < 0) continue;
    const at = itemIndex(target, path);
    const whole = Object.hasOwn(sub, '.') || isLeaf(sub);
    if (at >= 0) {
      if (whole) target[at] = structuredClone(live[from]);
      else keepOwnedFields(live[from], target[at], sub);
    } else if (!path.startsWith('i:')) {
      target.push(structuredClone(live[from]));
    }
  }
}
