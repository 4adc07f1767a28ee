// The operation step of a reconcile: start the requested operation or the one the automated
// policy asks for, then advance the running one as far as it goes without waiting. An
// operation's own revision (an explicit `sync.revision`, a rollback) is rendered and checked
// against the project like the target; a refusal ends the operation before anything is applied.
import { createHash } from 'node:crypto';
import type { ApplicationStore } from '../../adapters/control-plane/application-store.ts';
import type { Destination } from '../../adapters/control-plane/destination-registry.ts';
import type { HealthAssessor } from '../../core/health/assessor.ts';
import { needsFullObject } from '../../core/manifest/cached-form.ts';
import { formatKey, keyOf } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import type { ResolvedApplication } from '../../core/model/application.ts';
import type { ApplicationStatus, Operation, OperationState } from '../../core/model/application-status.ts';
import { ApplicationConditionType } from '../../core/model/application-status.ts';
import type { Condition } from '../../core/model/common.ts';
import { isFinished, type SyncOperationState } from '../../core/sync/index.ts';
import type { Comparison } from '../../domain/comparison/compare.ts';
import type {
  AppComparison,
  ComparisonService,
  DesiredState,
} from '../../domain/comparison/comparison-service.ts';
import { ProjectViolationError } from '../../domain/comparison/errors.ts';
import { appLabels } from '../app-metrics.ts';
import type { ControllerMetrics } from '../metrics.ts';
import { retryDelayMs } from '../operation/retry.ts';
import { advanceOperation } from '../operation/run-operation.ts';
import { syncInputOf } from '../operation/sync-input.ts';
import { decideAutoSync } from './auto-sync.ts';
import { appendHistory, finishedProgress, type Progress, retryProgress } from './operation-records.ts';
import { syncResultResources } from './resource-status.ts';
import { syncWindowGate } from './sync-window-gate.ts';

export interface OperationDeps {
  apps: Pick<ApplicationStore, 'get' | 'list' | 'patch' | 'fetchProject'>;
  comparisons: ComparisonService;
  metrics: ControllerMetrics;
  /** The installation's health checks (custom Lua and CEL ones included); built-in by default. */
  assessHealth?: HealthAssessor;
  persist(name: string, status: Partial<ApplicationStatus>): Promise<void>;
}

export interface OperationInput {
  app: ResolvedApplication;
  destination: Destination;
  target: DesiredState;
  compared: AppComparison;
  /** Conditions of this reconcile; the step adds its own (a sync waiting, a refusal). */
  conditions: Condition[];
}

export interface OperationOutcome {
  operationState?: OperationState;
  /** Set when a sync finished: the status's sync and history change with it. */
  synced?: {
    sync: { status: Comparison['status']; revision: string };
    history: ApplicationStatus['history'];
  };
  requeueAfterMs?: number;
  /** The comparison after a sync that just succeeded: what the status reports instead. */
  compared?: AppComparison;
}

export async function operationStep(deps: OperationDeps, input: OperationInput): Promise<OperationOutcome> {
  const outcome = await nextOperationStep(deps, input);
  // A refusal of the operation's own revision stays a condition for as long as that operation is
  // the latest word: a later reconcile compares the target revision, which may be fine, and
  // would otherwise drop the condition a moment after it was set.
  const previous = input.app.status?.operationState;
  const refusal = (previous?.progress as Progress | undefined)?.projectRefusal;
  const sameOperation = outcome.operationState === previous;
  if (refusal && previous?.phase === 'Error' && sameOperation)
    input.conditions.push(condition(ApplicationConditionType.ProjectViolation, refusal));
  return outcome;
}

async function nextOperationStep(deps: OperationDeps, input: OperationInput): Promise<OperationOutcome> {
  const { app, target, compared, conditions } = input;
  const name = app.metadata.name;
  let operationState = app.status?.operationState;
  let progress = operationState?.progress as Progress | undefined;
  const requested = (app as { operation?: Operation }).operation;
  const running = operationState?.phase === 'Running' || operationState?.phase === 'Terminating';
  if (requested && !running) {
    // A request outside the project's sync windows stays in place until a window lets it start.
    const kind = requested.initiatedBy?.automated ? 'automated' : 'manual';
    const gate = await syncWindowGate((p) => deps.apps.fetchProject(p), app, kind);
    if (!gate.allowed && gate.condition) {
      conditions.push(gate.condition);
      return { operationState, requeueAfterMs: gate.requeueAfterMs };
    }
    const revision = requested.sync.revision
      ? await deps.comparisons.resolve(app, requested.sync.revision)
      : target.revision;
    ({ operationState, progress } = startOperation(requested, revision));
    // Recorded as running before the request is removed, so a crash in between loses nothing.
    await deps.persist(name, { operationState });
    await deps.apps.patch(name, { operation: null });
  } else if (!running && !requested) {
    const dependencies = (app.spec.dependsOn ?? []).map((dep) => deps.apps.get(dep));
    const decision = decideAutoSync(app, target.revision, compared.comparison, dependencies);
    const gate = decision.sync
      ? await syncWindowGate((p) => deps.apps.fetchProject(p), app, 'automated')
      : undefined;
    if (gate && !gate.allowed && gate.condition) {
      conditions.push(gate.condition);
      return { operationState, requeueAfterMs: gate.requeueAfterMs };
    }
    if (decision.sync) {
      const operation: Operation = {
        sync: { revision: target.revision },
        initiatedBy: { automated: true },
        ...(app.spec.syncPolicy?.retry ? { retry: app.spec.syncPolicy.retry } : {}),
      };
      ({ operationState, progress } = startOperation(operation, target.revision));
    } else if (app.spec.syncPolicy?.automated && decision.reason.startsWith('waiting for')) {
      conditions.push(condition(ApplicationConditionType.SyncError, decision.reason));
    }
  }
  if (
    !operationState ||
    !progress ||
    !(operationState.phase === 'Running' || operationState.phase === 'Terminating')
  )
    return { operationState };
  if (progress.retryAt !== undefined && Date.parse(progress.retryAt) > Date.now()) {
    return { operationState, requeueAfterMs: Math.max(100, Date.parse(progress.retryAt) - Date.now()) };
  }
  return advance(deps, input, operationState, progress);
}

