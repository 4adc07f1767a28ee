// What Tiphys applies of an action's result: the difference between the object as it was and as
// the action returned it, as JSON merge patches (one for the object, one for its status
// subresource). An action may change only its own object: never which object it is (apiVersion,
// kind, name, namespace, uid), nor the tracking id that says which app owns it. It may create new
// objects (Argo CD's `create` operation) in its object's namespace only; the caller checks the
// project and that the kind is namespaced before anything is applied.

import type { KubeObject } from '../manifest/object.ts';
import { trackingIdAnnotation } from '../manifest/tracking.ts';
import { ActionScriptError } from './types.ts';

type Fields = Record<string, unknown>;
const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export interface ActionChange {
  /** New objects to create (Argo CD's `create` operation), checked by createdObject. */
  creates?: KubeObject[];
  /** Merge patch of everything but status, pinned to the resourceVersion read; undefined: no change. */
  patch?: Fields;
  /** Merge patch of the status subresource; undefined: no change. */
  statusPatch?: Fields;
}

/** Fields the API server owns: whatever a script does to them is ignored. */
const SERVER_METADATA = ['resourceVersion', 'managedFields', 'creationTimestamp', 'generation', 'selfLink'];

/**
 * A Lua table without entries reads as `{}`; where the object had a list, it was a list (Lua
 * cannot tell an empty list from an empty map).
 */
