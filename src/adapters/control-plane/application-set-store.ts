import {
  CustomObjectsApi,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  makeInformer,
  type ObjectCache,
} from '@kubernetes/client-node';
import type { ApplicationSet, ApplicationSetStatus } from '../../core/model/application-set.ts';
import { TIPHYS_GROUP, TIPHYS_VERSION } from '../../core/model/common.ts';
import { asKubeApiError } from '../kube/cluster-client.ts';
import { KubeRest } from '../kube/rest.ts';

const PLURAL = 'applicationsets';

/** The ApplicationSets of the control namespace, watched; their status written whole. */
export class ApplicationSetStore {
  readonly namespace: string;
  private readonly rest: KubeRest;
  private readonly informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(kc: KubeConfig, namespace: string) {
    this.namespace = namespace;
    const api = kc.makeApiClient(CustomObjectsApi);
    this.rest = new KubeRest(kc);
    const path = `/apis/${TIPHYS_GROUP}/${TIPHYS_VERSION}/namespaces/${namespace}/${PLURAL}`;
    this.informer = makeInformer(kc, path, () =>
      api.listNamespacedCustomObject({
        group: TIPHYS_GROUP,
        version: TIPHYS_VERSION,
        namespace,
        plural: PLURAL,
      }),
    );
    this.informer.on('connect', () => {
      this.failures = 0;
    });
    this.informer.on('error', () => {
      if (this.stopped) return;
      const delay = Math.min(500 * 2 ** this.failures++, 30_000);
      this.restartTimer = setTimeout(() => this.informer.start().catch(() => {}), delay);
    });
  }

  onChange(callback: (name: string, set: ApplicationSet | undefined) => void): void {
    this.informer.on('add', (obj) => callback(obj.metadata?.name ?? '', obj as unknown as ApplicationSet));
    this.informer.on('update', (obj) => callback(obj.metadata?.name ?? '', obj as unknown as ApplicationSet));
    this.informer.on('delete', (obj) => callback(obj.metadata?.name ?? '', undefined));
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.informer.stop();
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
