// Which Application watch events are worth a reconcile. The controller's own status writes come
// back as watch events; reconciling on each would loop (write, event, reconcile, write …). Only
// a change of what a person or CI controls (spec and operation, via generation; annotations such
// as a refresh; finalizers; deletion) reconciles the app again. Apps that `dependsOn` it look
// again when its sync or health changes, which only status writes carry.
import type { Application } from '../core/model/application.ts';

export interface AppChange {
  /** Reconcile the app itself. */
  reconcile: boolean;
  /** Its sync or health changed: the apps that depend on it look again. */
  outcomeChanged: boolean;
}

export class AppChangeFilter {
  private readonly seen = new Map<string, { intent: string; outcome: string }>();

  /** Judges one watch event of an existing Application against the last one seen. */
  changed(app: Application): AppChange {
    const name = app.metadata.name;
    const intent = JSON.stringify([
      app.metadata.generation,
      app.metadata.annotations,
      (app.metadata as { deletionTimestamp?: string }).deletionTimestamp,
      app.metadata.finalizers,
    ]);
    const outcome = `${app.status?.sync?.status}/${app.status?.health?.status}`;
    const previous = this.seen.get(name);
    this.seen.set(name, { intent, outcome });
    return {
      reconcile: previous?.intent !== intent,
      outcomeChanged: previous !== undefined && previous.outcome !== outcome,
    };
  }

  /** The Application is gone: a new one of the same name is new. */
  forget(name: string): void {
    this.seen.delete(name);
  }
}
