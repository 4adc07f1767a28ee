// Reads of an Application's live objects in its destination cluster, for the resource tree, the
// manifests and the events endpoints. Objects come from the server's own per-cluster caches
// (list + watch), so repeated looks at a busy app cost no API calls.
import type { Destination } from '../adapters/control-plane/destination-registry.ts';
import { DestinationNotFoundError } from '../adapters/control-plane/destination-registry.ts';
import { formatKey, type ResourceKey, versionOf } from '../core/manifest/key.ts';
import type { KubeObject } from '../core/manifest/object.ts';
import { type Application, withDefaults } from '../core/model/application.ts';
import type { ResourceStatus } from '../core/model/application-status.ts';
import { kubeGet, type ServerContext } from './context.ts';
import { HttpError, notFound } from './http-error.ts';
import { buildResourceTree, childKindsOf, type TreeNode } from './resource-tree.ts';

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

export async function resourceTree(ctx: ServerContext, app: Application): Promise<TreeNode[]> {
  const managed: ResourceStatus[] = app.status?.resources ?? [];
  if (managed.length === 0) return [];
  const destination = await destinationOf(ctx, app);
  const entries = await Promise.all(
    managed.map(async (status) => ({ status, live: await liveObject(destination, status) })),
  );
  const namespaces = new Set(managed.map((r) => r.namespace ?? ''));
  const candidates: KubeObject[] = [];
  for (const child of childKindsOf(managed)) {
    if (!(await watched(destination, child.apiVersion, child.kind))) continue;
    for (const namespace of namespaces) {
      if (namespace) candidates.push(...destination.cache.listKind(child.apiVersion, child.kind, namespace));
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
 * Kubernetes Events about the app's objects (managed ones and their children, matched by uid or
 * by kind and name) in the namespaces they live in, and about the Application itself.
 */
export async function applicationEvents(ctx: ServerContext, app: Application): Promise<KubeObject[]> {
  const nodes = await resourceTree(ctx, app).catch(() => [] as TreeNode[]);
  const uids = new Set(nodes.flatMap((n) => (n.uid ? [n.uid] : [])));
  const names = new Set(nodes.map((n) => `${n.kind}/${n.namespace}/${n.name}`));
  const namespaces = new Set(nodes.map((n) => n.namespace).filter((ns) => ns !== ''));
  const destinationNamespace = app.spec.destination?.namespace;
  if (destinationNamespace) namespaces.add(destinationNamespace);
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
        if ((about.uid && uids.has(about.uid)) || names.has(key)) events.push(event);
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
 * The live and desired manifests of one object of the app: a managed one, one Git has and the
 * cluster may not, or a child in its resource tree. Any other object is a 404: this endpoint
 * must not read arbitrary objects of the cluster.
 */
export async function appManifests(
  ctx: ServerContext,
  app: Application,
  key: ResourceKey,
): Promise<{ live?: KubeObject; desired?: KubeObject }> {
  const id = formatKey(key);
  const rendered = await ctx.renderer.desired(app).catch(() => undefined);
  const desired = rendered?.objects.find((o) => o.id === id)?.object;
  const managed = (app.status?.resources ?? []).find(
    (r) =>
      formatKey({ group: r.group ?? '', kind: r.kind, namespace: r.namespace ?? '', name: r.name }) === id,
  );
  let ref: Parameters<typeof liveObject>[1] | undefined =
    managed ?? (desired ? { ...key, version: versionOf(desired.apiVersion) } : undefined);
  ref ??= (await resourceTree(ctx, app)).find((node) => formatKey(node) === id);
  if (!ref) {
    const where = key.namespace ? `${key.namespace}/` : '';
    throw notFound(`${key.kind} ${where}${key.name} is not a resource of application "${app.metadata.name}"`);
  }
  const live = await liveObject(await destinationOf(ctx, app), ref);
  return { live, desired };
}
