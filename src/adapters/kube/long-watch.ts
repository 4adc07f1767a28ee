// Informers whose watches the API server ends, not the client. The client's Watch aborts a
// watch after 30 s without an event and the informer opens a new one (a new request, TLS
// handshake included): at rest every informer of the controller reconnected twice a minute, the
// bulk of its idle CPU (profiled under the peers bench, docs/performance.md). Here each watch
// asks the server to end it after 5 to 10 minutes (`timeoutSeconds`, client-go's choice) and with
// bookmarks, and the client gives up on a watch only when it stays silent a minute longer than
// that: a connection that died without a word (a partition) is still noticed, later.
import type { KubeConfig, KubernetesObject, ListPromise } from '@kubernetes/client-node';
// The modules themselves, not the package's index, which loads its generated API code
// (docs/performance.md, "Memory").
import { ListWatch } from '@kubernetes/client-node/dist/cache.js';
import { Watch } from '@kubernetes/client-node/dist/watch.js';
import type { CachingInformer } from './informer-restart.ts';

/** How long the server keeps one watch open, drawn per informer (client-go draws 5-10 min). */
export const WATCH_SECONDS = { min: 300, max: 600 } as const;
/** Silence past the server's end of the watch after which the connection counts as dead. */
export const SILENCE_MARGIN_MS = 60_000;

/** The query and client timeout of a watch the server ends after `seconds`. */
export function longWatchSettings(random: number = Math.random()): {
  timeoutSeconds: number;
  requestTimeoutMs: number;
} {
  const timeoutSeconds = Math.round(WATCH_SECONDS.min + random * (WATCH_SECONDS.max - WATCH_SECONDS.min));
  return { timeoutSeconds, requestTimeoutMs: timeoutSeconds * 1000 + SILENCE_MARGIN_MS };
}

/**
 * `makeInformer` of the client, with watches the server ends (above). `transform`, when given,
 * is what the informer keeps of each watched object (the list's items are the list function's
 * to transform): the client's cache stores what the watch hands it.
 */
export function makeLongInformer(
  kc: KubeConfig,
  path: string,
  listFn: ListPromise<KubernetesObject>,
  transform?: (obj: KubernetesObject) => KubernetesObject,
): CachingInformer {
  const watch = new Watch(kc);
  const { timeoutSeconds, requestTimeoutMs } = longWatchSettings();
  // Private in the client's types, read by its watch() on each call (client-node 2.x).
  (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = requestTimeoutMs;
  const open = watch.watch.bind(watch);
  watch.watch = (watchPath, query, callback, done) =>
    open(
      watchPath,
      { ...query, timeoutSeconds, allowWatchBookmarks: true },
      transform
        ? (phase, obj, raw) => callback(phase, isObjectEvent(phase) ? transform(obj) : obj, raw)
        : callback,
      done,
    );
  return new ListWatch(path, watch, listFn, false);
}

/** Events that carry a watched object (not a bookmark or an error's Status). */
const isObjectEvent = (phase: string) => phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED';
