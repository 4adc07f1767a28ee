// The fleet benches' observer: the control namespace's Applications followed by one watch, as
// `kubectl get applications -w` would. The benches first polled with a LIST of every Application
// every half second; at 1,000 apps each LIST is megabytes of status read from etcd, decoded and
// encoded again by the control cluster's API server, on the same 2 cores as the system measured,
// and the times it gave were rounded up to the next poll. A watch costs the API server one
// encoding per event (shared with the controller's own watch) and times each change as it lands.
import type { KubeConfig } from '@kubernetes/client-node';
import { Watch } from '@kubernetes/client-node/dist/watch.js';
import type { KubeRest } from '../src/adapters/kube/rest.ts';
import type { Application } from '../src/core/model/application.ts';

type Check = (apps: ReadonlyMap<string, Application>) => boolean;

interface Waiter {
  check: Check;
  resolve: (at: number) => void;
}

export class AppWatch {
  private readonly apps = new Map<string, Application>();
  private readonly waiters = new Set<Waiter>();
  private abort: AbortController | undefined;
  private stopped = false;
  private checkQueued = false;

  private readonly kc: KubeConfig;
  private readonly rest: KubeRest;
  private readonly path: string;

  private constructor(kc: KubeConfig, rest: KubeRest, path: string) {
    this.kc = kc;
    this.rest = rest;
    this.path = path;
  }

  /** Lists the namespace's Applications once, then follows them. */
  static async start(kc: KubeConfig, rest: KubeRest, namespace: string): Promise<AppWatch> {
    const watch = new AppWatch(kc, rest, `/apis/tiphys.dev/v1alpha1/namespaces/${namespace}/applications`);
    await watch.follow();
    return watch;
  }

  /** The Applications as last seen. */
  get current(): ReadonlyMap<string, Application> {
    return this.apps;
  }

  /**
   * Resolves with the milliseconds from `start` to the change after which `check` first held (at
   * once if it holds now); rejects after `timeoutMs` with `describe()`'s account of the state.
   */
  until(
    what: string,
    check: Check,
    options: {
      start: number;
      timeoutMs: number;
      describe?: (apps: ReadonlyMap<string, Application>) => string;
    },
  ): Promise<number> {
    if (check(this.apps)) return Promise.resolve(performance.now() - options.start);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const detail = options.describe ? `: ${options.describe(this.apps)}` : '';
        reject(new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${detail}`));
      }, options.timeoutMs);
      const waiter: Waiter = {
        check,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at - options.start);
        },
      };
      this.waiters.add(waiter);
    });
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  private async follow(): Promise<void> {
    const list = await this.rest.request<{ metadata: { resourceVersion: string }; items: Application[] }>(
      'GET',
      this.path,
    );
    this.apps.clear();
    for (const app of list.items) this.apps.set(app.metadata.name, app);
    this.queueCheck();
    this.abort = await new Watch(this.kc).watch(
      this.path,
      { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true },
      (phase, object: Application) => {
        if (phase === 'ADDED' || phase === 'MODIFIED') this.apps.set(object.metadata.name, object);
        else if (phase === 'DELETED') this.apps.delete(object.metadata.name);
        else return;
        this.queueCheck();
      },
      // The server ends a watch after its timeout (or the resourceVersion expired): list again.
      () => {
        if (!this.stopped) this.followAgain();
      },
    );
  }

  private followAgain(): void {
    this.follow().catch((error) => {
      console.error(`app watch: ${String(error)}; again in 1 s`);
      setTimeout(() => this.followAgain(), 1000);
    });
  }

  /** Checks the waiters once per burst of events (a watch delivers them by the dozen). */
  private queueCheck(): void {
    if (this.checkQueued || this.waiters.size === 0) return;
    this.checkQueued = true;
    setImmediate(() => {
      this.checkQueued = false;
      const at = performance.now();
      for (const waiter of this.waiters) {
        if (!waiter.check(this.apps)) continue;
        this.waiters.delete(waiter);
        waiter.resolve(at);
      }
    });
  }
}

/** How many of `apps` whose name starts with `prefix` satisfy `predicate`. */
export function countApps(
  apps: ReadonlyMap<string, Application>,
  prefix: string,
  predicate: (app: Application) => boolean = () => true,
): number {
  let n = 0;
  for (const [name, app] of apps) if (name.startsWith(prefix) && predicate(app)) n++;
  return n;
}
