import type { KubeConfig } from '@kubernetes/client-node';
import type { ApplicationSet, ApplicationSetStatus } from '../../core/model/application-set.ts';
import { TIPHYS_GROUP, TIPHYS_VERSION } from '../../core/model/common.ts';
import { asKubeApiError } from '../kube/cluster-client.ts';
import {
  type CachingInformer,
  listByRest,
  type RestartingInformer,
  restartingInformer,
} from '../kube/informer-restart.ts';
import { KubeRest } from '../kube/rest.ts';

const PLURAL = 'applicationsets';

/** The ApplicationSets of the control namespace, watched; their status written whole. */
export class ApplicationSetStore {
  readonly namespace: string;
  private readonly rest: KubeRest;
  private readonly watch: RestartingInformer;
  private readonly informer: CachingInformer;

  constructor(kc: KubeConfig, namespace: string) {
    this.namespace = namespace;
    this.rest = new KubeRest(kc);
    const path = `/apis/${TIPHYS_GROUP}/${TIPHYS_VERSION}/namespaces/${namespace}/${PLURAL}`;
    this.watch = restartingInformer(kc, path, listByRest(this.rest, path));
    this.informer = this.watch.informer;
  }

  onChange(callback: (name: string, set: ApplicationSet | undefined) => void): void {
    this.informer.on('add', (obj) => callback(obj.metadata?.name ?? '', obj as unknown as ApplicationSet));
    this.informer.on('update', (obj) => callback(obj.metadata?.name ?? '', obj as unknown as ApplicationSet));
    this.informer.on('delete', (obj) => callback(obj.metadata?.name ?? '', undefined));
  }

  start(): Promise<void> {
    return this.watch.start();
  }

  async stop(): Promise<void> {
    await this.watch.stop();
    this.rest.close();
  }

  get(name: string): ApplicationSet | undefined {
    return this.informer.get(name, this.namespace) as unknown as ApplicationSet | undefined;
  }

  list(): ApplicationSet[] {
    return this.informer.list(this.namespace) as unknown as ApplicationSet[];
  }

  /** Replaces the status whole (an `add` of /status replaces it when present). */
  async writeStatus(name: string, status: ApplicationSetStatus): Promise<void> {
    const path = `/apis/${TIPHYS_GROUP}/${TIPHYS_VERSION}/namespaces/${this.namespace}/${PLURAL}/${name}/status`;
    try {
      await this.rest.request('PATCH', path, {
        body: [{ op: 'add', path: '/status', value: status }],
        contentType: 'application/json-patch+json',
      });
    } catch (error) {
      throw asKubeApiError(error, `status update of ApplicationSet ${name}`);
    }
  }
}
