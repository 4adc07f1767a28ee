import { cleanupAction, type SyncAction, taskAction } from './actions.ts';
import type { SyncObservations } from './observations.ts';
import { sameGroup } from './order.ts';
import { isUnsettled, observeTasks, recordResults, waitingReason } from './progress.ts';
import type { SyncOperationState, TaskState } from './state.ts';
import { beginSyncFail, decideOutcome, finishDryRun, mergePlan, terminate } from './transitions.ts';
import type { SyncPlan, SyncTask } from './types.ts';

/**
 * What to do now. The controller persists `state`, runs `actions` in order and reports every
 * result in the next call (an action without a result is returned again, so a controller that
 * restarted in between runs it again; every action is safe to repeat). With no actions and not
 * done, the operation waits: call again when the cache changes or after a short delay.
 */
export interface SyncStep {
  state: SyncOperationState;
  actions: SyncAction[];
  done: boolean;
  /** What the operation waits for, in words; [] when it has actions or is done. */
  waitingFor: string[];
}

type Outcome = { actions: SyncAction[]; waitingFor: string[] } | 'continue' | 'done';

interface Context {
  plan: SyncPlan;
  state: SyncOperationState;
  planned: Map<string, SyncTask>;
}

// Each pass either returns or moves to a later stage, of which there are five.
const MAX_PASSES = 8;

/** Decides the next step of a sync operation from its plan, its state and what was observed. */
export function nextStep(
  plan: SyncPlan,
  previous: SyncOperationState,
  observations: SyncObservations = {},
): SyncStep {
  const state = structuredClone(previous);
  if (state.stage === 'Done') return finished(state, observations);
  if (plan.operationId !== state.operationId) {
    return errored(
      state,
      observations,
      `the plan is for operation ${plan.operationId}, not ${state.operationId}`,
    );
  }
  if (observations.now && !state.startedAt) state.startedAt = observations.now;
  if (state.stage !== 'Cleanup') mergePlan(state, plan);
  const executedNow = recordResults(state, observations.results ?? []);
  observeTasks(state, observations, executedNow);
  if (state.phase === 'Terminating' && state.stage !== 'Cleanup') terminate(state);

  const context: Context = { plan, state, planned: new Map(plan.tasks.map((t) => [t.id, t])) };
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const outcome = advance(context);
    if (outcome === 'done') return finished(state, observations);
    if (outcome !== 'continue') return { state, done: false, ...outcome };
  }
  return errored(state, observations, `the operation did not settle in stage ${state.stage}`);
}

function advance(context: Context): Outcome {
  switch (context.state.stage) {
    case 'Validate':
      return validate(context);
    case 'Sync':
      return sync(context);
    case 'SyncFail':
      return syncFail(context);
    case 'Cleanup':
      return cleanup(context);
    case 'Done':
      return 'done';
  }
}

/**
 * Refuses first, before anything changes, when the plan would touch objects the app does not
 * own; then creates the destination namespace if asked, and dry-runs every task.
 */
