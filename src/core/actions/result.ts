// What Tiphys applies of an action's result: the difference between the object as it was and as
// the action returned it, as JSON merge patches (one for the object, one for its status
// subresource). An action may change only its own object: never which object it is (apiVersion,
// kind, name, namespace, uid), nor the tracking id that says which app owns it.

import type { KubeObject } from '../manifest/object.ts';
import { trackingIdAnnotation } from '../manifest/tracking.ts';
import { ActionScriptError } from './types.ts';

type Fields = Record<string, unknown>;
const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export interface ActionChange {
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

/**
 * The object an action returned: the object itself (Argo CD's first contract), or a list of
 * `{operation = "patch", resource = obj}` (its newer one) naming this object only.
 */
function returnedObject(original: KubeObject, returned: unknown): unknown {
  if (!Array.isArray(returned)) return returned;
  if (returned.length !== 1) {
    throw new ActionScriptError(
      `the action returned ${returned.length} operations; only one patch of ${where(original)} is supported`,
    );
  }
  const [entry] = returned;
  const operation = isFields(entry) ? entry.operation : undefined;
  if (operation !== 'patch') {
    throw new ActionScriptError(
      `the action asked to ${JSON.stringify(operation ?? null)} an object; only "patch" is supported`,
    );
  }
  return (entry as Fields).resource;
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
  const raw = returnedObject(original, returnedValue);
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
  return change;
}
