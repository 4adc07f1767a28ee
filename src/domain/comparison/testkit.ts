// For tests of the comparison and the sync input: a desired object as the render gives a plain
// manifest (no hook, wave 0, namespaced).
import { formatKey, keyOf } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import type { DesiredObject } from './desired-state.ts';

export function plainDesired(object: KubeObject, syncOptions: Record<string, string> = {}): DesiredObject {
  const key = keyOf(object);
  return {
    key,
    id: formatKey(key),
    object,
    hookPhases: [],
    wave: 0,
    deletePolicies: [],
    syncOptions,
    info: undefined,
    namespaced: true,
  };
}