function validate(context: Context): Outcome {
  const { plan, state, planned } = context;
  const refused = state.tasks.filter((t) => notStarted(t) && planned.get(t.id)?.refusal);
  if (refused.length > 0) {
    for (const task of refused) fail(task, planned.get(task.id)?.refusal ?? 'refused');
    decideOutcome(state, 'Failed', `sync refused: ${refused.map((t) => t.message).join('; ')}`);
    return 'continue';
  }
  const namespace = plan.dryRun
    ? undefined
    : state.tasks.find((t) => t.createsNamespace && t.status !== 'Skipped');
  if (namespace) {
    if (namespace.status === 'Failed') {
      decideOutcome(
        state,
        'Failed',
        `could not create namespace ${namespace.ref.name}: ${namespace.message}`,
      );
      return 'continue';
    }
    if (namespace.status === 'Pending') namespace.status = 'Running';
    if (namespace.status === 'Running' && !namespace.executed)
      return run(context, [namespace], 'creating namespace');
    if (namespace.status === 'Running') {
      namespace.status = 'Succeeded';
      namespace.validated = true;
      namespace.message = 'namespace created';
    }
  }
  const candidates = state.tasks.filter(
    (t) =>
      t.status === 'Pending' &&
      !t.validated &&
      t.phase !== 'SyncFail' &&
      t.type !== 'delete-hook-before-creation' &&
      t !== namespace,
  );
  for (const task of candidates) {
    const plannedTask = planned.get(task.id);
    if (plannedTask?.options.skipDryRun) {
      task.validated = true;
      task.message = 'dry run skipped: its kind or namespace is created by this sync';
    } else if (plannedTask?.prevalidated) {
      // The comparison dry-ran this very object against the live one: one dry run, not two.
      task.validated = true;
    }
  }
  const failed = state.tasks.filter((t) => t.status === 'Failed');
  if (failed.length > 0) {
    decideOutcome(state, 'Failed', `one or more objects failed to apply (dry run): ${describe(failed)}`);
    return 'continue';
  }
  const remaining = candidates.filter((t) => !t.validated);
  if (remaining.length > 0) {
    state.message = `validating ${remaining.length} resources (dry run)`;
    const actions = remaining.flatMap((t) => {
      const task = planned.get(t.id);
      return task ? [taskAction('validate', task, true)] : [];
    });
    return { actions, waitingFor: [] };
  }
  if (plan.dryRun) finishDryRun(state);
  else state.stage = 'Sync';
  return 'continue';
}

/** PreSync, Sync and PostSync, one group (phase, wave, deletions or creations) at a time. */
function sync(context: Context): Outcome {
  const { state } = context;
  const active = state.tasks.filter((t) => t.phase !== 'SyncFail' && t.status !== 'Skipped');
  if (active.some((t) => t.status === 'Failed')) {
    beginSyncFail(state);
    return 'continue';
  }
  // Nothing waits for the last wave unless it runs hooks: its objects' health is the
  // application's health from then on, not a condition of the sync (Argo CD does the same).
  const last = active.at(-1);
  const finalWaveHasHooks = active.some((t) => t.type === 'hook' && last && inWaveOf(t, last));
  const lenient = (t: TaskState) => last !== undefined && !finalWaveHasHooks && inWaveOf(t, last);
  for (const task of active) {
    if (lenient(task) && task.type === 'apply' && task.status === 'Running' && task.executed) {
      task.status = 'Succeeded';
    }
  }
  const first = active.find((t) => isUnsettled(t, lenient(t)));
  if (!first) {
    decideOutcome(state, 'Succeeded', 'successfully synced (all tasks run)');
    return 'continue';
  }
  return runGroup(
    context,
    active.filter((t) => sameGroup(t, first)),
    lenient,
  );
}

/** After a failure: the SyncFail hooks, group by group, and the hooks still running. */
function syncFail(context: Context): Outcome {
  const { state } = context;
  const hooks = state.tasks.filter((t) => t.phase === 'SyncFail' && t.status !== 'Skipped');
  const failedHooks = hooks.filter((t) => t.status === 'Failed');
  if (failedHooks.length === 0) {
    const first = hooks.find((t) => isUnsettled(t, false));
    if (first) {
      return runGroup(
        context,
        hooks.filter((t) => sameGroup(t, first)),
        () => false,
      );
    }
  }
  for (const task of state.tasks) {
    if (task.status === 'Running' && !task.executed) {
      task.status = 'Skipped';
      task.message = 'not run: a SyncFail hook failed';
    }
  }
  const running = state.tasks.filter((t) => t.status === 'Running');
  if (running.length > 0) return wait(state, running.map(waitingReason));
  let message = state.failure ?? 'the operation failed';
  if (failedHooks.length > 0) message += `; SyncFail hooks failed: ${describe(failedHooks)}`;
  decideOutcome(state, 'Failed', message);
  return 'continue';
}

