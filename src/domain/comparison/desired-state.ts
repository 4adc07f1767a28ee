import type { ResourceInfo } from '../../adapters/kube/cluster-client.ts';
import {
  type HookDeletePolicy,
  type HookPhase,
  hookDeletePoliciesOf,
  hookPhasesOf,
  syncOptionsOf,
  syncWaveOf,
} from '../../core/manifest/annotations.ts';
import { formatKey, groupOf, keyOf, type ResourceKey } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { setTrackingId } from '../../core/manifest/tracking.ts';
import type { ComparisonTarget } from './ports.ts';

/** One rendered object, ready to compare and sync: namespaced, tracked, annotations read. */
export interface DesiredObject {
  key: ResourceKey;
  id: string;
  object: KubeObject;
  hookPhases: HookPhase[];
  wave: number;
  deletePolicies: HookDeletePolicy[];
  syncOptions: Record<string, string>;
  /** Undefined when the cluster does not serve the kind (yet: its CRD may be in this sync). */
  info: ResourceInfo | undefined;
  /** The scope the object was completed with: from discovery, a CRD of the render, else namespaced. */
  namespaced: boolean;
}

export class DuplicateResourceError extends Error {
  override name = 'DuplicateResourceError';
  readonly terminal = true;
}

/**
 * Completes rendered objects the way `kubectl apply -n NS` would: namespaced kinds without a
 * namespace get the destination's, cluster-scoped kinds lose a stray one. Each gets the tracking
 * annotation naming the Application. Kinds are looked up by discovery; a kind defined by a CRD
 * of the same render takes its scope from that CRD.
 */
export async function prepareDesired(
  rendered: KubeObject[],
  appName: string,
  destinationNamespace: string | undefined,
  destination: ComparisonTarget,
): Promise<DesiredObject[]> {
  const crdScopes = scopesFromCrds(rendered);
  const infos = new Map<string, Promise<ResourceInfo | undefined>>();
  const seen = new Map<string, number>();
  const result: DesiredObject[] = [];
  for (const [index, original] of rendered.entries()) {
    const typeId = `${original.apiVersion}/${original.kind}`;
    if (!infos.has(typeId)) infos.set(typeId, destination.cache.watch(original.apiVersion, original.kind));
    const info = await infos.get(typeId);
    const namespaced =
      info?.namespaced ?? crdScopes.get(`${groupOf(original.apiVersion)}/${original.kind}`) ?? true;
    const object = structuredClone(original);
    if (namespaced && !object.metadata.namespace && destinationNamespace) {
      object.metadata.namespace = destinationNamespace;
    }
    if (!namespaced) delete object.metadata.namespace;
    // Namespaced mode: an object in a namespace the controller does not watch would look missing
    // forever; it is refused by name instead.
    if (namespaced) destination.cache.assertWatched(object.kind, object.metadata.namespace ?? 'default');
    const hookPhases = hookPhasesOf(object);
    const key = keyOf(object);
    const id = formatKey(key);
    if (key.name !== '') {
      const previous = seen.get(id);
      if (previous !== undefined) {
        throw new DuplicateResourceError(
          `the manifests define ${object.kind} ${key.namespace ? `${key.namespace}/` : ''}${key.name} twice (objects ${previous + 1} and ${index + 1})`,
        );
      }
      seen.set(id, index);
    }
    result.push({
      key,
      id,
      object: key.name === '' ? object : setTrackingId(object, appName),
      hookPhases,
      wave: syncWaveOf(object),
      deletePolicies: hookDeletePoliciesOf(object),
      syncOptions: syncOptionsOf(object),
      info,
      namespaced,
    });
  }
  return result;
}

function scopesFromCrds(objects: KubeObject[]): Map<string, boolean> {
  const scopes = new Map<string, boolean>();
  for (const obj of objects) {
    if (obj.kind !== 'CustomResourceDefinition') continue;
    const spec = obj.spec as { group?: string; names?: { kind?: string }; scope?: string } | undefined;
    if (spec?.group && spec.names?.kind)
      scopes.set(`${spec.group}/${spec.names.kind}`, spec.scope !== 'Cluster');
  }
  return scopes;
}

/**
 * Watches the kinds the app had in the cluster at its last reconcile, so that objects of a kind
 * Git no longer has are still found (and pruned) after a controller restart.
 */
export async function watchPreviousKinds(
  destination: ComparisonTarget,
  resources: readonly { group?: string; version?: string; kind: string }[] | undefined,
): Promise<void> {
  const kinds = new Set(
    (resources ?? []).map((r) => `${r.group ? `${r.group}/` : ''}${r.version ?? 'v1'}\u0000${r.kind}`),
  );
  await Promise.all(
    [...kinds].map((id) => {
      const [apiVersion, kind] = id.split('\u0000');
      return destination.cache.watch(apiVersion, kind).catch(() => undefined);
    }),
  );
}
