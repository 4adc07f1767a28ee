// A watch on the Pipelines of the control namespace, for the server's live stream. The informer
// reports each add, change and deletion (a deletion with the last state it knew).
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { TIPHYS_GROUP, TIPHYS_VERSION } from '../../core/model/common.ts';
import type { Pipeline } from '../../core/model/pipeline.ts';
import { listByRest, type RestartingInformer, restartingInformer } from '../kube/informer-restart.ts';
import { KubeRest } from '../kube/rest.ts';

const PLURAL = 'pipelines';

export type PipelineChange = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; pipeline: Pipeline };

export class PipelineWatch {
  private readonly watch: RestartingInformer;
  private readonly rest: KubeRest;

  constructor(kc: KubeConfig, namespace: string) {
    this.rest = new KubeRest(kc);
    const path = `/apis/${TIPHYS_GROUP}/${TIPHYS_VERSION}/namespaces/${namespace}/${PLURAL}`;
    this.watch = restartingInformer(kc, path, listByRest(this.rest, path));
  }

  onChange(callback: (change: PipelineChange) => void): void {
    const as = (obj: KubernetesObject) => obj as unknown as Pipeline;
    this.watch.informer.on('add', (obj) => callback({ type: 'ADDED', pipeline: as(obj) }));
    this.watch.informer.on('update', (obj) => callback({ type: 'MODIFIED', pipeline: as(obj) }));
    this.watch.informer.on('delete', (obj) => callback({ type: 'DELETED', pipeline: as(obj) }));
  }

  start(): Promise<void> {
    return this.watch.start();
  }

  async stop(): Promise<void> {
    await this.watch.stop();
    this.rest.close();
  }
}
