import type { Informer, KubernetesObject, makeInformer, ObjectCache } from '@kubernetes/client-node';
import { cachedForm } from '../../core/manifest/cached-form.ts';
import { groupOf as groupOfVersion, keyOf, type ResourceKey, sameKey } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { trackingIdOf } from '../../core/manifest/tracking.ts';
import type { ClusterClient, ResourceInfo } from './cluster-client.ts';
import { makeLongInformer } from './long-watch.ts';

export type CacheEventType = 'add' | 'update' | 'delete';
export type CacheListener = (type: CacheEventType, obj: KubeObject, appName: string | undefined) => void;

type KindInformer = Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

interface KindWatch {
  info: ResourceInfo;
  /** One informer per watched namespace ('' for the whole cluster). */
  informers: Map<string, KindInformer>;
  synced: Promise<void>;
  restartTimers: Set<NodeJS.Timeout>;
  failures: number;
  /** Why the last list or watch failed; cleared by the next successful list. */
  error?: string;
}

export interface ClusterCacheOptions {
  /**
   * Namespaced mode: watch only these namespaces (one list + watch each), and no cluster-scoped
   * kind, for a Tiphys whose RBAC reaches no further. Default: the whole cluster.
   */
  namespaces?: string[];
}

/** A kind or namespace that a namespaced-mode cache does not watch. */
export class OutsideWatchedNamespacesError extends Error {
  override name = 'OutsideWatchedNamespacesError';
}

const RESTART_BASE_MS = 500;
const RESTART_MAX_MS = 30_000;

/**
 * The live state of one cluster: for each kind Tiphys manages, a list + watch (the official
 * client's informer, which relists when a watch expires) keeps every object of that kind in
 * memory. Events name the Application that tracks the object, so a manual edit reaches exactly
 * that app's reconcile (self-heal) without polling.
 */
export class ClusterCache {
  /** The namespaces of namespaced mode; undefined when the whole cluster is watched. */
  readonly namespaces: readonly string[] | undefined;
  private readonly client: ClusterClient;
  private readonly kinds = new Map<string, KindWatch>();
  private readonly listeners = new Set<CacheListener>();
  /**
   * Every cached object by identity (watch, namespace, name) → the app its tracking id names,
   * and each app's objects: a reconcile asks for its app's objects, and scanning the whole
   * cluster for them made each reconcile cost as much as the cluster is large (3,000 objects
   * per cluster at 1,000 apps). Kept by the informers' events, relists included.
   */
  private readonly appOf = new Map<string, string | undefined>();
  private readonly byApp = new Map<string, Map<string, KubeObject>>();
  private stopped = false;

  constructor(client: ClusterClient, options: ClusterCacheOptions = {}) {
    this.client = client;
    this.namespaces = options.namespaces?.length ? [...new Set(options.namespaces)] : undefined;
  }

  /** Throws when namespaced mode does not watch this namespace (or, with none, cluster scope). */
  assertWatched(kind: string, namespace: string | undefined): void {
    if (!this.namespaces) return;
    const list = this.namespaces.join(', ');
    if (namespace === undefined) {
      throw new OutsideWatchedNamespacesError(
        `${kind} is cluster-scoped, and this Tiphys manages only namespaces ${list} (namespaced mode)`,
      );
    }
    if (!this.namespaces.includes(namespace)) {
      throw new OutsideWatchedNamespacesError(
        `namespace ${namespace} is not one this Tiphys manages (namespaced mode: ${list}); ` +
          'add it to --managed-namespaces (TIPHYS_MANAGED_NAMESPACES) and bind the tiphys-deploy role there',
      );
    }
  }

