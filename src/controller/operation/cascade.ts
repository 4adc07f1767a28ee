import type { ClusterClient } from '../../adapters/kube/cluster-client.ts';
import { formatKey, keyOf } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import type { Application } from '../../core/model/application.ts';
import { claimsOfOthers, listedKeys } from '../../core/sync/shared-resources.ts';
import { cascadeTargets, sharedWith } from '../../core/sync/sharing.ts';
import { deleteIfOwned, OwnershipRefusedError } from './guarded-writes.ts';

/**
 * Cascade deletion of an Application's objects (its resources finalizer): deletes what it
 * tracks, its last status lists and no other app of its cluster renders (see cascadeTargets),
 * each only while the object read just before is still the app's. Returns how many objects are
 * still to go; the finalizer is removed when none is.
 */
export async function deleteApplicationObjects(
  client: ClusterClient,
  app: Application,
  tracked: readonly KubeObject[],
  apps: readonly Application[],
): Promise<{ remaining: number; kept: string[] }> {
  const name = app.metadata.name ?? '';
  const items = tracked.map((object) => ({ key: formatKey(keyOf(object)), object }));
  const shared = sharedWith(
    items.map((item) => item.key),
    claimsOfOthers(app, apps),
  );
  const { targets, kept } = cascadeTargets(items, listedKeys(app), shared);
  for (const { object } of targets) {
    if (object.metadata.deletionTimestamp) continue;
    try {
      await deleteIfOwned(client, name, object, { propagation: 'Background' });
    } catch (error) {
      // Not the app's after all (the cache was behind): left alone, like a kept object.
      if (!(error instanceof OwnershipRefusedError)) throw error;
    }
  }
  return { remaining: targets.length, kept: kept.map((k) => `${k.key}: ${k.reason}`) };
}
