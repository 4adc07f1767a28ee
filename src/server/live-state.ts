// Reads of an Application's live objects in its destination cluster, for the resource tree, the
// manifests and the events endpoints. Objects come from the server's own per-cluster caches
// (list + watch), so repeated looks at a busy app cost no API calls. Only what visibility.ts lets
// the app show is served; anything else answers as a missing object does.
import type { Destination } from '../adapters/control-plane/destination-registry.ts';
import { DestinationNotFoundError } from '../adapters/control-plane/destination-registry.ts';
import { formatKey, keyOf, type ResourceKey, versionOf } from '../core/manifest/key.ts';
import type { KubeObject } from '../core/manifest/object.ts';
import { type Application, withDefaults } from '../core/model/application.ts';
import type { ResourceStatus } from '../core/model/application-status.ts';
import { ProjectViolationError } from '../domain/comparison/errors.ts';
import { kubeGet, type ServerContext } from './context.ts';
import { HttpError, notFound } from './http-error.ts';
import { buildResourceTree, childKindsOf, type TreeNode } from './resource-tree.ts';
import { type Visibility, visibilityOf } from './visibility.ts';

const DESTINATION_TIMEOUT_MS = 15_000;

/** The destination cluster of an app; a cluster that is not registered or does not answer is a 502. */
export async function destinationOf(ctx: ServerContext, app: Application): Promise<Destination> {
  const cluster = withDefaults(app).spec.destination.cluster;
  try {
    return await ctx.destinations.get(cluster);
  } catch (error) {
    if (error instanceof DestinationNotFoundError) throw new HttpError(404, error.message);
    throw error;
  }
}

/** Waits for a cache watch, or fails with a message naming the cluster rather than hanging. */
async function watched(destination: Destination, apiVersion: string, kind: string): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HttpError(502, `cluster ${destination.name} did not list ${kind} in time`)),
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
  ctx: ServerContext,
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
  const found = await liveObject(await destinationOf(ctx, app), ref);
  const live = found && (child || visibility.owns(found)) ? found : undefined;
  if (!live && !desired) throw notHere();
  return { live, desired };
}
