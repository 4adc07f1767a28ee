import type { ApplicationStore } from '../../adapters/control-plane/application-store.ts';
import type { Destination, DestinationRegistry } from '../../adapters/control-plane/destination-registry.ts';
import type { EventNote } from '../../adapters/kube/event-recorder.ts';
import { isFencedWrite } from '../../adapters/kube/write-fence.ts';
import { clusterHold } from '../../core/cluster-health/gate.ts';
import type { HealthAssessor } from '../../core/health/assessor.ts';
import { syncWaveOf } from '../../core/manifest/annotations.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import {
  type Application,
  type ResolvedApplication,
  validateApplication,
  withDefaults,
} from '../../core/model/application.ts';
import type { ApplicationStatus } from '../../core/model/application-status.ts';
import type { Condition } from '../../core/model/common.ts';
import { recordedObjects } from '../../core/sync/inventory.ts';
import { sharedResourceConditions } from '../../core/sync/shared-resources.ts';
import type {
  AppComparison,
  ComparisonService,
  DesiredState,
} from '../../domain/comparison/comparison-service.ts';
import { watchPreviousKinds } from '../../domain/comparison/desired-state.ts';
import { errorMessage, type LogFields, type Logger } from '../log.ts';
import type { ControllerMetrics } from '../metrics.ts';
import type { DeletionNotice } from '../notifications/deletion-notice.ts';
import type { Notice } from '../notifications/notifier.ts';
import { deleteApplicationObjects } from '../operation/cascade.ts';
import { comparedStatus } from './compared-status.ts';
import { isNewCondition, statusEvents } from './events.ts';
import { condition, type OperationOutcome, operationStep } from './operation-step.ts';
import { ClusterHoldError, InvalidSpecError, reasonOf, StatusWriteError } from './reasons.ts';
import { resourceStatuses } from './resource-status.ts';

export const RESOURCES_FINALIZER = 'resources-finalizer.tiphys.dev';

export interface ReconcilerDeps {
  apps: ApplicationStore;
  destinations: DestinationRegistry;
  comparisons: ComparisonService;
  metrics: ControllerMetrics;
  log: Logger;
  /** Records a Kubernetes Event on the Application (never fails the reconcile). */
  recordEvent: (app: Application, note: EventNote) => Promise<void>;
  /** Applications may use local repositories (the operator's --allow-local-repos). */
  allowLocalRepos?: boolean;
  /** The installation's health checks (custom Lua and CEL ones included); built-in by default. */
  assessHealth?: HealthAssessor;
  /** Notification triggers, evaluated on the status about to be written (docs/notifications.md). */
  notify?: (stored: Application, status: Partial<ApplicationStatus>) => Promise<Notice>;
  /** The finalizer that holds a deletion until on-deleted subscribers are told (deletion-notice.ts). */
  deletionNotice?: Pick<DeletionNotice, 'keep' | 'release'>;
  /** Which replica writes, stamped on every status write as `status.reportedBy`. */
  reporter?: () => ApplicationStatus['reportedBy'];
}

/** When to look at the app again, and what went wrong if the reconcile failed. */
export interface ReconcileOutcome {
  /** Soon while an operation runs or after a failure a retry may fix; else the next poll. */
  requeueAfterMs?: number;
  /**
   * A sync or a deletion is under way (or a sync just ended and its result is to be compared):
   * the next reconcile goes before the queue's ordinary lane (polls, a webhook's refresh of
   * every app of the repo), so it is not held up by them.
   */
  urgent?: boolean;
  failure?: { condition: string; terminal: boolean };
}

/** A failure a retry may fix (a cluster that did not answer) is tried again after this. */
export const RETRY_AFTER_FAILURE_MS = 10_000;

/**
 * One reconcile of one Application, as named steps:
 * validateSpec → resolveTarget → renderDesired (render, complete, project check) → compare →
 * assessHealth → operate (start or advance a sync) → persistStatus.
 * The status (conditions, sync, health) is written on every exit; a failure becomes the
 * condition of its reason (reasons.ts) and decides when the app is looked at again.
 */
export class Reconciler {
  private readonly deps: ReconcilerDeps;

  constructor(deps: ReconcilerDeps) {
    this.deps = deps;
  }