  onEvent(listener: CacheListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts watching a kind (once) and resolves when its first list is in the cache. */
  async watch(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const id = `${apiVersion}/${kind}`;
    const existing = this.kinds.get(id);
    if (existing) {
      await existing.synced;
      return existing.info;
    }
    const info = await this.client.resourceInfo(apiVersion, kind);
    if (!info) return undefined;
    if (!info.namespaced) this.assertWatched(kind, undefined);
    if (this.kinds.has(id)) return this.watch(apiVersion, kind);
    const watch = this.startInformer(info);
    this.kinds.set(id, watch);
    await watch.synced;
    return info;
  }

  isWatching(apiVersion: string, kind: string): boolean {
    return this.kinds.has(`${apiVersion}/${kind}`);
  }

  private startInformer(info: ResourceInfo): KindWatch {
    const watch: KindWatch = {
      info,
      informers: new Map(),
      synced: Promise.resolve(),
      restartTimers: new Set(),
      failures: 0,
    };
    const scopes = info.namespaced && this.namespaces ? this.namespaces : [''];
    watch.synced = Promise.all(scopes.map((namespace) => this.startScope(watch, namespace))).then(() => {});
    return watch;
  }

  /** A list + watch of one kind in one namespace ('' for all); resolves after its first list. */
  private startScope(watch: KindWatch, namespace: string): Promise<void> {
    // A reconcile that finishes after stop must not start a watch nobody stops.
    if (this.stopped) return Promise.resolve();
    const { info } = watch;
    const group = `/${info.apiVersion.includes('/') ? 'apis' : 'api'}/${info.apiVersion}`;
    const path = namespace ? `${group}/namespaces/${namespace}/${info.plural}` : `${group}/${info.plural}`;
    // Raw JSON lists (items completed with apiVersion and kind), like the watch events. What is
    // kept of each object is its cached form (no managedFields, no last-applied copy): a reader
    // that needs those reads the object from the API server (core/manifest/cached-form.ts).
    const listFn = async () => {
      const full = await this.client.list(info, namespace || undefined);
      const list = { ...full, items: full.items.map(cachedForm) };
      watch.error = undefined;
      // The backoff restarts from its base after a list that worked (the informer's 'connect'
      // fires before the list is sent, so it cannot tell a server that refuses every list).
      watch.failures = 0;
      return list as unknown as Awaited<ReturnType<Parameters<typeof makeInformer>[2]>>;
    };
    const informer = makeLongInformer(this.client.kubeConfig, path, listFn, cachedForm);
    watch.informers.set(namespace, informer);
    let markSynced: () => void = () => {};
    const synced = new Promise<void>((resolve) => {
      markSynced = resolve;
    });
    // One string for the kind, not one per event: each index key holds it (20,000 objects at
    // 1,000 apps kept as many copies of "v1/ConfigMap").
    const kindId = `${info.apiVersion}/${info.kind}`;
    const emit = (type: CacheEventType) => (obj: KubernetesObject) => {
      const full = { ...obj, apiVersion: info.apiVersion, kind: info.kind } as KubeObject;
      const app = trackingAppOf(full);
      this.index(type, kindId, full, app);
      for (const listener of this.listeners) listener(type, full, app);
    };
    informer.on('add', emit('add'));
    informer.on('update', emit('update'));
    informer.on('delete', emit('delete'));
    informer.on('error', (error: unknown) => {
      watch.error = error instanceof Error ? error.message : String(error);
      // The informer stops on errors other than an expired watch; start it again with backoff,
      // so a cluster that was unreachable resumes by itself.
      if (this.stopped) return;
      const delay = Math.min(RESTART_BASE_MS * 2 ** watch.failures++, RESTART_MAX_MS);
      const timer = setTimeout(() => {
        watch.restartTimers.delete(timer);
        informer.start().then(markSynced, () => {});
      }, delay);
      watch.restartTimers.add(timer);
    });
    informer.start().then(
      () => markSynced(),
      () => {},
    );
    return synced;
  }

  /** The cached object with this key, whatever API version of its group is watched. */
  get(key: ResourceKey): KubeObject | undefined {
    for (const watch of this.kinds.values()) {
      if (watch.info.kind !== key.kind || groupOfVersion(watch.info.apiVersion) !== key.group) continue;
      const namespace = watch.info.namespaced ? key.namespace : undefined;
      const informer = watch.informers.get(watch.informers.has('') ? '' : (namespace ?? ''));
      const obj = informer?.get(key.name, namespace);
      if (obj) return { ...obj, apiVersion: watch.info.apiVersion, kind: watch.info.kind } as KubeObject;
    }
    return undefined;
  }

  /** Keeps `appOf` and `byApp` as the informers' events leave the cache. */
  private index(type: CacheEventType, kindId: string, obj: KubeObject, app: string | undefined): void {
    const id = `${kindId}\u0000${obj.metadata.namespace ?? ''}\u0000${obj.metadata.name}`;
    const before = this.appOf.get(id);
    if (before !== undefined) {
      const objects = this.byApp.get(before);
      objects?.delete(id);
      if (objects?.size === 0) this.byApp.delete(before);
    }
    if (type === 'delete') {
      this.appOf.delete(id);
      return;
    }
    this.appOf.set(id, app);
    if (app === undefined) return;
    let objects = this.byApp.get(app);
    if (!objects) {
      objects = new Map();
      this.byApp.set(app, objects);
    }
    objects.set(id, obj);
  }

  /** Every cached object tracked by the Application `appName`. */
  trackedBy(appName: string): KubeObject[] {
    return [...(this.byApp.get(appName)?.values() ?? [])];
  }

  /** Objects of a kind, optionally in one namespace (children for the resource tree). */
  listKind(apiVersion: string, kind: string, namespace?: string): KubeObject[] {
    const watch = this.kinds.get(`${apiVersion}/${kind}`);
    if (!watch) return [];
    return objectsOf(watch, namespace).map(
      (obj) => ({ ...obj, apiVersion: watch.info.apiVersion, kind: watch.info.kind }) as KubeObject,
    );
  }

  info(): { kinds: number; objects: number; lastError?: string } {
    let lastError: string | undefined;
    for (const watch of this.kinds.values()) lastError ??= watch.error;
    return { kinds: this.kinds.size, objects: this.appOf.size, lastError };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const watch of this.kinds.values()) {
      for (const timer of watch.restartTimers) clearTimeout(timer);
      for (const informer of watch.informers.values()) await informer.stop().catch(() => {});
    }
    this.kinds.clear();
    this.appOf.clear();
    this.byApp.clear();
  }
}

/** The objects of a kind's informers, optionally of one namespace. */
function objectsOf(watch: KindWatch, namespace?: string): KubernetesObject[] {
  return [...watch.informers.values()].flatMap((informer) => informer.list(namespace));
}

/**
 * The app whose tracking id names this very object. Controllers copy annotations to what they
 * create (a Deployment's to its ReplicaSets), so an id naming another object does not count.
 */
function trackingAppOf(obj: KubeObject): string | undefined {
  if (!obj.metadata) return undefined;
  const id = trackingIdOf(obj);
  return id && sameKey(id, keyOf(obj)) ? id.app : undefined;
}
