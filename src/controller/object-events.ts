// Kubernetes Events on the control plane's own objects (Applications, Clusters): what a person
// sees in `kubectl describe`. A failed write is logged and never fails the work that caused it.
import type { EventNote, EventRecorder } from '../adapters/kube/event-recorder.ts';
import type { Application } from '../core/model/application.ts';
import type { Cluster } from '../core/model/cluster.ts';
import { API_VERSION } from '../core/model/common.ts';
import { errorMessage, type Logger } from './log.ts';

export class ObjectEvents {
  private readonly events: EventRecorder;
  private readonly namespace: string;
  private readonly log: Logger;

  constructor(events: EventRecorder, namespace: string, log: Logger) {
    this.events = events;
    this.namespace = namespace;
    this.log = log;
  }

  /** An Event on the Application (synced, degraded, refused …). */
  onApp(app: Application, note: EventNote): Promise<void> {
    return this.record('Application', app, note, { app: app.metadata.name });
  }

  /** An Event on a Cluster (lost, recovered, …). */
  onCluster(cluster: Cluster, note: EventNote): Promise<void> {
    return this.record('Cluster', cluster, note, { cluster: cluster.metadata.name });
  }

  private record(
    kind: string,
    object: { metadata: { name: string; uid?: string } },
    note: EventNote,
    fields: Record<string, string>,
  ): Promise<void> {
    const about = {
      apiVersion: API_VERSION,
      kind,
      namespace: this.namespace,
      name: object.metadata.name,
      ...(object.metadata.uid ? { uid: object.metadata.uid } : {}),
    };
    return this.events.record(about, note).catch((error) => {
      this.log.warn({ ...fields, reason: note.reason }, `event not recorded: ${errorMessage(error)}`);
    });
  }
}
