// Notifications of the controller: before a reconcile writes the status, the triggers are
// evaluated on the app as it will be stored; the events they fire are remembered in that same
// status write (`status.notified`), and only once it is written are the deliveries queued. So an
// event is notified once (a crash between the write and the send loses it, never repeats it),
// and a reconcile of an unchanged app sends nothing. Results go to metrics, to Events on the
// Application and to `status.notifications` (the last few), masked of every secret.
import type { EventNote } from '../../adapters/kube/event-recorder.ts';
import { DeliveryQueue } from '../../adapters/notifications/delivery-queue.ts';
import type { NotificationSettings } from '../../adapters/notifications/settings.ts';
import type { AppProject } from '../../core/model/app-project.ts';
import type { Application } from '../../core/model/application.ts';
import type { ApplicationStatus, NotificationResult } from '../../core/model/application-status.ts';
import type { NotificationConfig } from '../../core/notifications/config.ts';
import { type Delivery, deliveriesFor } from '../../core/notifications/dispatch.ts';
import { keepLastPerDestination } from '../../core/notifications/results.ts';
import { maskSecrets } from '../../core/notifications/services.ts';
import { mergedSubscriptions } from '../../core/notifications/subscriptions.ts';
import { evaluateTriggers, type Fired } from '../../core/notifications/triggers.ts';
import { errorMessage, type Logger } from '../log.ts';
import type { ControllerMetrics } from '../metrics.ts';
import { NOTIFY_FINALIZER, ON_DELETED } from './deletion-notice.ts';
import { notificationMetrics } from './metrics.ts';

export interface NotifierDeps {
  settings: Pick<NotificationSettings, 'get'>;
  fetchProject: (name: string) => Promise<AppProject | undefined>;
  patchStatus: (name: string, status: Partial<ApplicationStatus>) => Promise<void>;
  recordEvent: (app: Application, note: EventNote) => Promise<void>;
  metrics: ControllerMetrics;
  log: Logger;
  queue?: DeliveryQueue;
}

export interface Notice {
  /** The record to store with the status, when it changed. */
  notified?: Record<string, string>;
  /** Queues the deliveries; call once the status is written. */
  send(): void;
}

const nothing: Notice = { send() {} };

/** How long a project's on-deleted subscription is taken as known. */
const PROJECT_TTL_MS = 5_000;

export class Notifier {
  private readonly deps: NotifierDeps;
  readonly queue: DeliveryQueue;
  private readonly counters: ReturnType<typeof notificationMetrics>;
  private readonly results = new Map<string, NotificationResult[]>();
  private readonly writes = new Map<string, Promise<void>>();
  private readonly reportedErrors = new Set<string>();
  private readonly dispatching = new Set<Promise<void>>();
  private stopped = false;
  private readonly projectSubscriptions = new Map<string, { at: number; subscribed: boolean }>();

  constructor(deps: NotifierDeps) {
    this.deps = deps;
    this.queue = deps.queue ?? new DeliveryQueue();
    this.counters = notificationMetrics(deps.metrics.registry, () => this.queue.length);
  }

  /** What the status write about to happen fires; nothing (and no error) if settings cannot be read. */
  async evaluate(stored: Application, status: Partial<ApplicationStatus>): Promise<Notice> {
    const config = await this.config();
    if (!config) return nothing;
    const app = { ...stored, status: { ...stored.status, ...status } } as Application;
    const before = stored.status?.notified ?? {};
    // An app holding the notification finalizer is told of its deletion after the cascade, by
    // deletion-notice.ts; a status write during the cascade must not tell it early.
    const held = (stored.metadata.finalizers ?? []).includes(NOTIFY_FINALIZER);
    const { fired, notified, errors } = evaluateTriggers(
      held ? config.triggers.filter((t) => t.trigger.name !== ON_DELETED) : config.triggers,
      { app, firstReconcile: !stored.status?.reconciledAt },
      before,
    );
    for (const error of errors) this.reportOnce(`${stored.metadata.name}: ${error}`);
    const changed = JSON.stringify(notified) !== JSON.stringify(before);
    return {
      ...(changed ? { notified } : {}),
      send: () => {
        if (fired.length === 0) return;
        const work = this.dispatch(config, app, fired, true).then(() => {});
        this.dispatching.add(work);
        void work.finally(() => this.dispatching.delete(work));
      },
    };
  }