  /**
   * `listedSince`: when the event that asked for this reconcile happened (epoch ms); a listing of
   * Git started since then is recent enough (a push's triage listed the remote for its apps).
   */
  async reconcile(name: string, options: { listedSince?: number } = {}): Promise<ReconcileOutcome> {
    const stored = await this.deps.apps.current(name);
    if (!stored) {
      this.deps.comparisons.forgetApp(name);
      return {};
    }
    const fields: LogFields = { app: name, cluster: stored.spec?.destination?.cluster };
    const deleting = Boolean((stored.metadata as { deletionTimestamp?: string }).deletionTimestamp);
    try {
      // The cascade goes first; telling on-deleted subscribers is the last thing a deletion
      // waits for, and needs neither a valid spec nor the destination.
      if (deleting && !(stored.metadata.finalizers ?? []).includes(RESOURCES_FINALIZER)) {
        return await this.releaseNotice(stored, fields);
      }
      const app = this.validateSpec(stored);
      const destination = await this.deps.destinations.get(app.spec.destination.cluster);
      if (deleting) return await this.finalize(app, destination);
      await this.deps.deletionNotice?.keep(stored);
      const hold = clusterHold(
        destination.name,
        { name, wave: syncWaveOf(stored as unknown as KubeObject) },
        destination.cluster?.status,
      );
      if (hold) throw new ClusterHoldError(hold.reason, hold.message);
      return await this.reconcileWith(app, destination, fields, options.listedSince);
    } catch (error) {
      return this.failed(stored, error, fields);
    }
  }

  private validateSpec(stored: Application): ResolvedApplication {
    const problems = validateApplication(stored, { allowLocalRepos: this.deps.allowLocalRepos });
    if (problems.length > 0) throw new InvalidSpecError(`invalid Application: ${problems.join('; ')}`);
    return withDefaults(stored);
  }

  private async reconcileWith(
    app: ResolvedApplication,
    destination: Destination,
    fields: LogFields,
    listedSince: number | undefined,
  ): Promise<ReconcileOutcome> {
    const conditions: Condition[] = [];
    const revision = await this.resolveTarget(app, listedSince);
    fields.revision = revision;
    const target = await this.renderDesired(app, revision, destination);
    const compared = await this.deps.comparisons.compare(app, target, destination);
    const assess = (comparison: AppComparison) =>
      resourceStatuses(
        comparison.comparison,
        { appName: app.metadata.name, status: app.status },
        this.deps.assessHealth,
      );
    const assessed = await assess(compared);
    // Objects another app renders too: a warning, and neither app deletes them.
    conditions.push(...sharedResourceConditions(app, compared.comparison, this.deps.apps.list()));
    const operation = await this.operate(app, destination, target, compared, conditions);
    fields.operation = (
      operation.operationState?.progress as { operationId?: string } | undefined
    )?.operationId;
    // A sync that just succeeded reports the state it left (its applies' answers), not the one
    // it started from.
    const reported = operation.compared ?? compared;
    const status = comparedStatus(
      app,
      target,
      reported,
      operation.compared ? await assess(operation.compared) : assessed,
      conditions,
      operation,
    );
    // An operation's revision the project refused is a condition of a reconcile that went on.
    const refusals = conditions
      .filter((c) => c.type === 'ProjectViolation' && isNewCondition(app.status?.conditions, c))
      .map((c) => ({ type: 'Warning' as const, reason: 'ProjectRefused', message: c.message }));
    await this.persistStatus(app, status, fields, refusals);
    this.deps.log.debug(
      { ...fields, sync: status.sync?.status, health: status.health?.status },
      'reconciled',
    );
    // The operation asks for its next step, or (just finished, when its own applies could not
    // say the app is Synced) for a comparison: urgent either way, someone is waiting for it.
    return { requeueAfterMs: operation.requeueAfterMs, urgent: operation.requeueAfterMs !== undefined };
  }

  /** The commit the target revision points at now. */
  private resolveTarget(app: ResolvedApplication, listedSince: number | undefined): Promise<string> {
    return this.deps.comparisons.resolve(app, undefined, { listedSince });
  }

  /** render → complete → project check, in the comparison service (the one chain). */
  private renderDesired(
    app: ResolvedApplication,
    revision: string,
    destination: Destination,
  ): Promise<DesiredState> {
    return this.deps.comparisons.desired(app, revision, destination);
  }

  /** Starts or advances a sync: the requested operation, a running one, or an automated one. */
  private operate(
    app: ResolvedApplication,
    destination: Destination,
    target: DesiredState,
    compared: AppComparison,
    conditions: Condition[],
  ): Promise<OperationOutcome> {
    const deps = {
      apps: this.deps.apps,
      comparisons: this.deps.comparisons,
      metrics: this.deps.metrics,
      assessHealth: this.deps.assessHealth,
      persist: (name: string, status: Partial<ApplicationStatus>) => this.persist(name, status),
    };
    return operationStep(deps, { app, destination, target, compared, conditions });
  }

  /**
   * Writes the status, then records the Events of what changed (an operation, the health, new
   * failures) and logs them; the reconcile ends when they are written.
   */
  private async persistStatus(
    app: Application,
    status: Partial<ApplicationStatus>,
    fields: LogFields,
    notes: EventNote[] = [],
  ): Promise<void> {
    // The events notified are remembered in the same write, so none is sent twice.
    const notice = await this.deps.notify?.(app, status);
    await this.persist(
      app.metadata.name,
      notice?.notified ? { ...status, notified: notice.notified } : status,
    );
    notice?.send();
    const all = [...statusEvents(app.status, status), ...notes];
    for (const note of all) {
      const level = note.type === 'Warning' ? 'warn' : 'info';
      this.deps.log[level]({ ...fields, reason: note.reason }, note.message);
    }
    await Promise.all(all.map((note) => this.deps.recordEvent(app, note)));
  }

