// Secret values never leave Tiphys: not in diffs, API responses or logs. Keys stay visible
// (which keys exist is useful and not secret); every value becomes a row of '+'. Masks must not
// leak either: were equal values masked alike and different ones apart, whoever can put a guess
// on one side (a Git commit, a manifest) would learn from the diff whether it matched the live
// value. So every value gets the same mask, and a pair tells only that values differ somewhere.
import { deepEqual, isObject, type JsonObject } from './json.ts';
import { LAST_APPLIED_ANNOTATION } from './normalize.ts';
import type { KubeObject } from './types.ts';

export const SECRET_MASK = '++++++++';
/** Every value of the desired side when any value differs from the live one. */
export const SECRET_CHANGED_MASK = '+++++++++';

export function isSecret(obj: KubeObject | undefined): obj is KubeObject {
  return obj !== undefined && obj.kind === 'Secret' && obj.apiVersion === 'v1';
}

/** A copy of a Secret with every value of data and stringData masked; other objects as given. */
export function maskSecret(obj: KubeObject): KubeObject {
  if (!isSecret(obj)) return obj;
  return maskSecretPair(obj, undefined)[0] as KubeObject;
}

/**
 * Masks two versions of a Secret (desired, live) for a diff. Every value of the second is
 * SECRET_MASK. When no value shared by both differs, the first's are SECRET_MASK too; when any
 * does, every value of the first is SECRET_CHANGED_MASK, so the diff says "the values changed"
 * and never which: a guess at one value cannot be told apart from a change of another. Keys
 * added or removed still show as such. stringData, which the API server folds into data, is
 * folded here too so that desired and live compare alike.
 */
export function maskSecretPair(
  a: KubeObject | undefined,
  b: KubeObject | undefined,
): [KubeObject | undefined, KubeObject | undefined] {
  const values = [a, b].map((obj) => (isSecret(obj) ? secretValues(obj) : undefined));
  const [first, second] = values;
  const changed =
    first !== undefined &&
    second !== undefined &&
    Object.keys(first).some((key) => Object.hasOwn(second, key) && !deepEqual(first[key], second[key]));
  const masks = [changed ? SECRET_CHANGED_MASK : SECRET_MASK, SECRET_MASK];
  const masked = [a, b].map((obj, side) => {
    const secretData = values[side];
    if (!obj || !secretData) return obj;
    const copy = structuredClone(obj);
    delete copy.stringData;
    const data: JsonObject = {};
    for (const key of Object.keys(secretData)) data[key] = masks[side];
    if (Object.keys(data).length > 0 || Object.hasOwn(obj, 'data')) copy.data = data;
    else delete copy.data;
    // kubectl's last-applied copy of the Secret holds every value in clear.
    const annotations = copy.metadata.annotations;
    if (annotations) {
      delete annotations[LAST_APPLIED_ANNOTATION];
      if (Object.keys(annotations).length === 0) delete copy.metadata.annotations;
    }
    return copy;
  });
  return [masked[0], masked[1]];
}

/** data with stringData folded in (as base64, which is what the server stores). */
function secretValues(secret: KubeObject): JsonObject {
  const values: JsonObject = isObject(secret.data) ? { ...secret.data } : {};
  if (isObject(secret.stringData)) {
    for (const [key, value] of Object.entries(secret.stringData)) {
      values[key] = typeof value === 'string' ? Buffer.from(value, 'utf8').toString('base64') : value;
    }
  }
  return values;
}
