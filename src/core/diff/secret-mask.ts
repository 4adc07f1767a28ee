// Secret values never leave Tiphys: not in diffs, API responses or logs. Keys stay visible
// (which keys changed is useful and not secret); every value becomes a row of '+'.
import { deepEqual, isObject, type JsonObject } from './json.ts';
import { LAST_APPLIED_ANNOTATION } from './normalize.ts';
import type { KubeObject } from './types.ts';

export const SECRET_MASK = '++++++++';

export function isSecret(obj: KubeObject | undefined): obj is KubeObject {
  return obj !== undefined && obj.kind === 'Secret' && obj.apiVersion === 'v1';
}

/** A copy of a Secret with every value of data and stringData masked; other objects as given. */
export function maskSecret(obj: KubeObject): KubeObject {
  if (!isSecret(obj)) return obj;
  return maskSecretPair(obj, undefined)[0] as KubeObject;
}

/**
 * Masks two versions of a Secret so that a comparison still tells which values changed: per
 * key, equal values get the same mask and different values different masks ('++++++++' and
 * '+++++++++'), and the length of a mask says nothing about the value. stringData, which the
 * API server folds into data, is folded here too so that desired and live compare alike.
 */
export function maskSecretPair(
  a: KubeObject | undefined,
  b: KubeObject | undefined,
): [KubeObject | undefined, KubeObject | undefined] {
  const values = [a, b].map((obj) => (isSecret(obj) ? secretValues(obj) : undefined));
  const masks = new Map<string, unknown[]>();
  for (const side of values) {
    for (const [key, value] of Object.entries(side ?? {})) {
      const seen = masks.get(key) ?? [];
      if (!seen.some((other) => deepEqual(other, value))) seen.push(value);
      masks.set(key, seen);
    }
  }
  const maskOf = (key: string, value: unknown) =>
    '+'.repeat(SECRET_MASK.length + (masks.get(key) ?? []).findIndex((other) => deepEqual(other, value)));
  const masked = [a, b].map((obj, side) => {
    const secretData = values[side];
    if (!obj || !secretData) return obj;
    const copy = structuredClone(obj);
    delete copy.stringData;
    const data: JsonObject = {};
    for (const [key, value] of Object.entries(secretData)) data[key] = maskOf(key, value);
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
