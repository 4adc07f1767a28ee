// A watch on one kind of the control namespace that says whether there is any object of it and
// when one changes. Loops that need a clock only while they have objects (pipelines soaking,
// image repositories to scan) stop their timer when there is none, so an idle controller has
// no periodic work, and start again on the watch event of the first object created.
import {
  CustomObjectsApi,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  makeInformer,
  type ObjectCache,
} from '@kubernetes/client-node';
import { TIPHYS_GROUP, TIPHYS_VERSION } from '../../core/model/common.ts';

/** What the loops need of a watch: whether it may be trusted, how many objects, and changes. */
export interface KindPresence {
  /** False until the first list and while the watch is broken: then assume there is work. */
  readonly watching: boolean;
  readonly count: number;
  onChange(callback: () => void): void;
}

export class KindWatch implements KindPresence {
  private readonly informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  private readonly namespace: string;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;
  private connected = false;

  constructor(kc: KubeConfig, namespace: string, plural: string) {
    this.namespace = namespace;
    const api = kc.makeApiClient(CustomObjectsApi);
    const path = `/apis/${TIPHYS_GROUP}/${TIPHYS_VERSION}/namespaces/${namespace}/${plural}`;
    this.informer = makeInformer(kc, path, () =>
      api.listNamespacedCustomObject({ group: TIPHYS_GROUP, version: TIPHYS_VERSION, namespace, plural }),
    );
    this.informer.on('connect', () => {
      this.failures = 0;
      this.connected = true;
    });
    this.informer.on('error', () => {
      this.connected = false;
      if (this.stopped) return;
      const delay = Math.min(500 * 2 ** this.failures++, 30_000);
      this.restartTimer = setTimeout(() => this.informer.start().catch(() => {}), delay);
    });
  }

  get watching(): boolean {
    return this.connected && !this.stopped;
  }

  get count(): number {
    return this.informer.list(this.namespace).length;
  }

  onChange(callback: () => void): void {
    for (const event of ['add', 'update', 'delete'] as const) this.informer.on(event, () => callback());
    // A broken watch cannot be trusted to say "nothing": the loop goes back to its clock.
    this.informer.on('error', () => callback());
  }

  /** Starts watching; a failure to start is retried in the background (watching stays false). */
  start(): void {
    this.stopped = false;
    this.informer.start().catch(() => {});
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.connected = false;
    clearTimeout(this.restartTimer);
    await this.informer.stop();
  }
}
