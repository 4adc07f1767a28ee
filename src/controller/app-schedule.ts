// When each Application is reconciled: the work queue with its two lanes, the watch events that
// reconcile (app-changes.ts) and the retry after a failure. Polling is per repository
// (repo-poll.ts): an app waits for no timer of its own after a reconcile.
// Urgent (ahead of the ordinary lane): a sync's next step and the comparison after it, a
// person's refresh, a change of the app's spec or operation, self-heal. Ordinary: polls, a push's
// refresh of every app of the repo, apps that depend on one whose outcome changed.
import { runFenced } from '../adapters/kube/write-fence.ts';
import type { Application } from '../core/model/application.ts';
import { AppChangeFilter } from './app-changes.ts';
import { errorMessage, type Logger } from './log.ts';
import type { ControllerMetrics } from './metrics.ts';
import { RETRY_AFTER_FAILURE_MS, type ReconcileOutcome } from './reconcile/reconciler.ts';
import { WorkQueue } from './work-queue.ts';

export interface AppScheduleDeps {
  concurrency: number;
  /** `listedSince`: when the latest event that asked for it happened (reconciler.ts). */
  reconcile: (name: string, options: { listedSince: number }) => Promise<ReconcileOutcome>;
  /** Whether this replica acts (leads); nothing is scheduled while it does not. */
  isActive: () => boolean;
  /**
   * Whether this replica reconciles the app (sharding: its cluster is this replica's); every app
   * by default. Checked when an app is queued and again when its turn comes, so an app whose
   * cluster went to another replica meanwhile is dropped, not reconciled.
   */
  owns?: (name: string) => boolean;
  /**
   * Whether a write for the app may be sent at this moment (sharding: it owns the app's cluster
   * and its Lease is fresh, by its own clock); asked by every write of the app's reconcile.
   */
  mayWrite?: (name: string) => boolean;
  apps: () => readonly Application[];
  /** An app's sync or health changed (pipelines look again). */
  onOutcomeChanged: () => void;
  /**
   * Whether the app's last comparison or apply already saw this version of one of its objects
   * (the echo of its own apply): a reconcile asked only by such changes is not run.
   */
  hasSeen?: (name: string, change: LiveChange) => boolean;
  metrics: ControllerMetrics;
  log: Logger;
}

/** A watch event of a live object an app tracks (self-heal). */
export interface LiveChange {
  type: 'add' | 'update' | 'delete';
  /** The object's resource id (`formatKey`). */
  id: string;
  resourceVersion?: string;
}

/** Live changes remembered per waiting app; past this it is simply reconciled. */
const MAX_LIVE_CHANGES = 64;

export class AppSchedule {
  readonly queue: WorkQueue;
  private readonly deps: AppScheduleDeps;
  /** Which watch events reconcile (not the controller's own status writes). */
  private readonly changes = new AppChangeFilter();
  /** When the latest event asking for each waiting app happened (epoch ms). */
  private readonly askedAt = new Map<string, number>();
  /** The same, kept for an app's own requeue (its sync's next step, a retry). */
  private readonly carried = new Map<string, number>();
  /** Waiting apps asked for only by changes of their live objects, with those changes. */
  private readonly liveChanges = new Map<string, LiveChange[]>();
  /** Waiting (or due) apps asked for by anything else: they are reconciled whatever happened. */
  private readonly mustRun = new Set<string>();

  constructor(deps: AppScheduleDeps) {
    this.deps = deps;
    this.queue = new WorkQueue({
      concurrency: deps.concurrency,
      // One worker is kept for urgent keys: a sync's next step never waits for a slow poll.
      urgentReserve: 1,
      // A push's confirmations do not slow the changed app's sync down (one runs beside it).
      ordinaryBesideUrgent: 1,
      handler: (name) => this.reconcileOne(name),
      onError: (name, error) => deps.log.error({ app: name }, `reconcile failed: ${errorMessage(error)}`),
    });
  }

  private owns(name: string): boolean {
    return this.deps.owns?.(name) ?? true;
  }

  /**
   * Queues an app this replica reconciles; the others are left to their own replica. `change`:
   * asked for by a watch event of one of its live objects, which may turn out to be its own.
   */
  private add(name: string, options?: { urgent?: boolean }, at = Date.now(), change?: LiveChange): void {
    if (!this.owns(name)) return;
    this.askedAt.set(name, Math.max(this.askedAt.get(name) ?? 0, at));
    this.noteCause(name, change);
    this.queue.add(name, options);
  }

  private noteCause(name: string, change?: LiveChange): void {
    if (!change) {
      this.mustRun.add(name);
      this.liveChanges.delete(name);
    } else if (!this.mustRun.has(name)) {
      const changes = this.liveChanges.get(name) ?? [];
      changes.push(change);
      this.liveChanges.set(name, changes);
      // Many changes while it waits (objects churning): it will run anyway, keep no list.
      if (changes.length > MAX_LIVE_CHANGES) this.noteCause(name);
    }
  }

  /** Schedules the app's own next run (a sync's next step, a retry): it always runs. */
  private addAfter(name: string, delayMs: number, options?: { urgent?: boolean }): void {
    this.mustRun.add(name);
    this.liveChanges.delete(name);
    this.queue.addAfter(name, delayMs, options);
  }

