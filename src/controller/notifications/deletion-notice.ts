// on-deleted notifications that a controller outage cannot lose (docs/notifications.md): an
// Application subscribed to on-deleted (itself or through its project) carries a finalizer of
// Tiphys's, so its deletion waits for the controller. The controller tells the subscribers, waits
// for every delivery to end (delivered, or failed after its retries), and only then removes the
// finalizer. The finalizer never outlives the subscription: a reconcile of a live app removes it
// when the app is no longer subscribed, and a deleted app that is no longer subscribed (or whose
// delivery failed) is let go all the same.
import type { Application } from '../../core/model/application.ts';
import { errorMessage, type Logger } from '../log.ts';

export const NOTIFY_FINALIZER = 'notifications.tiphys.dev/on-deleted';

export interface DeletionNoticeDeps {
  subscribed(app: Application): Promise<boolean>;
  /** Tells the on-deleted subscribers; resolves once every delivery ended. */
  notify(app: Application): Promise<void>;
  /** A merge patch of the Application (finalizers, with the resourceVersion they were read at). */
  patch(name: string, body: Record<string, unknown>): Promise<void>;
  log: Logger;
}

export class DeletionNotice {
  private readonly deps: DeletionNoticeDeps;

  constructor(deps: DeletionNoticeDeps) {
    this.deps = deps;
  }

  /** A live app: the finalizer is there exactly while it is subscribed (never fails a reconcile). */
  async keep(app: Application): Promise<void> {
    const finalizers = app.metadata.finalizers ?? [];
    const has = finalizers.includes(NOTIFY_FINALIZER);
    try {
      const wants = await this.deps.subscribed(app);
      if (has === wants) return;
      await this.write(app, wants ? [...finalizers, NOTIFY_FINALIZER] : without(finalizers));
    } catch (error) {
      // A conflict or unreadable settings: the next reconcile tries again.
      this.deps.log.warn(
        { app: app.metadata.name },
        `notification finalizer not updated: ${errorMessage(error)}`,
      );
    }
  }

  /**
   * An app being deleted whose other finalizers are gone: tell the subscribers, then let it go.
   * Throws (and the reconcile is retried) when the settings cannot be read or Tiphys could not
   * send; a receiver that stays down does not hold the deletion past the delivery's retries.
   */
  async release(app: Application): Promise<void> {
    const finalizers = app.metadata.finalizers ?? [];
    if (!finalizers.includes(NOTIFY_FINALIZER)) return;
    if (await this.deps.subscribed(app)) await this.deps.notify(app);
    await this.write(app, without(finalizers));
  }

  private write(app: Application, finalizers: string[]): Promise<void> {
    return this.deps.patch(app.metadata.name, {
      metadata: { finalizers, resourceVersion: app.metadata.resourceVersion },
    });
  }
}

const without = (finalizers: readonly string[]) => finalizers.filter((f) => f !== NOTIFY_FINALIZER);
