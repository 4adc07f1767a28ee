import { createHash } from 'node:crypto';
import type { ApplicationStore } from '../../adapters/control-plane/application-store.ts';
import type { Destination, DestinationRegistry } from '../../adapters/control-plane/destination-registry.ts';
import type { HealthAssessor } from '../../core/health/assessor.ts';
import { formatKey, keyOf } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { type ResolvedApplication, validateApplication, withDefaults } from '../../core/model/application.ts';
import type { ApplicationStatus, Operation, OperationState } from '../../core/model/application-status.ts';
import type { Condition } from '../../core/model/common.ts';
import type { SyncOperationState } from '../../core/sync/index.ts';
import { recordedObjects } from '../../core/sync/inventory.ts';
import { sharedResourceConditions } from '../../core/sync/shared-resources.ts';
import type { ControllerMetrics } from '../metrics.ts';
import { deleteApplicationObjects } from '../operation/cascade.ts';
import { retryDelayMs } from '../operation/retry.ts';
import { advanceOperation } from '../operation/run-operation.ts';
import { syncInputOf } from '../operation/sync-input.ts';
import { decideAutoSync } from './auto-sync.ts';
import { type Comparison, type ComparisonCache, compareResources, recordApplied } from './compare.ts';
import { type DesiredObject, prepareDesired, watchPreviousKinds } from './desired-state.ts';
import { assertProjectPermits, ProjectViolationError } from './project-check.ts';
import { resourceStatuses, syncResultResources } from './resource-status.ts';
import { renderSource, resolveRevision, type SourceDeps } from './source.ts';

export const RESOURCES_FINALIZER = 'resources-finalizer.tiphys.dev';

export interface ReconcilerDeps extends SourceDeps {
  apps: ApplicationStore;
  destinations: DestinationRegistry;
  comparisons: ComparisonCache;
  metrics: ControllerMetrics;
  log: (message: string) => void;
  /** Applications may use local repositories (the operator's --allow-local-repos). */
  allowLocalRepos?: boolean;
  /** The installation's health checks (custom Lua and CEL ones included); built-in by default. */
  assessHealth?: HealthAssessor;
}

/** When to look at the app again: soon while an operation runs, else the polling interval. */
export interface ReconcileOutcome {
  requeueAfterMs?: number;
}

interface Progress {
  operationId: string;
  revision: string;
  state: SyncOperationState;
  /** A failed operation waits until then before its next attempt. */
  retryAt?: string;
}

