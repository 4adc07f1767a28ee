// The moves between stages of an operation: failing, terminating, deciding the outcome.
import { compareOrderable, type Orderable } from './order.ts';
import { type CleanupEntry, type SyncOperationState, type TaskState, taskStateOf } from './state.ts';
import type { SyncPlan } from './types.ts';

const isSyncFailTask = (task: TaskState) => task.phase === 'SyncFail';

function skip(task: TaskState, message: string): void {
  task.status = 'Skipped';
  task.message = message;
}

/**
 * Takes in the tasks of a re-computed plan (a restarted controller plans again): new ones are
 * added, pending ones the plan no longer has are dropped as Skipped, finished ones are kept.
 */
export function mergePlan(state: SyncOperationState, plan: SyncPlan): void {
  const planned = new Set(plan.tasks.map((task) => task.id));
  const known = new Set(state.tasks.map((task) => task.id));
  for (const task of plan.tasks) {
    if (!known.has(task.id)) state.tasks.push(taskStateOf(task));
  }
  for (const task of state.tasks) {
    if (planned.has(task.id)) continue;
    if (task.status === 'Pending' || (task.status === 'Running' && !task.executed)) {
      skip(task, 'no longer part of the plan');
    }
  }
  state.tasks.sort((a, b) => compareOrderable(orderable(a), orderable(b)));
}

function orderable(task: TaskState): Orderable {
  const { kind, namespace, name } = task.ref;
  return {
    ...task,
    kind,
    namespace: namespace ?? '',
    name,
    createsNamespace: task.createsNamespace ?? false,
  };
}

/** Leaves the Sync stage on a failure: nothing more of it starts, its running hooks are awaited. */
export function beginSyncFail(state: SyncOperationState): void {
  const active = state.tasks.filter((task) => !isSyncFailTask(task));
  const failed = active.filter((task) => task.status === 'Failed');
  state.failure = `one or more tasks failed: ${failed.map((task) => `${task.key}: ${task.message}`).join('; ')}`;
  for (const task of active) {
    if (task.status === 'Pending' || (task.status === 'Running' && !task.executed)) {
      skip(task, 'not run: the operation failed');
    } else if (task.status === 'Running' && task.type === 'apply') {
      task.status = 'Succeeded';
      task.message = 'applied; health not awaited: the operation failed';
    }
  }
  state.stage = 'SyncFail';
  state.message = state.failure;
}

/**
 * Decides the outcome and plans the cleanup: hooks deleted per their policies (HookSucceeded
 * after a successful run, HookFailed after a failed one), plus `extra` (running hooks on
 * termination). Whatever has not run by now will not.
 */
export function decideOutcome(
  state: SyncOperationState,
  phase: 'Succeeded' | 'Failed',
  message: string,
  extra: readonly TaskState[] = [],
): void {
  state.outcome = { phase, message };
  state.stage = 'Cleanup';
  for (const task of state.tasks) {
    if (task.status === 'Pending')
      skip(task, phase === 'Succeeded' ? 'not needed: the operation succeeded' : 'not run');
  }
  const byPolicy = state.tasks.filter(
    (task) =>
      task.type === 'hook' &&
      task.executed &&
      task.hookCompleted === true &&
      ((task.status === 'Succeeded' && task.deletePolicies?.includes('HookSucceeded')) ||
        (task.status === 'Failed' && task.deletePolicies?.includes('HookFailed'))),
  );
  const entries = new Map<string, CleanupEntry>();
  for (const task of [...extra, ...byPolicy]) {
    const entry: CleanupEntry = { taskId: task.id, ref: task.ref, done: false };
    if (task.uid) entry.uid = task.uid;
    entries.set(task.id, entry);
  }
  state.cleanup = [...entries.values()];
}

/** Stops starting anything; running hooks are deleted (they may be stuck, the reason to stop). */
export function terminate(state: SyncOperationState): void {
  const runningHooks: TaskState[] = [];
  for (const task of state.tasks) {
    if (task.status === 'Pending') {
      skip(task, 'not run: the operation was terminated');
    } else if (task.status === 'Running' && task.type === 'hook') {
      task.status = 'Failed';
      task.message = 'terminated';
      runningHooks.push(task);
    } else if (task.status === 'Running' && task.executed && task.type === 'apply') {
      task.status = 'Succeeded';
      task.message = 'applied; terminated before it became healthy';
    } else if (task.status === 'Running') {
      skip(task, 'terminated');
    }
  }
  decideOutcome(state, 'Failed', 'operation terminated', runningHooks);
}

/** A dry-run operation ends once everything passed its dry run; hooks never run in it. */
export function finishDryRun(state: SyncOperationState): void {
  for (const task of state.tasks) {
    if (task.validated && task.type === 'apply') {
      task.status = 'Succeeded';
      task.message = 'applied (dry run)';
    } else if (task.validated && task.type === 'prune') {
      task.status = 'Pruned';
      task.message = 'pruned (dry run)';
    } else if (task.status === 'Pending') {
      skip(task, task.type === 'hook' ? 'hooks do not run in a dry run' : 'not run in a dry run');
    }
  }
  decideOutcome(state, 'Succeeded', 'successfully synced (dry run)');
}