async function advance(
  deps: OperationDeps,
  input: OperationInput,
  started: OperationState,
  startedProgress: Progress,
): Promise<OperationOutcome> {
  const { app, destination, target, compared, conditions } = input;
  const name = app.metadata.name;
  let operationState = started;
  let progress = startedProgress;
  const atTarget = progress.revision === target.revision;
  let opDesired: DesiredState;
  try {
    opDesired = atTarget ? target : await deps.comparisons.desired(app, progress.revision, destination);
  } catch (error) {
    if (!(error instanceof ProjectViolationError)) throw error;
    // The operation's revision renders outside the project: it ends here, nothing applied.
    conditions.push(condition(ApplicationConditionType.ProjectViolation, error.message));
    const finishedAt = new Date().toISOString();
    const refused: Progress = { ...progress, projectRefusal: error.message };
    return {
      operationState: {
        ...operationState,
        phase: 'Error',
        message: error.message,
        finishedAt,
        progress: refused as unknown as Record<string, unknown>,
      },
    };
  }
  const opCompared = atTarget
    ? compared
    : await deps.comparisons.compare(app, opDesired, destination, {
        scope: `${name}@op`,
        ignoreDifferences: [],
      });
  const namespace = app.spec.destination.namespace;
  const namespaceExists = namespace
    ? Boolean(
        await destination.client.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }),
      )
    : true;
  // An apply that keeps ignored live values by field manager reads managedFields, which the
  // cache does not keep (cached-form.ts): those objects are read from the API server.
  const rules = app.spec.ignoreDifferences ?? [];
  const tracked = await Promise.all(
    opCompared.tracked.map(async (obj) =>
      needsFullObject(obj, rules) ? ((await destination.client.read(obj)) ?? obj) : obj,
    ),
  );
  const syncInput = syncInputOf(
    progress.operationId,
    app,
    operationState.operation,
    [...opDesired.objects],
    tracked,
    opCompared.comparison,
    namespaceExists,
    deps.apps.list(),
  );
  const byId = new Map(opDesired.objects.map((item) => [item.id, item]));
  // What this reconcile's applies returned: the live objects as the sync left them.
  const applied = new Map<string, KubeObject>();
  const onApplied = (result: KubeObject) => {
    const id = formatKey(keyOf(result));
    const item = byId.get(id);
    if (!item || !atTarget) return;
    deps.comparisons.recordApplied(app, item, result);
    applied.set(id, result);
  };
  const saveProgress = (state: SyncOperationState) =>
    deps.persist(name, { operationState: operationStateOf(operationState, { ...progress, state }) });
  const step = await advanceOperation(
    name,
    syncInput,
    progress.state,
    destination,
    onApplied,
    saveProgress,
    deps.assessHealth,
  );
  progress = { ...progress, state: step.state };
  operationState = operationStateOf(operationState, progress);
  if (!step.done) return { operationState, requeueAfterMs: 500 };

  deps.metrics.syncs.inc({ ...appLabels(app), phase: step.state.phase, dry_run: String(step.state.dryRun) });
  const outcome: OperationOutcome = { operationState, requeueAfterMs: 250 };
  if (step.state.phase === 'Succeeded' && !step.state.dryRun) {
    // The sync's own applies say how the app compares now, so this status write reports it
    // (Synced at the new revision) and no second reconcile is needed to say so. A sync that
    // deleted objects (their watch events still to come) is compared again shortly instead.
    const after =
      atTarget && !prunedAny(step.state)
        ? await deps.comparisons.compareAfterSync(app, target, destination, applied)
        : undefined;
    outcome.synced = {
      history: appendHistory(app, operationState, progress.revision),
      sync: { status: (after ?? compared).comparison.status, revision: progress.revision },
    };
    if (after) outcome.compared = after;
    if (after?.comparison.status === 'Synced') delete outcome.requeueAfterMs;
  }
  const attempt = (operationState.retryCount ?? 0) + 1;
  const delay =
    step.state.phase === 'Failed' ? retryDelayMs(operationState.operation.retry, attempt) : undefined;
  if (delay !== undefined) {
    // Retried as a fresh attempt of the same operation: a new id, so its hooks run again.
    const next = retryProgress(progress, attempt, delay);
    const retryAt = next.retryAt;
    outcome.operationState = {
      ...operationState,
      phase: 'Running',
      message: `${step.state.message}; retrying (attempt ${attempt}) at ${retryAt}`,
      retryCount: attempt,
      progress: next as unknown as Record<string, unknown>,
    };
    outcome.requeueAfterMs = delay;
  }
  return outcome;
}

/** Whether the sync deleted objects (prunes), whose disappearance the cache has yet to show. */
function prunedAny(state: SyncOperationState): boolean {
  return state.tasks.some((t) => t.type === 'prune' && (t.status === 'Succeeded' || t.status === 'Pruned'));
}

export function condition(type: string, message: string): Condition {
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
    progress: (isFinished(state) ? finishedProgress(progress) : progress) as unknown as Record<
      string,
      unknown
    >,
  };
}
