// Reads of an Application's live objects in its destination cluster: one object, and the resource
// tree (its managed objects with their live state, and below them the children its workloads
// made). Objects come from the destination's cache (list + watch), so repeated looks at a busy app
// cost no API calls. Only what visibility.ts lets the app show is returned. Shared by the API
// server's views and by the operations on an app's objects (resource actions, Pod logs), which the
// CLI runs with a kubeconfig too.
import {
  type Destination,
  DestinationNotFoundError,
} from '../../adapters/control-plane/destination-registry.ts';
import { keyOf } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { type Application, withDefaults } from '../../core/model/application.ts';
import type { ResourceStatus } from '../../core/model/application-status.ts';
import type { ControlPlane } from '../control-plane.ts';
import { NotFoundError, UnavailableError } from '../errors.ts';
import { buildResourceTree, childKindsOf, type TreeNode } from './resource-tree.ts';
import { type Visibility, visibilityOf } from './visibility.ts';

/** The control cluster and a way to reach each destination cluster (the API server's registry). */
export interface AppObjectsContext extends ControlPlane {
  destinations: { get(name: string): Promise<Destination> };
}

const DESTINATION_TIMEOUT_MS = 15_000;

/** The destination cluster of an app; one that is not registered is a NotFoundError. */
export async function destinationOf(ctx: AppObjectsContext, app: Application): Promise<Destination> {
  const cluster = withDefaults(app).spec.destination.cluster;
  try {
    return await ctx.destinations.get(cluster);
  } catch (error) {
    if (error instanceof DestinationNotFoundError) throw new NotFoundError(error.message);
    throw error;
  }
}

/** Waits for a cache watch, or fails with a message naming the cluster rather than hanging. */
export async function watched(destination: Destination, apiVersion: string, kind: string): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new UnavailableError(`cluster ${destination.name} did not list ${kind} in time`)),
      DESTINATION_TIMEOUT_MS,
    );
  });
  try {
    return (await Promise.race([destination.cache.watch(apiVersion, kind), timeout])) !== undefined;
  } finally {
    clearTimeout(timer);
  }
}

const apiVersionOf = (r: { group?: string; version?: string }) =>
  r.group ? `${r.group}/${r.version ?? 'v1'}` : (r.version ?? 'v1');

/** The live object of one resource of the app, or undefined when it does not exist. */
export async function liveObject(
  destination: Destination,
  ref: { group?: string; version?: string; kind: string; namespace?: string; name: string },
): Promise<KubeObject | undefined> {
  if (!(await watched(destination, apiVersionOf(ref), ref.kind))) return undefined;
  return destination.cache.get({
    group: ref.group ?? '',
    kind: ref.kind,
    namespace: ref.namespace ?? '',
    name: ref.name,
  });
}

/**
 * The app's managed objects its project permits, with their live state when the live object is
 * the app's own, and below them the permitted children of those live objects.
 */
export async function resourceTree(
  ctx: AppObjectsContext,
  app: Application,
  visibility?: Visibility,
): Promise<TreeNode[]> {
  const rules = visibility ?? (await visibilityOf(ctx, app));
  const managed: ResourceStatus[] = (app.status?.resources ?? []).filter((r) =>
    rules.permits({ group: r.group ?? '', kind: r.kind, namespace: r.namespace ?? '', name: r.name }),
  );
  if (managed.length === 0) return [];
  const destination = await destinationOf(ctx, app);
  const entries = await Promise.all(
    managed.map(async (status) => {
      const live = await liveObject(destination, status);
      // An object of that name the app does not own (another app's, nobody's): not shown.
      return { status, live: live && rules.owns(live) ? live : undefined };
    }),
  );
  const namespaces = new Set(managed.map((r) => r.namespace ?? ''));
  const candidates: KubeObject[] = [];
  for (const child of childKindsOf(managed)) {
    if (!(await watched(destination, child.apiVersion, child.kind))) continue;
    for (const namespace of namespaces) {
      if (!namespace) continue;
      for (const obj of destination.cache.listKind(child.apiVersion, child.kind, namespace)) {
        if (rules.permits(keyOf(obj))) candidates.push(obj);
      }
    }
  }
  return buildResourceTree(entries, candidates);
}