  /** Counts a delivery's result in the controller's metrics (cluster notifications share them). */
  count(labels: { service: string; trigger: string; outcome: string }): void {
    this.counters.deliveries.inc(labels);
  }

  /**
   * The Application is gone: its on-deleted subscribers are told (results in metrics and logs),
   * unless its last state records them told (by the replica that released the notification
   * finalizer, deletion-notice.ts, which under sharding need not be this one).
   */
  deleted(app: Application): Promise<void> {
    this.results.delete(app.metadata.name);
    if (app.status?.notified?.[ON_DELETED] !== undefined) return Promise.resolve();
    const work = this.sendDeleted(app).then(() => {});
    this.dispatching.add(work);
    void work.finally(() => this.dispatching.delete(work));
    return work;
  }

  /**
   * Whether the app (or its project) subscribes to on-deleted with a trigger configured; throws
   * when the settings cannot be read, so a deletion waits rather than going untold.
   */
  async subscribedToDeletion(app: Application): Promise<boolean> {
    const config = await this.deps.settings.get();
    if (!config.triggers.some((t) => t.trigger.name === ON_DELETED)) return false;
    const subscribes = (annotations: Application['metadata']['annotations']) =>
      mergedSubscriptions(annotations, undefined).some((s) => s.trigger === ON_DELETED);
    if (subscribes(app.metadata.annotations)) return true;
    // Asked at every reconcile of every app: the project's answer is kept a few seconds.
    const name = app.spec.project || 'default';
    const known = this.projectSubscriptions.get(name);
    if (known && Date.now() - known.at < PROJECT_TTL_MS) return known.subscribed;
    const subscribed = subscribes((await this.deps.fetchProject(name))?.metadata.annotations);
    if (this.projectSubscriptions.size > 1_000) this.projectSubscriptions.clear();
    this.projectSubscriptions.set(name, { at: Date.now(), subscribed });
    return subscribed;
  }

  /**
   * Tells on-deleted subscribers now, the app still there (being deleted); resolves once every
   * delivery ended: true when each was delivered, refused or failed after its retries, false
   * when Tiphys itself did not send one (stopping, queue full), so it is tried again.
   */
  async tellDeletion(app: Application): Promise<boolean> {
    // Its project's subscribers count too: a project that cannot be read now is tried again
    // later rather than leaving them untold (the watch's path, with no retry, goes on without).
    try {
      await this.deps.fetchProject(app.spec.project || 'default');
    } catch {
      return false;
    }
    const outcomes = await this.sendDeleted(app);
    return outcomes !== undefined && !this.stopped && !outcomes.includes('Dropped');
  }

  /** The outcome of each delivery; undefined when the settings could not be read. */
  private async sendDeleted(app: Application): Promise<NotificationResult['outcome'][] | undefined> {
    const config = await this.config();
    if (!config) return undefined;
    const trigger = config.triggers.find((t) => t.trigger.name === ON_DELETED)?.trigger;
    if (!trigger) return [];
    return this.dispatch(config, app, [{ trigger, event: app.metadata.uid ?? app.metadata.name }], false);
  }

