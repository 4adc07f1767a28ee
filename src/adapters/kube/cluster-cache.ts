import {
  type Informer,
  type KubernetesObject,
  makeInformer,
  type ObjectCache,
} from '@kubernetes/client-node';
import { groupOf as groupOfVersion, keyOf, type ResourceKey, sameKey } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { trackingIdOf } from '../../core/manifest/tracking.ts';
import type { ClusterClient, ResourceInfo } from './cluster-client.ts';

export type CacheEventType = 'add' | 'update' | 'delete';
export type CacheListener = (type: CacheEventType, obj: KubeObject, appName: string | undefined) => void;

interface KindWatch {
  info: ResourceInfo;
  informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  synced: Promise<void>;
  restartTimer?: NodeJS.Timeout;
  failures: number;
  /** Why the last list or watch failed; cleared by the next successful list. */
  error?: string;
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
  private readonly client: ClusterClient;
  private readonly kinds = new Map<string, KindWatch>();
  private readonly listeners = new Set<CacheListener>();
  private stopped = false;

  constructor(client: ClusterClient) {
    this.client = client;
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
    const path = `/${info.apiVersion.includes('/') ? 'apis' : 'api'}/${info.apiVersion}/${info.plural}`;
    // Raw JSON lists (items completed with apiVersion and kind), like the watch events.
    const listFn = async () => {
      const list = await this.client.list(info);
      watch.error = undefined;
      return list as unknown as Awaited<ReturnType<Parameters<typeof makeInformer>[2]>>;
    };
    const informer = makeInformer(this.client.kubeConfig, path, listFn);
    let markSynced: () => void = () => {};
    const synced = new Promise<void>((resolve) => {
      markSynced = resolve;
    });
    const watch: KindWatch = { info, informer, synced, failures: 0 };
    const emit = (type: CacheEventType) => (obj: KubernetesObject) => {
      const full = { ...obj, apiVersion: info.apiVersion, kind: info.kind } as KubeObject;
      const app = trackingAppOf(full);
      for (const listener of this.listeners) listener(type, full, app);
    };
    informer.on('add', emit('add'));
    informer.on('update', emit('update'));
    informer.on('delete', emit('delete'));
    informer.on('connect', () => {
      watch.failures = 0;
    });
    informer.on('error', (error: unknown) => {
      watch.error = error instanceof Error ? error.message : String(error);
      // The informer stops on errors other than an expired watch; start it again with backoff,
      // so a cluster that was unreachable resumes by itself.
      if (this.stopped) return;
      const delay = Math.min(RESTART_BASE_MS * 2 ** watch.failures++, RESTART_MAX_MS);
      watch.restartTimer = setTimeout(() => {
        informer.start().then(markSynced, () => {});
      }, delay);
    });
    informer.start().then(
      () => markSynced(),
      () => {},
    );
    return watch;
  }

  /** The cached object with this key, whatever API version of its group is watched. */
  get(key: ResourceKey): KubeObject | undefined {
    for (const watch of this.kinds.values()) {
      if (watch.info.kind !== key.kind || groupOfVersion(watch.info.apiVersion) !== key.group) continue;
      const obj = watch.informer.get(key.name, watch.info.namespaced ? key.namespace : undefined);
      if (obj) return { ...obj, apiVersion: watch.info.apiVersion, kind: watch.info.kind } as KubeObject;
    }
    return undefined;
  }

  /** Every cached object tracked by the Application `appName`. */
  trackedBy(appName: string): KubeObject[] {
    const found: KubeObject[] = [];
    for (const watch of this.kinds.values()) {
      for (const obj of watch.informer.list()) {
        const full = { ...obj, apiVersion: watch.info.apiVersion, kind: watch.info.kind } as KubeObject;
        if (trackingAppOf(full) === appName) found.push(full);
      }
    }
    return found;
  }

  /** Objects of a kind, optionally in one namespace (children for the resource tree). */
  listKind(apiVersion: string, kind: string, namespace?: string): KubeObject[] {
    const watch = this.kinds.get(`${apiVersion}/${kind}`);
    if (!watch) return [];
    return watch.informer
      .list(namespace)
      .map((obj) => ({ ...obj, apiVersion: watch.info.apiVersion, kind: watch.info.kind }) as KubeObject);
  }

  info(): { kinds: number; objects: number; lastError?: string } {
    let objects = 0;
    let lastError: string | undefined;
    for (const watch of this.kinds.values()) {
      objects += watch.informer.list().length;
      lastError ??= watch.error;
    }
    return { kinds: this.kinds.size, objects, lastError };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const watch of this.kinds.values()) {
      clearTimeout(watch.restartTimer);
      await watch.informer.stop().catch(() => {});
    }
    this.kinds.clear();
  }
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
