import { hookPhasesOf, syncOptionsOf, syncWaveOf } from '../../core/manifest/annotations.ts';
import { formatKey, keyOf } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { type Ownership, ownershipOf } from '../../core/manifest/tracking.ts';
import type { Application, ResolvedApplication } from '../../core/model/application.ts';
import type { Operation } from '../../core/model/application-status.ts';
import {
  type DesiredResource,
  type LiveResource,
  parseSyncOptions,
  type SyncInput,
} from '../../core/sync/index.ts';
import { sharedKeys } from '../../core/sync/shared-resources.ts';
import type { Comparison } from '../../domain/comparison/compare.ts';
import type { DesiredObject } from '../../domain/comparison/desired-state.ts';

/**
 * How long the comparison's server-side dry run of an object counts as the sync's validation of
 * it. The reconcile that starts a sync compares just before (milliseconds); a verdict kept from
 * earlier (the same desired object, the live object at the same resourceVersion) counts only
 * while it is this fresh, so a policy or webhook changed since is asked again.
 */
export const DRY_RUN_REUSE_MS = 60_000;

/**
 * Builds the sync engine's input from what the reconcile found: desired objects with their
 * annotations read, the live objects the app tracks with their comparison verdict, the options
 * of the Application and of the requested operation merged, who owns the objects found at the
 * desired keys, and which of the app's objects the other Applications (`apps`) render too.
 */
export function syncInputOf(
  operationId: string,
  app: ResolvedApplication,
  operation: Operation,
  desired: DesiredObject[],
  tracked: KubeObject[],
  comparison: Comparison,
  namespaceExists: boolean,
  apps: readonly Application[] = [],
  now = Date.now(),
): SyncInput {
  const outOfSync = new Set(comparison.resources.filter((r) => r.status !== 'Synced').map((r) => r.id));
  const desiredResources: DesiredResource[] = desired.map((item) => ({
    // A hook known only by generateName gets a key of its own so that two such hooks differ.
    key: item.key.name ? item.id : `${item.id}${item.object.metadata.generateName ?? ''}`,
    object: item.object,
    hookTypes: item.hookPhases,
    wave: item.wave,
    deletePolicies: item.deletePolicies,
    syncOptions: parseSyncOptions(item.syncOptions).options,
  }));
  const live: LiveResource[] = tracked.map((object) => {
    const key = formatKey(keyOf(object));
    return {
      key,
      object,
      outOfSync: outOfSync.has(key),
      wave: syncWaveOf(object),
      syncOptions: parseSyncOptions(syncOptionsOf(object)).options,
      isHook: hookPhasesOf(object).length > 0,
    };
  });
  const appOptions = [...(app.spec.syncPolicy?.syncOptions ?? []), ...(operation.sync.syncOptions ?? [])];
  const automated = app.spec.syncPolicy?.automated;
  const selected = operation.sync.resources?.map((ref) =>
    formatKey({ group: ref.group ?? '', kind: ref.kind, namespace: ref.namespace ?? '', name: ref.name }),
  );
  const owners: Record<string, Ownership> = {};
  for (const r of comparison.resources) {
    if (r.desired && r.live) owners[r.id] = ownershipOf(r.live, app.metadata.name);
  }
  const prevalidated = comparison.resources
    .filter(
      (r) => r.desired && r.live && r.acceptedAt !== undefined && now - r.acceptedAt <= DRY_RUN_REUSE_MS,
    )
    .map((r) => r.id);
  const input: SyncInput = {
    operationId,
    appName: app.metadata.name,
    owners,
    sharedWith: sharedKeys(app, [...desiredResources.map((d) => d.key), ...live.map((l) => l.key)], apps),
    desired: desiredResources,
    live,
    options: parseSyncOptions(appOptions).options,
    ignoreDifferences: app.spec.ignoreDifferences ?? [],
    prune: operation.sync.prune ?? (operation.initiatedBy?.automated ? (automated?.prune ?? false) : false),
    allowEmpty: automated?.allowEmpty ?? false,
    dryRun: operation.sync.dryRun ?? false,
  };
  if (selected && selected.length > 0) input.selected = selected;
  if (prevalidated.length > 0) input.prevalidated = prevalidated;
  const namespace = app.spec.destination.namespace;
  if (namespace) input.destinationNamespace = { name: namespace, exists: namespaceExists };
  return input;
}