  /** Resolves when queued deliveries and their status writes are done (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.dispatching]);
    await this.queue.idle();
    await Promise.allSettled([...this.writes.values()]);
  }

  stop(): void {
    this.stopped = true;
    this.queue.stop();
  }

  private async config(): Promise<NotificationConfig | undefined> {
    try {
      const config = await this.deps.settings.get();
      for (const error of config.errors) this.reportOnce(error);
      return config;
    } catch (error) {
      this.reportOnce(`notification settings not read: ${errorMessage(error)}`);
      return undefined;
    }
  }

  private async dispatch(
    config: NotificationConfig,
    app: Application,
    fired: Fired[],
    exists: boolean,
  ): Promise<NotificationResult['outcome'][]> {
    const projectName = app.spec.project || 'default';
    let project: AppProject | undefined;
    try {
      project = await this.deps.fetchProject(projectName);
    } catch (error) {
      this.deps.log.warn(
        { app: app.metadata.name },
        `notifications: project not read: ${errorMessage(error)}`,
      );
    }
    const subscriptions = mergedSubscriptions(app.metadata.annotations, project?.metadata.annotations);
    const deliveries = deliveriesFor(config, fired, subscriptions, app, projectName);
    const ended: Promise<NotificationResult['outcome']>[] = [];
    for (const delivery of deliveries) {
      let end = (_: NotificationResult['outcome']) => {};
      ended.push(new Promise((resolve) => (end = resolve)));
      const finish = (outcome: NotificationResult['outcome'], attempts: number, message?: string) => {
        this.finished(config, app, delivery, exists, { outcome, attempts, message });
        end(outcome);
      };
      if ('refused' in delivery.planned) {
        finish('Refused', 0, delivery.planned.refused);
        continue;
      }
      const queued = this.queue.offer(delivery.planned.plan, config.delivery, (outcome) =>
        finish(outcome.ok ? 'Delivered' : 'Failed', outcome.attempts, outcome.message),
      );
      if (!queued) finish('Dropped', 0, 'the notification queue is full');
    }
    return Promise.all(ended);
  }

  private finished(
    config: NotificationConfig,
    app: Application,
    delivery: Delivery,
    exists: boolean,
    result: { outcome: NotificationResult['outcome']; attempts: number; message?: string },
  ): void {
    const name = app.metadata.name;
    const message = result.message ? maskSecrets(result.message, config.secrets) : undefined;
    const entry: NotificationResult = {
      trigger: delivery.trigger,
      service: delivery.service,
      ...(delivery.recipient ? { recipient: delivery.recipient } : {}),
      outcome: result.outcome,
      ...(message ? { message } : {}),
      ...(result.attempts ? { attempts: result.attempts } : {}),
      at: new Date().toISOString(),
    };
    this.counters.deliveries.inc({
      service: delivery.service,
      trigger: delivery.trigger,
      outcome: result.outcome,
    });
    const ok = result.outcome === 'Delivered';
    const fields = {
      app: name,
      trigger: delivery.trigger,
      service: delivery.service,
      outcome: result.outcome,
    };
    const text = `notification ${delivery.trigger} to ${delivery.service}${delivery.recipient ? ` (${delivery.recipient})` : ''}: ${result.outcome}${message ? `: ${message}` : ''}`;
    this.deps.log[ok ? 'info' : 'warn'](fields, text);
    if (!exists) return;
    void this.deps.recordEvent(app, {
      type: ok ? 'Normal' : 'Warning',
      reason: ok ? 'NotificationSent' : 'NotificationFailed',
      message: text,
    });
    const list = this.results.get(name) ?? app.status?.notifications ?? [];
    const kept = keepLastPerDestination(list, entry);
    this.results.set(name, kept);
    // One status write at a time per app, each with the latest list.
    const previous = this.writes.get(name) ?? Promise.resolve();
    const write = previous
      .then(() => this.deps.patchStatus(name, { notifications: this.results.get(name) ?? kept }))
      .catch((error: unknown) =>
        this.deps.log.warn({ app: name }, `notification results not written: ${errorMessage(error)}`),
      );
    this.writes.set(name, write);
    void write.finally(() => {
      if (this.writes.get(name) === write) this.writes.delete(name);
    });
  }

  private reportOnce(message: string): void {
    if (this.reportedErrors.has(message)) return;
    if (this.reportedErrors.size > 1_000) this.reportedErrors.clear();
    this.reportedErrors.add(message);
    this.deps.log.warn({}, message);
  }
}