  /**
   * Every failure ends here: its reason's condition on the status (health and the last synced
   * revision kept: the live objects did not change), a Warning Event when it is new, a log line,
   * and when to try again: soon if a retry may help, else on the next change or poll.
   */
  private async failed(stored: Application, error: unknown, fields: LogFields): Promise<ReconcileOutcome> {
    // Sharding: the app's cluster is no longer this replica's, or its Lease is not fresh; the
    // owner carries on from the persisted state, and nothing more is written here (not even this
    // failure). Looked at again later: if the Lease was only late, the app is still this one's.
    if (isFencedWrite(error)) {
      this.deps.log.info(fields, `reconcile stopped: ${errorMessage(error)}`);
      return { requeueAfterMs: RETRY_AFTER_FAILURE_MS };
    }
    const reason = reasonOf(error);
    const failure = { condition: reason.condition, terminal: reason.terminal };
    const retry = reason.terminal ? {} : { requeueAfterMs: RETRY_AFTER_FAILURE_MS };
    if (error instanceof StatusWriteError) {
      this.deps.log.error({ ...fields, reason: reason.event }, errorMessage(error));
      return { failure, ...retry };
    }
    const failedCondition = condition(reason.condition, errorMessage(error));
    const status: Partial<ApplicationStatus> = {
      conditions: [failedCondition],
      sync: {
        status: 'Unknown',
        ...(stored.status?.sync?.revision ? { revision: stored.status.sync.revision } : {}),
      },
      health:
        (!reason.healthUnknown && stored.status?.health) ||
        ({ status: 'Unknown', message: 'not assessed: see the conditions' } as const),
      reconciledAt: new Date().toISOString(),
    };
    // A failure already shown is not recorded again at every poll (a new one is logged with
    // its Event, at warn).
    const fresh = isNewCondition(stored.status?.conditions, failedCondition);
    if (!fresh) this.deps.log.debug({ ...fields, reason: reason.event }, failedCondition.message);
    try {
      const note = { type: 'Warning' as const, reason: reason.event, message: failedCondition.message };
      await this.persistStatus(stored, status, fields, fresh ? [note] : []);
    } catch (writeError) {
      this.deps.log.error({ ...fields, reason: 'StatusWriteFailed' }, errorMessage(writeError));
      return { failure, requeueAfterMs: RETRY_AFTER_FAILURE_MS };
    }
    return { failure, ...retry };
  }

  /** Cascade deletion: delete what the app tracks, then let the Application go. */
  private async finalize(app: ResolvedApplication, destination: Destination): Promise<ReconcileOutcome> {
    const name = app.metadata.name;
    const finalizers = app.metadata.finalizers ?? [];
    await watchPreviousKinds(destination, app.status?.resources);
    const tracked = recordedObjects(app.status, destination.cache.trackedBy(name));
    const { remaining } = await deleteApplicationObjects(
      destination.client,
      app,
      tracked,
      this.deps.apps.list(),
    );
    if (remaining > 0) return { requeueAfterMs: 1_000, urgent: true };
    await this.deps.apps.patch(name, {
      metadata: {
        finalizers: finalizers.filter((f) => f !== RESOURCES_FINALIZER),
        resourceVersion: app.metadata.resourceVersion,
      },
    });
    this.deps.comparisons.forgetApp(name);
    return {};
  }

  /**
   * The last step of a deletion (deletion-notice.ts). Its failures are not written as a status:
   * a status write of a deleted app would evaluate the triggers, on-deleted among them.
   */
  private async releaseNotice(stored: Application, fields: LogFields): Promise<ReconcileOutcome> {
    try {
      const state = await this.deps.deletionNotice?.release(stored);
      // Deliveries under way refresh the app when they end; the requeue is only a fallback.
      if (state === 'delivering') return { requeueAfterMs: 5_000 };
      if (state === 'recorded') return { requeueAfterMs: 0, urgent: true };
      return {};
    } catch (error) {
      this.deps.log.warn(fields, `deletion held by its notification: ${errorMessage(error)}`);
      return { requeueAfterMs: RETRY_AFTER_FAILURE_MS };
    }
  }

  private async persist(name: string, status: Partial<ApplicationStatus>): Promise<void> {
    const reportedBy = this.deps.reporter?.();
    try {
      await this.deps.apps.patchStatus(name, reportedBy ? { ...status, reportedBy } : status);
    } catch (error) {
      throw new StatusWriteError(`status write of Application ${name} failed: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  }
}
