// on-deleted notifications that a controller outage cannot lose (docs/notifications.md): an
// Application subscribed to on-deleted (itself or through its project) carries a finalizer of
// Tiphys's, so its deletion waits for a controller. After the cascade, the controller tells the
// subscribers, waits for every delivery to end (delivered, refused, or failed after its retries:
// the delivery settings bound the wait), records the event in `status.notified`, and only then
// removes the finalizer. The record is what the replica watching deletions reads, so the app is
// not told a second time when it disappears (under sharding that replica is another one).
// The finalizer never outlives the subscription: a reconcile of a live app removes it when the
// app is no longer subscribed, and a deleted app that is no longer subscribed is let go at once.
// The reconcile never waits for a delivery: it looks again when the deliveries end.
import type { Application } from '../../core/model/application.ts';
import type { ApplicationStatus } from '../../core/model/application-status.ts';
import { errorMessage, type Logger } from '../log.ts';

export const NOTIFY_FINALIZER = 'notifications.tiphys.dev/on-deleted';
export const ON_DELETED = 'on-deleted';

export interface DeletionNoticeDeps {
  subscribed(app: Application): Promise<boolean>;
  /**
   * Tells the on-deleted subscribers; resolves once every delivery ended, false when Tiphys
   * itself could not send (stopping, queue full, settings unreadable).
   */
  tell(app: Application): Promise<boolean>;
  /** A merge patch of the Application (finalizers, with the resourceVersion they were read at). */
  patch(name: string, body: Record<string, unknown>): Promise<void>;
  patchStatus(name: string, status: Partial<ApplicationStatus>): Promise<void>;
  /** Reconcile the app again soon (its deliveries ended). */
  refresh(name: string): void;
  log: Logger;
}

/** Where a deleted app's notice stands after a reconcile. */
export type ReleaseState =
  /** The finalizer is gone (or was never there). */
  | 'released'
  /** Deliveries are under way; the app is refreshed when they end. */
  | 'delivering'
  /** Told and recorded; the next reconcile removes the finalizer (the write changed the version). */
  | 'recorded';

interface Telling {
  ended: boolean;
  sent: boolean;
}

/** Deletions told at once at most; past this, the oldest records of ended ones are forgotten. */
const MAX_TELLING = 10_000;

export class DeletionNotice {
  private readonly deps: DeletionNoticeDeps;
  /** Deliveries of deleted apps (by uid) started by this process. */
  private readonly telling = new Map<string, Telling>();

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
   * An app being deleted whose other finalizers are gone: tell the subscribers, record it, then
   * let the app go. Throws (the reconcile is retried) when the settings cannot be read or Tiphys
   * could not send; a receiver that stays down holds the deletion only for the delivery's retries.
   */
  async release(app: Application): Promise<ReleaseState> {
    const finalizers = app.metadata.finalizers ?? [];
    if (!finalizers.includes(NOTIFY_FINALIZER)) return 'released';
    const name = app.metadata.name;
    const uid = app.metadata.uid ?? name;
    const told = app.status?.notified?.[ON_DELETED] !== undefined;
    if (!told && (await this.deps.subscribed(app))) {
      const telling = this.telling.get(uid) ?? this.startTelling(app, uid);
      if (!telling.ended) return 'delivering';
      if (!telling.sent) {
        this.telling.delete(uid);
        throw new Error(`the on-deleted notification of ${name} was not sent; it is tried again`);
      }
      await this.deps.patchStatus(name, { notified: { ...app.status?.notified, [ON_DELETED]: uid } });
      this.telling.delete(uid);
      return 'recorded';
    }
    await this.write(app, without(finalizers));
    this.telling.delete(uid);
    return 'released';
  }

  private startTelling(app: Application, uid: string): Telling {
    if (this.telling.size >= MAX_TELLING) {
      for (const [key, value] of this.telling) if (value.ended) this.telling.delete(key);
    }
    const telling: Telling = { ended: false, sent: false };
    this.telling.set(uid, telling);
    void this.deps
      .tell(app)
      .then(
        (sent) => {
          telling.sent = sent;
        },
        (error: unknown) =>
          this.deps.log.warn(
            { app: app.metadata.name },
            `on-deleted notification not sent: ${errorMessage(error)}`,
          ),
      )
      .finally(() => {
        telling.ended = true;
        this.deps.refresh(app.metadata.name);
      });
    return telling;
  }

  private write(app: Application, finalizers: string[]): Promise<void> {
    return this.deps.patch(app.metadata.name, {
      metadata: { finalizers, resourceVersion: app.metadata.resourceVersion },
    });
  }
}

const without = (finalizers: readonly string[]) => finalizers.filter((f) => f !== NOTIFY_FINALIZER);
