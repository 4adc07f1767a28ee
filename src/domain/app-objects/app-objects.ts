// The live objects an app lets a person act on (resource actions) or read from (Pod logs): only
// objects the app tracks (its status lists them, the live object carries its tracking id) and
// its project permits, and for logs the Pods below them in the resource tree. Anything else,
// existing or not, gets the one answer a missing object gets (class 3 of docs/api.md). The API
// server and the CLI with a kubeconfig both come here, so neither can skip a check.
import type { Destination } from '../../adapters/control-plane/destination-registry.ts';
import { formatKey, type ResourceKey } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import type { Application } from '../../core/model/application.ts';
import { NotFoundError } from '../errors.ts';
import { type AppObjectsContext, destinationOf, liveObject, resourceTree } from './live-objects.ts';
import type { TreeNode } from './resource-tree.ts';
import { type Visibility, visibilityOf } from './visibility.ts';

/** The one answer for an object that is not the app's to touch, naming nothing but the app. */
export const noSuchResource = (app: Application) =>
  new NotFoundError(`no such resource in application "${app.metadata.name}"`);

export interface TrackedObject {
  destination: Destination;
  live: KubeObject;
  visibility: Visibility;
}

/** A managed object of the app, live and owned by it, that its project permits; else NotFoundError. */
export async function trackedLiveObject(
  ctx: AppObjectsContext,
  app: Application,
  key: ResourceKey,
): Promise<TrackedObject> {
  const visibility = await visibilityOf(ctx, app);
  if (!visibility.permits(key)) throw noSuchResource(app);
  const id = formatKey(key);
  const managed = (app.status?.resources ?? []).find(
    (r) =>
      formatKey({ group: r.group ?? '', kind: r.kind, namespace: r.namespace ?? '', name: r.name }) === id,
  );
  if (!managed) throw noSuchResource(app);
  const destination = await destinationOf(ctx, app);
  const live = await liveObject(destination, managed);
  if (!live || !visibility.owns(live)) throw noSuchResource(app);
  return { destination, live, visibility };
}

/**
 * The Pods of the app: those in its resource tree (below objects it owns, in namespaces its
 * project permits), or with `under`, those below that one tracked object only.
 */
export async function appPods(
  ctx: AppObjectsContext,
  app: Application,
  under?: ResourceKey,
): Promise<{ destination: Destination; pods: TreeNode[] }> {
  const visibility = await visibilityOf(ctx, app);
  const nodes = await resourceTree(ctx, app, visibility);
  let chosen = nodes;
  if (under) {
    // A tracked object, or a Pod (or ReplicaSet, Job) its tree shows.
    const root = nodes.find((n) => formatKey(n) === formatKey(under) && n.uid);
    if (!root) throw noSuchResource(app);
    const below = new Set<string>([root.uid as string]);
    // Parents come before children in no guaranteed order: repeat until nothing new is found.
    for (let grew = true; grew; ) {
      grew = false;
      for (const node of nodes) {
        if (node.uid && !below.has(node.uid) && node.parentRefs.some((p) => p.uid && below.has(p.uid))) {
          below.add(node.uid);
          grew = true;
        }
      }
    }
    chosen = nodes.filter((n) => n.uid && below.has(n.uid));
  }
  const pods = chosen.filter((n) => n.group === '' && n.kind === 'Pod' && n.uid);
  return { destination: await destinationOf(ctx, app), pods };
}
