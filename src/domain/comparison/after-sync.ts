// The live side as a sync just left it. An apply answers with the object as written; the
// destination's watch delivers the same object a moment later. Comparing right after the sync
// against the watch cache would see the old objects (and dry-run them again), so the app would
// report OutOfSync until a second reconcile. Here the applies' answers stand for those objects.
import { formatKey, keyOf, type ResourceKey } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import type { ComparisonTarget, LiveState } from './ports.ts';

/**
 * The target with `applied` (what this sync's applies returned, by resource id) in place of the
 * cache's copies. A later change of one of them (another writer, a controller adding status) has
 * a resourceVersion of its own and comes as a watch event that reconciles the app again.
 */
export function withApplied(
  target: ComparisonTarget,
  applied: ReadonlyMap<string, KubeObject>,
): ComparisonTarget {
  const live = target.cache;
  const latest = (obj: KubeObject) => applied.get(formatKey(keyOf(obj))) ?? obj;
  const cache: LiveState = {
    watch: (apiVersion, kind) => live.watch(apiVersion, kind),
    get: (key: ResourceKey) => applied.get(formatKey(key)) ?? live.get(key),
    trackedBy: (appName) => live.trackedBy(appName).map(latest),
    assertWatched: (kind, namespace) => live.assertWatched(kind, namespace),
    info: () => live.info(),
  };
  return {
    name: target.name,
    server: target.server,
    ...(target.serverVersion ? { serverVersion: target.serverVersion } : {}),
    client: target.client,
    cache,
  };
}
