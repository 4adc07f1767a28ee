import type {
  Informer,
  KubeConfig,
  KubernetesObject,
  ListPromise,
  ObjectCache,
} from '@kubernetes/client-node';
import { makeLongInformer } from './long-watch.ts';
import type { KubeRest } from './rest.ts';

/** An informer's list: a GET of the collection `path` as raw JSON. */
export function listByRest(rest: KubeRest, path: string): ListPromise<KubernetesObject> {
  return () => rest.request('GET', path);
}

export type CachingInformer = Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

export interface RestartBackoff {
  /** The wait before the first restart; doubled after each failure until a list succeeds. */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RESTART_BACKOFF: RestartBackoff = { baseMs: 500, maxMs: 30_000 };

/** The wait before restart number `failures + 1`: base doubled per failure, capped. */
export function restartDelayMs(failures: number, backoff: RestartBackoff = DEFAULT_RESTART_BACKOFF): number {
  return Math.min(backoff.baseMs * 2 ** failures, backoff.maxMs);
}

export interface RestartingInformerOptions {
  backoff?: RestartBackoff;
  /** How the informer is made (tests give a fake; the default is the client's). */
  make?: (
    kc: KubeConfig,
    path: string,
    listFn: ListPromise<KubernetesObject>,
    transform?: (obj: KubernetesObject) => KubernetesObject,
  ) => CachingInformer;
  /** What the informer keeps of each object, listed or watched (the client's cache keeps it). */
  transform?: (obj: KubernetesObject) => KubernetesObject;
}

/** An informer kept running across failures; `stop` ends the restarts, then the informer. */
export interface RestartingInformer {
  readonly informer: CachingInformer;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A list + watch of `path` that keeps running. The client's informer stops for good on any
 * error other than an expired watch (the API server restarting, a dropped connection, a 403
 * while RBAC is being granted), so a store built on it would silently go stale. Each error
 * schedules a start again after a backoff. The backoff is reset by a list that succeeds, not by
 * the informer's 'connect' event: that one fires before the list is even sent, so an API server
 * that refuses every list would otherwise be retried at the base delay forever.
 */
export function restartingInformer(
  kc: KubeConfig,
  path: string,
  listFn: ListPromise<KubernetesObject>,
  options: RestartingInformerOptions = {},
): RestartingInformer {
  const backoff = options.backoff ?? DEFAULT_RESTART_BACKOFF;
  const make = options.make ?? makeLongInformer;
  let failures = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const transform = options.transform;
  const informer = make(
    kc,
    path,
    async () => {
      const list = await listFn();
      failures = 0;
      return transform ? { ...list, items: list.items.map(transform) } : list;
    },
    transform,
  );
  informer.on('error', () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(
      () => {
        timer = undefined;
        if (!stopped) informer.start().catch(() => {});
      },
      restartDelayMs(failures++, backoff),
    );
  });
  return {
    informer,
    start: () => informer.start(),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await informer.stop();
    },
  };
}
