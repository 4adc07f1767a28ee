// A watch on one kind of the control namespace that says whether there is any object of it and
// when one changes. Loops that need a clock only while they have objects (pipelines soaking,
// image repositories to scan) stop their timer when there is none, so an idle controller has
// no periodic work, and start again on the watch event of the first object created.
import type { KubeConfig, KubernetesObject, ListPromise } from '@kubernetes/client-node';
import { TIPHYS_GROUP, TIPHYS_VERSION } from '../../core/model/common.ts';
import {
  listByRest,
  type RestartingInformer,
  type RestartingInformerOptions,
  restartingInformer,
} from '../kube/informer-restart.ts';
import { KubeRest } from '../kube/rest.ts';

/** What the loops need of a watch: whether it may be trusted, how many objects, and changes. */
export interface KindPresence {
  /** False until the first list and while the watch is broken: then assume there is work. */
  readonly watching: boolean;
  readonly count: number;
  onChange(callback: () => void): void;
}

export interface KindWatchOptions extends RestartingInformerOptions {
  /** How the kind is listed (tests give a fake; the default asks the control cluster). */
  list?: ListPromise<KubernetesObject>;
}

export class KindWatch implements KindPresence {
  private readonly running: RestartingInformer;
  private readonly namespace: string;
  /** The client of the default list; none when the options give one. */
  private readonly rest: KubeRest | undefined;
  private stopped = false;
  // Set by a list that worked, not by the informer's 'connect' (fired before the list is sent):
  // an empty cache is "no objects" only once a list has filled it.
  private listed = false;

  constructor(kc: KubeConfig, namespace: string, plural: string, options: KindWatchOptions = {}) {
    this.namespace = namespace;
    const path = `/apis/${TIPHYS_GROUP}/${TIPHYS_VERSION}/namespaces/${namespace}/${plural}`;
    this.rest = options.list ? undefined : new KubeRest(kc);
    const listKind = options.list ?? listByRest(this.rest as KubeRest, path);
    const list: ListPromise<KubernetesObject> = async () => {
      const result = await listKind();
      this.listed = true;
      return result;
    };
    this.running = restartingInformer(kc, path, list, options);
    this.running.informer.on('error', () => {
      this.listed = false;
    });
  }

  get watching(): boolean {
    return this.listed && !this.stopped;
  }

  get count(): number {
    return this.running.informer.list(this.namespace).length;
  }

  /** The objects as last seen (empty before the first list). */
  objects(): readonly KubernetesObject[] {
    return this.running.informer.list(this.namespace);
  }

  onChange(callback: () => void): void {
    for (const event of ['add', 'update', 'delete'] as const)
      this.running.informer.on(event, () => callback());
    // A broken watch cannot be trusted to say "nothing": the loop goes back to its clock.
    this.running.informer.on('error', () => callback());
  }

  /** Starts watching; a failure to start is retried in the background (watching stays false). */
  start(): void {
    this.stopped = false;
    this.running.start().catch(() => {});
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listed = false;
    await this.running.stop();
    this.rest?.close();
  }
}