function cleanup(context: Context): Outcome {
  const { state } = context;
  const pending = state.cleanup.filter((entry) => !entry.done);
  if (pending.length > 0) {
    state.message = `deleting ${pending.length} hooks`;
    const tasks = new Map(state.tasks.map((t) => [t.id, t]));
    return { actions: pending.map((entry) => cleanupAction(entry, tasks.get(entry.taskId))), waitingFor: [] };
  }
  if (!state.outcome) {
    state.phase = 'Error';
    state.message = 'the operation reached cleanup without an outcome';
  } else {
    const failures = state.cleanup.filter((entry) => entry.message?.startsWith('deletion failed'));
    state.phase = state.outcome.phase;
    state.message =
      failures.length === 0
        ? state.outcome.message
        : `${state.outcome.message}; ${failures.map((e) => `${e.ref.kind} ${e.ref.name}: ${e.message}`).join('; ')}`;
  }
  state.stage = 'Done';
  return 'done';
}

/** Starts the group's pending tasks, returns the calls not yet reported, or what it waits for. */
function runGroup(context: Context, group: TaskState[], lenient: (t: TaskState) => boolean): Outcome {
  const { state, planned } = context;
  state.syncPhase = group[0].phase;
  state.wave = group[0].wave;
  // A refusal that appeared after validation (another app took the object since) fails the
  // task instead of running it; the stage then handles the failure like any other.
  const refused = group.filter((t) => notStarted(t) && planned.get(t.id)?.refusal);
  if (refused.length > 0) {
    for (const task of refused) fail(task, planned.get(task.id)?.refusal ?? 'refused');
    return 'continue';
  }
  for (const task of group) {
    if (task.status === 'Pending') {
      task.status = 'Running';
      task.message = 'running';
    }
  }
  const toRun = group.filter((t) => t.status === 'Running' && !t.executed);
  if (toRun.length > 0)
    return run(context, toRun, `running ${toRun.length} tasks of ${group[0].phase} wave ${group[0].wave}`);
  return wait(state, group.filter((t) => isUnsettled(t, lenient(t))).map(waitingReason));
}

function run(context: Context, tasks: TaskState[], message: string): Outcome {
  const { plan, state, planned } = context;
  const actions: SyncAction[] = [];
  for (const task of tasks) {
    const plannedTask = planned.get(task.id);
    if (plannedTask) actions.push(taskAction('run', plannedTask, plan.dryRun));
  }
  state.message = message;
  return { actions, waitingFor: [] };
}

function wait(state: SyncOperationState, reasons: string[]): Outcome {
  state.message =
    reasons.length > 1 ? `${reasons[0]} and ${reasons.length - 1} more` : (reasons[0] ?? 'waiting');
  return { actions: [], waitingFor: reasons };
}

/** Its call has not been made (or not reported): it can still be stopped. */
function notStarted(task: TaskState): boolean {
  return task.status === 'Pending' || (task.status === 'Running' && !task.executed);
}

function fail(task: TaskState, message: string): void {
  task.status = 'Failed';
  task.message = message;
}

function inWaveOf(task: TaskState, other: TaskState): boolean {
  return task.phase === other.phase && task.wave === other.wave;
}

function describe(tasks: TaskState[]): string {
  return tasks.map((t) => `${t.key}: ${t.message}`).join('; ');
}

function finished(state: SyncOperationState, observations: SyncObservations): SyncStep {
  if (observations.now && !state.finishedAt) state.finishedAt = observations.now;
  return { state, actions: [], done: true, waitingFor: [] };
}

function errored(state: SyncOperationState, observations: SyncObservations, message: string): SyncStep {
  state.phase = 'Error';
  state.message = message;
  state.stage = 'Done';
  return finished(state, observations);
}
