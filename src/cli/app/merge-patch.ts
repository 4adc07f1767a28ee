// JSON merge patch (RFC 7386) between two versions of a document: `app set` edits a copy of the
// spec and sends only what changed, so fields the command did not touch are never overwritten.
import { isDeepStrictEqual } from 'node:util';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The merge patch that turns `from` into `to`: changed keys with their new value, removed keys as
 * null, nested objects recursively. Arrays are replaced whole, as merge patch defines them.
 * Undefined values count as absent. Returns undefined when nothing changed.
 */
export function mergePatch(from: unknown, to: unknown): Json | undefined {
  if (!isObject(from) || !isObject(to)) {
    return isDeepStrictEqual(from, to) ? undefined : (structuredClone(to) as Json);
  }
  const patch: Record<string, Json> = {};
  for (const [key, value] of Object.entries(to)) {
    if (value === undefined) continue;
    if (from[key] === undefined) patch[key] = structuredClone(value) as Json;
    else {
      const change = mergePatch(from[key], value);
      if (change !== undefined) patch[key] = change;
    }
  }
  for (const [key, value] of Object.entries(from)) {
    if (value !== undefined && to[key] === undefined) patch[key] = null;
  }
  return Object.keys(patch).length === 0 ? undefined : patch;
}

/**
 * `patch` applied to `target` (RFC 7386): null removes a key, objects merge, the rest replaces.
 * For the API server, which takes whole specs: `app set` through it applies its patch locally.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