export function alignEmptyTables(original: unknown, returned: unknown): unknown {
  if (Array.isArray(original) && isFields(returned) && Object.keys(returned).length === 0) return [];
  if (Array.isArray(original) && Array.isArray(returned)) {
    return returned.map((item, index) => alignEmptyTables(original[index], item));
  }
  if (isFields(original) && isFields(returned)) {
    return Object.fromEntries(
      Object.entries(returned).map(([key, value]) => [key, alignEmptyTables(original[key], value)]),
    );
  }
  return returned;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isFields(a) && isFields(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** RFC 7386: the patch that turns `from` into `to` (lists are replaced whole). */
export function mergePatchBetween(from: Fields, to: Fields): Fields {
  const patch: Fields = {};
  for (const key of Object.keys(from)) if (!(key in to)) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    const before = from[key];
    if (deepEqual(before, value)) continue;
    if (isFields(before) && isFields(value)) {
      const inner = mergePatchBetween(before, value);
      if (Object.keys(inner).length > 0) patch[key] = inner;
    } else patch[key] = value;
  }
  return patch;
}

const where = (obj: KubeObject) =>
  `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;

/** At most this many objects one action may create. */
export const MAX_CREATES = 10;

/**
 * What an action returned: the object itself (Argo CD's first contract), or a list of operations
 * (its newer one): at most one `patch` of this object and `create`s of new objects.
 */
function returnedOperations(
  original: KubeObject,
  returned: unknown,
): { patched: unknown; created: unknown[] } {
  if (!Array.isArray(returned)) return { patched: returned, created: [] };
  const patches: unknown[] = [];
  const created: unknown[] = [];
  for (const entry of returned) {
    const operation = isFields(entry) ? entry.operation : undefined;
    if (operation === 'patch') patches.push((entry as Fields).resource);
    else if (operation === 'create') created.push((entry as Fields).resource);
    else {
      throw new ActionScriptError(
        `the action asked to ${JSON.stringify(operation ?? null)} an object; only "patch" and "create" are supported`,
      );
    }
  }
  if (patches.length > 1) {
    throw new ActionScriptError(
      `the action returned ${patches.length} patches; only one, of ${where(original)}, is supported`,
    );
  }
  if (created.length > MAX_CREATES) {
    throw new ActionScriptError(
      `the action creates ${created.length} objects; at most ${MAX_CREATES} are allowed`,
    );
  }
  if (patches.length === 0 && created.length === 0)
    throw new ActionScriptError('the action returned no operation');
  return { patched: patches.length === 1 ? patches[0] : original, created };
}

/**
 * A new object an action asks for, as it will be created: in the namespace of the object acted on
 * (a namespace left out is that one; another is refused), without server-owned fields, and owned
 * by no app (a tracking id would make an app claim, and prune, what Git never had).
 */
export function createdObject(original: KubeObject, value: unknown): KubeObject {
  if (
    !isFields(value) ||
    !isFields(value.metadata) ||
    typeof value.apiVersion !== 'string' ||
    typeof value.kind !== 'string'
  ) {
    throw new ActionScriptError('an object to create must be a table with apiVersion, kind and metadata');
  }
  const metadata = { ...value.metadata } as Fields;
  const label = `${value.kind} ${String(metadata.name ?? metadata.generateName ?? '')}`;
  if (typeof metadata.name !== 'string' && typeof metadata.generateName !== 'string') {
    throw new ActionScriptError(`the object to create (${value.kind}) has no metadata.name or generateName`);
  }
  const namespace = original.metadata.namespace;
  if (!namespace) {
    throw new ActionScriptError(
      `${where(original)} is cluster-scoped: an action on it may not create objects`,
    );
  }
  if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
    throw new ActionScriptError(
      `the action would create ${label} in namespace ${JSON.stringify(metadata.namespace)}; an action creates only in the namespace of ${where(original)} (${namespace})`,
    );
  }
  const annotations = isFields(metadata.annotations) ? metadata.annotations : {};
  if (trackingIdAnnotation in annotations) {
    throw new ActionScriptError(
      `the object to create (${label}) carries ${trackingIdAnnotation}: an action may not make an app own it`,
    );
  }
  for (const field of [...SERVER_METADATA, 'uid']) delete metadata[field];
  const { status: _status, ...rest } = value;
  return { ...rest, metadata: { ...metadata, namespace } } as KubeObject;
}

const IDENTITY: [string, (obj: Fields) => unknown][] = [
  ['apiVersion', (o) => o.apiVersion],
  ['kind', (o) => o.kind],
  ['metadata.name', (o) => (o.metadata as Fields | undefined)?.name],
  ['metadata.namespace', (o) => (o.metadata as Fields | undefined)?.namespace],
  ['metadata.uid', (o) => (o.metadata as Fields | undefined)?.uid],
  [
    `metadata.annotations["${trackingIdAnnotation}"]`,
    (o) => ((o.metadata as Fields | undefined)?.annotations as Fields | undefined)?.[trackingIdAnnotation],
  ],
];

/**
 * The patches that make `original` what the action returned, or an ActionScriptError naming
 * what is wrong (nothing is applied then).
 */
export function actionChange(original: KubeObject, returnedValue: unknown): ActionChange {
  const { patched: raw, created } = returnedOperations(original, returnedValue);
  if (!isFields(raw) || !isFields(raw.metadata)) {
    throw new ActionScriptError(
      `the action must return the changed object (a table with apiVersion, kind and metadata), not ${Array.isArray(raw) ? 'a list' : raw === null || raw === undefined ? 'nil' : `a ${typeof raw}`}`,
    );
  }
  const returned = alignEmptyTables(original, raw) as Fields;
  for (const [field, read] of IDENTITY) {
    const before = read(original as Fields);
    const after = read(returned);
    if (before !== after && !(field === 'metadata.uid' && after === undefined)) {
      throw new ActionScriptError(
        `the action changed ${field} of ${where(original)} (from ${JSON.stringify(before ?? null)} to ${JSON.stringify(after ?? null)}); an action may change only the object itself, never which object it is or who owns it`,
      );
    }
  }
  const strip = (obj: Fields) => {
    const { status: _status, ...rest } = obj;
    const metadata = { ...(obj.metadata as Fields) };
    for (const field of [...SERVER_METADATA, 'uid']) delete metadata[field];
    return { ...rest, metadata };
  };
  const body = mergePatchBetween(strip(original as Fields), strip(returned));
  const change: ActionChange = {};
  const resourceVersion = original.metadata.resourceVersion;
  if (Object.keys(body).length > 0) {
    // Pinned to the version read: a change made meanwhile makes the API server answer 409.
    change.patch = { ...body, metadata: { ...((body.metadata as Fields) ?? {}), resourceVersion } };
  }
  const statusBefore = isFields(original.status) ? original.status : {};
  const statusAfter = isFields(returned.status) ? returned.status : {};
  const status = mergePatchBetween(statusBefore, statusAfter);
  if (Object.keys(status).length > 0) change.statusPatch = { status, metadata: { resourceVersion } };
  if (created.length > 0) change.creates = created.map((value) => createdObject(original, value));
  return change;
}