/** An error that a person must fix (bad spec, bad manifests): reported, not retried quickly. */
function isTerminal(error: unknown): boolean {
  return Boolean((error as { terminal?: boolean })?.terminal);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * One reconcile of one Application, as named steps: resolveRevision → render → loadLive →
 * compare → assessHealth → (sync) → persistStatus. The status is written on every exit path,
 * so a failure always shows up on the Application as a condition a person can act on.
 */
export class Reconciler {
  private readonly deps: ReconcilerDeps;

  constructor(deps: ReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(name: string): Promise<ReconcileOutcome> {
    const stored = await this.deps.apps.fetch(name);
    if (!stored) {
      this.deps.comparisons.forgetApp(name);
      return {};
    }
    const conditions: Condition[] = [];
    const specErrors = validateApplication(stored, { allowLocalRepos: this.deps.allowLocalRepos });
    if (specErrors.length > 0) {
      await this.persist(name, {
        conditions: [condition('InvalidSpecError', `invalid Application: ${specErrors.join('; ')}`)],
        sync: { status: 'Unknown' },
        health: { status: 'Unknown', message: 'the Application spec is invalid' },
      });
      return {};
    }
    const app = withDefaults(stored);
    let destination: Destination;
    try {
      destination = await this.deps.destinations.get(app.spec.destination.cluster);
      if ((stored.metadata as { deletionTimestamp?: string }).deletionTimestamp)
        return await this.finalize(app, destination);
      return await this.reconcileWith(app, destination, conditions);
    } catch (error) {
      const type =
        error instanceof ProjectViolationError
          ? 'ProjectViolation'
          : isTerminal(error)
            ? 'InvalidSpecError'
            : 'ComparisonError';
      await this.persist(name, {
        conditions: [...conditions, condition(type, messageOf(error))],
        sync: { status: 'Unknown', revision: app.status?.sync?.revision },
        reconciledAt: new Date().toISOString(),
      }).catch(() => {});
      throw error;
    }
  }

  private async reconcileWith(
    app: ResolvedApplication,
    destination: Destination,
    conditions: Condition[],
  ): Promise<ReconcileOutcome> {
    const name = app.metadata.name;
    const source = app.spec.source;
    // A cache that lost its watch is stale: say the cluster is unreachable rather than compare
    // against what it was.
    const broken = destination.cache.info().lastError;
    if (broken) {
      throw new Error(`cluster ${destination.name} (${destination.server}) is unreachable: ${broken}`);
    }
    const targetRevision = await resolveRevision(this.deps, source.repoURL, source.targetRevision);
    const target = await this.desiredAt(app, targetRevision, destination);
    await watchPreviousKinds(destination, app.status?.resources);
    const tracked = recordedObjects(app.status, destination.cache.trackedBy(name));
    const comparison = await compareResources(
      name,
      target,
      tracked,
      destination,
      app.spec.ignoreDifferences ?? [],
      this.deps.comparisons,
    );
    const status: Partial<ApplicationStatus> = {};
    const { resources, health } = resourceStatuses(
      comparison,
      { appName: name, status: app.status },
      this.deps.assessHealth,
    );
    conditions.push(...sharedResourceConditions(app, comparison, this.deps.apps.list()));

    // A requested operation, a running one, or one the automated policy starts now.
    let operationState = app.status?.operationState;
    let progress = operationState?.progress as Progress | undefined;
    let requeueAfterMs: number | undefined;
    const requested = (app as { operation?: Operation }).operation;
    const running = operationState?.phase === 'Running' || operationState?.phase === 'Terminating';
    if (requested && !running) {
      const revision = requested.sync.revision
        ? await resolveRevision(this.deps, source.repoURL, requested.sync.revision)
        : targetRevision;
      ({ operationState, progress } = startOperation(requested, revision));
      // Recorded as running before the request is removed, so a crash in between loses nothing.
      await this.persist(name, { operationState });
      await this.deps.apps.patch(name, { operation: null });
    } else if (!running && !requested) {
      const dependencies = (app.spec.dependsOn ?? []).map((dep) => this.deps.apps.get(dep));
      const decision = decideAutoSync(app, targetRevision, comparison, dependencies);
      if (decision.sync) {
        const operation: Operation = {
          sync: { revision: targetRevision },
          initiatedBy: { automated: true },
          ...(app.spec.syncPolicy?.retry ? { retry: app.spec.syncPolicy.retry } : {}),
        };
        ({ operationState, progress } = startOperation(operation, targetRevision));
      } else if (app.spec.syncPolicy?.automated && decision.reason.startsWith('waiting for')) {
        conditions.push(condition('SyncError', decision.reason));
      }
    }

    const waitingToRetry = progress?.retryAt !== undefined && Date.parse(progress.retryAt) > Date.now();
    if (waitingToRetry && progress?.retryAt)
      requeueAfterMs = Math.max(100, Date.parse(progress.retryAt) - Date.now());
    if (
      !waitingToRetry &&
      operationState &&
      progress &&
      (operationState.phase === 'Running' || operationState.phase === 'Terminating')
    ) {
      let opDesired: DesiredObject[];
      try {
        opDesired =
          progress.revision === targetRevision
            ? target
            : await this.desiredAt(app, progress.revision, destination);
      } catch (error) {
        if (!(error instanceof ProjectViolationError)) throw error;
        // The operation's revision renders outside the project: it ends here, nothing applied.
        conditions.push(condition('ProjectViolation', error.message));
        operationState = {
          ...operationState,
          phase: 'Error',
          message: error.message,
          finishedAt: new Date().toISOString(),
        };
        return this.finish(app, status, comparison, target, targetRevision, conditions, operationState);
      }
      const opComparison =
        progress.revision === targetRevision
          ? comparison
          : await compareResources(`${name}@op`, opDesired, tracked, destination, [], this.deps.comparisons);
      const namespace = app.spec.destination.namespace;
      const namespaceExists = namespace
        ? Boolean(
            await destination.client.read({
              apiVersion: 'v1',
              kind: 'Namespace',
              metadata: { name: namespace },
            }),
          )
        : true;
      const input = syncInputOf(
        progress.operationId,
        app,
        operationState.operation,
        opDesired,
        tracked,
        opComparison,
        namespaceExists,
        this.deps.apps.list(),
      );
      const byId = new Map(opDesired.map((item) => [item.id, item]));
      const ignore = app.spec.ignoreDifferences ?? [];
      const onApplied = (result: KubeObject) => {
        const item = byId.get(formatKey(keyOf(result)));
        if (item && progress?.revision === targetRevision)
          recordApplied(this.deps.comparisons, name, item, ignore, result);
      };
      const saveProgress = async (state: SyncOperationState) => {
        if (!progress || !operationState) return;
        await this.persist(name, {
          operationState: operationStateOf(operationState, { ...progress, state }),
        });
      };
      const step = await advanceOperation(
        name,
        input,
        progress.state,
        destination,
        onApplied,
        saveProgress,
        this.deps.assessHealth,
      );
      progress = { ...progress, state: step.state };
      operationState = operationStateOf(operationState, progress);
      if (step.done) {
        this.deps.metrics.syncs.inc({ phase: step.state.phase, dry_run: String(step.state.dryRun) });
        if (step.state.phase === 'Succeeded' && !step.state.dryRun) {
          status.history = appendHistory(app, operationState, progress.revision);
          status.sync = { status: comparison.status, revision: progress.revision };
        }
        requeueAfterMs = 250;
        const attempt = (operationState.retryCount ?? 0) + 1;
        const delay =
          step.state.phase === 'Failed' ? retryDelayMs(operationState.operation.retry, attempt) : undefined;
        if (delay !== undefined) {
          // Retried as a fresh attempt of the same operation: a new id, so its hooks run again.
          const retryAt = new Date(Date.now() + delay).toISOString();
          progress = {
            operationId: `${progress.operationId.slice(0, 12)}-r${attempt}`,
            revision: progress.revision,
            state: undefined as unknown as SyncOperationState,
            retryAt,
          };
          operationState = {
            ...operationState,
            phase: 'Running',
            message: `${step.state.message}; retrying (attempt ${attempt}) at ${retryAt}`,
            retryCount: attempt,
            progress: progress as unknown as Record<string, unknown>,
          };
          requeueAfterMs = delay;
        }
      } else {
        requeueAfterMs = 500;
      }
    }

    await this.finish(app, status, comparison, target, targetRevision, conditions, operationState);
    return { requeueAfterMs };
  }

  private async finish(
    app: ResolvedApplication,
    status: Partial<ApplicationStatus>,
    comparison: Comparison,
    target: DesiredObject[],
    targetRevision: string,
    conditions: Condition[],
    operationState: OperationState | undefined,
  ): Promise<ReconcileOutcome> {
    const { resources, health } = resourceStatuses(comparison);
    status.sync ??= { status: comparison.status, revision: syncedRevision(app, targetRevision, comparison) };
    status.sync.comparedTo = { source: { ...app.spec.source }, destination: { ...app.spec.destination } };
    status.resources = resources;
    status.health = health.message
      ? { status: health.status, message: health.message }
      : { status: health.status };
    status.conditions = conditions;
    status.reconciledAt = new Date().toISOString();
    status.summary = { images: imagesOf(target) };
    if (operationState) status.operationState = operationState;
    await this.persist(app.metadata.name, status);
    return {};
  }

  private async desiredAt(
    app: ResolvedApplication,
    revision: string,
    destination: Destination,
  ): Promise<DesiredObject[]> {
    if (destination.serverVersion === undefined) {
      destination.serverVersion = await destination.client.serverVersion();
    }
    const rendered = await renderSource(this.deps, app, revision, destination.serverVersion);
    const desired = await prepareDesired(
      rendered.objects as KubeObject[],
      app.metadata.name,
      app.spec.destination.namespace,
      destination,
    );
    // Every render is checked, the target's and an operation's own revision (a sync of an
    // explicit revision, a rollback) alike, before anything is compared or applied.
    await assertProjectPermits(this.deps.apps, app, desired);
    return desired;
  }

  /** Cascade deletion: delete what the app tracks, then let the Application go. */
  private async finalize(app: ResolvedApplication, destination: Destination): Promise<ReconcileOutcome> {
    const name = app.metadata.name;
    const finalizers = app.metadata.finalizers ?? [];
    if (!finalizers.includes(RESOURCES_FINALIZER)) return {};
    await watchPreviousKinds(destination, app.status?.resources);
    const tracked = recordedObjects(app.status, destination.cache.trackedBy(name));
    const { remaining } = await deleteApplicationObjects(
      destination.client,
      app,
      tracked,
      this.deps.apps.list(),
    );
    if (remaining > 0) return { requeueAfterMs: 1_000 };
    await this.deps.apps.patch(name, {
      metadata: {
        finalizers: finalizers.filter((f) => f !== RESOURCES_FINALIZER),
        resourceVersion: app.metadata.resourceVersion,
      },
    });
    this.deps.comparisons.forgetApp(name);
    return {};
  }

  private persist(name: string, status: Partial<ApplicationStatus>): Promise<void> {
    return this.deps.apps.patchStatus(name, status);
  }
}

function condition(type: string, message: string): Condition {
  return { type, message, lastTransitionTime: new Date().toISOString() };
}

function startOperation(
  operation: Operation,
  revision: string,
): { operationState: OperationState; progress: Progress } {
  const startedAt = new Date().toISOString();
  const operationId = createHash('sha256')
    .update(`${startedAt}/${revision}/${Math.random()}`)
    .digest('hex')
    .slice(0, 12);
  const progress = { operationId, revision, state: undefined as unknown as SyncOperationState };
  return {
    operationState: {
      operation,
      phase: 'Running',
      message: 'operation started',
      startedAt,
      progress: progress as unknown as Record<string, unknown>,
    },
    progress,
  };
}

function operationStateOf(previous: OperationState, progress: Progress): OperationState {
  const state = progress.state;
  return {
    operation: previous.operation,
    phase: state.phase,
    message: state.message,
    startedAt: previous.startedAt,
    ...(state.finishedAt && state.stage === 'Done' ? { finishedAt: state.finishedAt } : {}),
    ...(previous.retryCount !== undefined ? { retryCount: previous.retryCount } : {}),
    syncResult: { revision: progress.revision, resources: syncResultResources(state) },
    progress: progress as unknown as Record<string, unknown>,
  };
}

function appendHistory(app: ResolvedApplication, operationState: OperationState, revision: string) {
  const history = [...(app.status?.history ?? [])];
  const id = history.reduce((max, entry) => Math.max(max, entry.id), -1) + 1;
  history.push({
    id,
    revision,
    source: { ...app.spec.source },
    deployedAt: new Date().toISOString(),
    deployStartedAt: operationState.startedAt,
    ...(operationState.operation.initiatedBy ? { initiatedBy: operationState.operation.initiatedBy } : {}),
  });
  return history.slice(-Math.max(1, app.spec.revisionHistoryLimit));
}

/** The revision the cluster reflects: the target when in sync, else the last one synced. */
function syncedRevision(app: ResolvedApplication, target: string, comparison: Comparison): string {
  if (comparison.status === 'Synced') return target;
  return app.status?.sync?.revision ?? target;
}

function imagesOf(desired: DesiredObject[]): string[] {
  const images = new Set<string>();
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if ((key === 'containers' || key === 'initContainers') && Array.isArray(inner)) {
          for (const c of inner)
            if (typeof (c as { image?: unknown }).image === 'string')
              images.add((c as { image: string }).image);
        } else visit(inner);
      }
    }
  };
  for (const item of desired) visit(item.object.spec);
  return [...images].sort();
}
