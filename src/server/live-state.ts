// The events and manifests endpoints' reads of an Application's live objects, on top of the
// domain's live objects (src/domain/app-objects): only what the app may show is served; anything
// else answers as a missing object does.
import { formatKey, type ResourceKey, versionOf } from '../core/manifest/key.ts';
import type { KubeObject } from '../core/manifest/object.ts';
import type { Application } from '../core/model/application.ts';
import { destinationOf, liveObject, resourceTree } from '../domain/app-objects/live-objects.ts';
import type { TreeNode } from '../domain/app-objects/resource-tree.ts';
import { visibilityOf } from '../domain/app-objects/visibility.ts';
import { ProjectViolationError } from '../domain/comparison/errors.ts';
import { kubeGet, type ServerContext } from './context.ts';
import { notFound } from './http-error.ts';

interface KubeEvent extends KubeObject {
  involvedObject?: { uid?: string; kind?: string; name?: string; namespace?: string };
  lastTimestamp?: string;
  eventTime?: string;
}

/**
 * Kubernetes Events about the app's objects (those its resource tree shows, matched by uid, or by
 * kind and name for an event that names no uid) in the namespaces they live in, and about the
 * Application itself. An event about another object of the same name (not the app's) has another
 * uid and is not shown.
 */
export async function applicationEvents(ctx: ServerContext, app: Application): Promise<KubeObject[]> {
  const nodes = await resourceTree(ctx, app).catch(() => [] as TreeNode[]);
  const uids = new Set(nodes.flatMap((n) => (n.uid ? [n.uid] : [])));
  const names = new Set(nodes.map((n) => `${n.kind}/${n.namespace}/${n.name}`));
  const namespaces = new Set(nodes.map((n) => n.namespace).filter((ns) => ns !== ''));
  const events: KubeEvent[] = [];
  if (namespaces.size > 0) {
    const destination = await destinationOf(ctx, app);
    for (const namespace of namespaces) {
      const list = await destination.client.rest.request<{ items: KubeEvent[] }>(
        'GET',
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      );
      for (const event of list.items) {
        const about = event.involvedObject ?? {};
        const key = `${about.kind}/${about.namespace ?? ''}/${about.name}`;
        if (about.uid ? uids.has(about.uid) : names.has(key)) events.push(event);
      }
    }
  }
  const own = await kubeGet<{ items: KubeEvent[] }>(
    ctx,
    `/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/events`,
    { fieldSelector: `involvedObject.kind=Application,involvedObject.name=${app.metadata.name}` },
  );
  events.push(...own.items);
  const time = (e: KubeEvent) => e.lastTimestamp ?? e.eventTime ?? '';
  return events.sort((a, b) => (time(a) < time(b) ? -1 : time(a) > time(b) ? 1 : 0));
}

/**
 * The live and desired manifests of one object of the app: one Git has (the project permitting
 * it), or a live one the app owns, or a child in its resource tree. Any other object, existing or
 * not, gets the same 404: this endpoint must neither read nor reveal other objects of the cluster.
 */
export async function appManifests(
  ctx: ServerContext,
  app: Application,
  key: ResourceKey,
): Promise<{ live?: KubeObject; desired?: KubeObject }> {
  const id = formatKey(key);
  // One answer for every object that is not the app's to show, naming nothing but the app.
  const notHere = () => notFound(`no such resource in application "${app.metadata.name}"`);
  const visibility = await visibilityOf(ctx, app);
  if (!visibility.permits(key)) throw notHere();
  // A render that fails shows the live side alone; one the project refuses shows nothing (409).
  const rendered = await ctx.renderer.desired(app).catch((error) => {
    if ((error as { cause?: unknown }).cause instanceof ProjectViolationError) throw error;
    return undefined;
  });
  const desired = rendered?.desired.objects.find((o) => o.id === id)?.object;
  const managed = (app.status?.resources ?? []).find(
    (r) =>
      formatKey({ group: r.group ?? '', kind: r.kind, namespace: r.namespace ?? '', name: r.name }) === id,
  );
  let ref: Parameters<typeof liveObject>[1] | undefined =
    managed ?? (desired ? { ...key, version: versionOf(desired.apiVersion) } : undefined);
  // A child the tree shows hangs below a live object the app owns: it is the app's to show.
  let child = false;
  if (!ref) {
    ref = (await resourceTree(ctx, app, visibility)).find(
      (node) => formatKey(node) === id && node.parentRefs.length > 0,
    );
    child = ref !== undefined;
  }
  if (!ref) throw notHere();
  const destination = await destinationOf(ctx, app);
  const found = await liveObject(destination, ref);
  const owned = found && (child || visibility.owns(found)) ? found : undefined;
  // The cache keeps objects without their last-applied copy (core/manifest/cached-form.ts): the
  // manifest a person reads is the API server's, whole, and is checked again: the object may
  // have been replaced by one the app does not own since the cache saw it.
  const fresh = owned && (await destination.client.read(owned));
  const live = fresh && (child || visibility.owns(fresh)) ? fresh : undefined;
  if (!live && !desired) throw notHere();
  return { live, desired };
}