  /**
   * Whether this run was asked for only by watch events of versions of its objects the app has
   * already seen (its own applies' echoes). Consumes what asked for it; a run due on a timer
   * still pending keeps its mark for when the timer fires.
   */
  private onlyEchoes(name: string): boolean {
    const changes = this.liveChanges.get(name);
    const forced = this.mustRun.has(name);
    this.liveChanges.delete(name);
    if (this.queue.scheduledAt(name) === undefined) this.mustRun.delete(name);
    const seen = this.deps.hasSeen;
    if (forced || !changes || !seen) return false;
    return changes.every((change) => change.type !== 'delete' && seen(name, change));
  }

  /** A watch event of an Application (undefined: deleted). */
  appChanged(name: string, app: Application | undefined): void {
    if (!this.deps.isActive()) return;
    if (app === undefined) {
      this.queue.forget(name);
      this.changes.forget(name);
      this.askedAt.delete(name);
      this.carried.delete(name);
      this.liveChanges.delete(name);
      this.mustRun.delete(name);
      return;
    }
    const change = this.changes.changed(app);
    // A change of what a person or CI controls (spec, operation, refresh annotation): urgent.
    if (change.reconcile) this.add(name, { urgent: true });
    // Apps waiting on this one (dependsOn) look again when its sync or health changes.
    if (change.outcomeChanged) {
      this.deps.onOutcomeChanged();
      for (const other of this.deps.apps()) {
        if (other.spec.dependsOn?.includes(name)) this.add(other.metadata.name);
      }
    }
  }

  /** Reconcile now, before the polls waiting (a person's refresh, a cluster back). */
  refresh(name: string): void {
    if (this.deps.isActive()) this.add(name, { urgent: true });
  }

  /**
   * Self-heal: a live object the app tracks changed. Reconciled at once, unless by its turn
   * every change that asked is a version the app already saw (the echo of its own apply).
   */
  liveObjectChanged(name: string, change: LiveChange): void {
    if (this.deps.isActive()) this.add(name, { urgent: true }, Date.now(), change);
  }

  /**
   * A push moved the repo and branch of these apps: those whose folder changed (`changed`,
   * push-triage.ts) in the urgent lane, the others in the ordinary one; the syncs they start
   * (urgent, see ReconcileOutcome) go before the rest of the push's apps.
   */
  refreshPushed(
    names: readonly string[],
    changed: ReadonlySet<string> = new Set(),
    pushedAt = Date.now(),
  ): void {
    if (!this.deps.isActive()) return;
    // A listing of the remote taken since the push came (its triage's) is recent enough for them.
    for (const name of names) if (changed.has(name)) this.add(name, { urgent: true }, pushedAt);
    for (const name of names) if (!changed.has(name)) this.add(name, {}, pushedAt);
  }

  /**
   * This replica starts acting, or what it owns changed: every app it owns once, and the apps it
   * no longer owns leave the queue (a reconcile in progress ends; nothing more is started).
   */
  all(): void {
    for (const app of this.deps.apps()) {
      const name = app.metadata.name;
      if (this.owns(name)) this.add(name);
      else this.queue.forget(name);
    }
  }

  /**
   * Sharding: each write of the reconcile (status, applies, deletes) is sent only while this
   * replica still owns the app's cluster, asked at the moment of the write (write-fence.ts): a
   * replica that lost its Lease or the cluster mid-reconcile stops writing there and then.
   */
  private fenced<T>(name: string, work: () => Promise<T>): Promise<T> {
    const mayWrite = this.deps.mayWrite;
    if (!mayWrite) return work();
    return runFenced(
      () => (mayWrite(name) ? undefined : `this replica no longer owns the cluster of Application ${name}`),
      work,
    );
  }

  private async reconcileOne(name: string): Promise<void> {
    if (!this.deps.isActive() || !this.owns(name)) return;
    if (this.onlyEchoes(name)) {
      this.askedAt.delete(name);
      this.deps.log.debug({ app: name }, 'not reconciled: its objects changed only by its own applies');
      return;
    }
    const { metrics } = this.deps;
    const stop = metrics.reconcileDuration.startTimer();
    // What asked for this run; a requeue of its own (a sync's next step) keeps that time.
    const listedSince = Math.max(this.askedAt.get(name) ?? 0, this.carried.get(name) ?? 0) || Date.now();
    this.askedAt.delete(name);
    this.carried.delete(name);
    try {
      const outcome = await this.fenced(name, () => this.deps.reconcile(name, { listedSince }));
      metrics.reconciles.inc({ outcome: outcome.failure ? 'error' : 'ok' });
      // A success, like a terminal failure (bad spec, bad manifests, a project refusal), waits for
      // a change of the app (its watch event), a push, or its repository's poll (repo-poll.ts):
      // no timer per app. Only a running operation or a failure a retry may fix comes back.
      if (outcome.requeueAfterMs !== undefined) {
        this.carried.set(name, listedSince);
        this.addAfter(name, outcome.requeueAfterMs, { urgent: outcome.urgent });
      }
    } catch (error) {
      metrics.reconciles.inc({ outcome: 'error' });
      // Not even the status could say it (the API server did not answer): try again shortly.
      this.carried.set(name, listedSince);
      this.addAfter(name, RETRY_AFTER_FAILURE_MS);
      throw error;
    } finally {
      stop();
    }
  }
}
