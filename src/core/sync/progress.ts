// How task states move on what the controller reports: action results and observations.
import { parseActionId } from './actions.ts';
import {
  type ActionResult,
  hookCompletionOf,
  isGone,
  type LiveObservation,
  type SyncObservations,
} from './observations.ts';
import type { SyncOperationState, TaskState } from './state.ts';

/** Records action results; returns the ids of the tasks whose call completed just now. */
export function recordResults(state: SyncOperationState, results: readonly ActionResult[]): Set<string> {
  const executedNow = new Set<string>();
  const tasks = new Map(state.tasks.map((task) => [task.id, task]));
  for (const result of results) {
    const parsed = parseActionId(result.actionId);
    if (!parsed) continue;
    if (parsed.purpose === 'cleanup') {
      const entry = state.cleanup.find((e) => e.taskId === parsed.taskId);
      if (entry && !entry.done) {
        entry.done = true;
        entry.message = result.ok ? 'deleted' : `deletion failed: ${result.message ?? 'unknown error'}`;
      }
      continue;
    }
    const task = tasks.get(parsed.taskId);
    if (!task) continue;
    if (parsed.purpose === 'validate') {
      if (task.validated || task.status !== 'Pending') continue;
      if (result.ok) task.validated = true;
      else fail(task, `dry run failed: ${result.message ?? 'unknown error'}`);
      continue;
    }
    // A result for a call already recorded (a duplicate report) changes nothing.
    if (task.status !== 'Running' || task.executed) continue;
    if (!result.ok) {
      fail(task, result.message ?? 'failed');
      continue;
    }
    task.executed = true;
    executedNow.add(task.id);
    if (result.uid !== undefined) task.uid = result.uid;
    if (result.generation !== undefined) task.generation = result.generation;
    recordExecution(task, result.message);
  }
  return executedNow;
}

function recordExecution(task: TaskState, message: string | undefined): void {
  switch (task.type) {
    case 'prune':
      task.status = 'Pruned';
      task.message = message ?? 'pruned';
      break;
    case 'delete-hook-before-creation':
      task.status = 'Succeeded';
      task.message = message ?? 'previous run deleted';
      break;
    case 'hook':
      task.message = message ?? 'created';
      break;
    case 'apply':
      task.message = message ?? 'applied';
      break;
  }
}

function fail(task: TaskState, message: string): void {
  task.status = 'Failed';
  task.message = message;
}

/**
 * Moves running applies and hooks on what the cache shows. A task whose call completed in this
 * very step is not judged yet: the cache may still hold the object as it was before the call,
 * healthy, and a wave would go on before its change rolled out.
 */
export function observeTasks(
  state: SyncOperationState,
  observations: SyncObservations,
  executedNow: ReadonlySet<string>,
): void {
  for (const task of state.tasks) {
    if (isDeletion(task)) {
      // Absent in a cache that predates the deletion means it was already gone: no staleness.
      if (task.executed && !task.gone && isGone(observations, task.key)) task.gone = true;
      continue;
    }
    if (task.status !== 'Running' || !task.executed || executedNow.has(task.id)) continue;
    if (task.type !== 'apply' && task.type !== 'hook') continue;
    const live = freshObservation(task, observations);
    if (!live) {
      if (task.seen && isGone(observations, task.key)) {
        fail(
          task,
          `${task.key} disappeared before it ${task.type === 'hook' ? 'completed' : 'became healthy'}`,
        );
      }
      continue;
    }
    task.seen = true;
    task.health = live.health;
    if (task.type === 'hook') observeHook(task, live);
    else observeApplied(task, live);
  }
}

function freshObservation(task: TaskState, observations: SyncObservations): LiveObservation | undefined {
  if (isGone(observations, task.key)) return undefined;
  const live = observations.live?.[task.key];
  if (!live) return undefined;
  if (task.uid !== undefined && live.uid !== undefined && live.uid !== task.uid) return undefined;
  if (task.generation !== undefined && live.generation !== undefined && live.generation < task.generation) {
    return undefined;
  }
  return live;
}

function observeHook(task: TaskState, live: LiveObservation): void {
  const completion = hookCompletionOf(live);
  if (completion === 'Running') {
    task.message = live.message || 'running';
    return;
  }
  task.hookCompleted = true;
  task.status = completion === 'Succeeded' ? 'Succeeded' : 'Failed';
  task.message = live.message || (completion === 'Succeeded' ? 'hook succeeded' : 'hook failed');
}

// Degraded fails the task (Argo CD does the same): it means stuck, not on the way.
function observeApplied(task: TaskState, live: LiveObservation): void {
  switch (live.health) {
    case 'Healthy':
    case 'Suspended':
      task.status = 'Succeeded';
      task.message = live.message || 'applied and healthy';
      break;
    case 'Degraded':
      fail(task, `degraded: ${live.message || 'unhealthy after apply'}`);
      break;
    default:
      task.message = live.message || 'applied, waiting to become healthy';
  }
}

function isDeletion(task: TaskState): boolean {
  return task.type === 'prune' || task.type === 'delete-hook-before-creation';
}

/**
 * Whether a task still holds its group back. Deletions hold it until the object is gone, so
 * a hook is not created while its previous run still exists; `lenient` lets go of that for the
 * last wave, where nothing comes after.
 */
export function isUnsettled(task: TaskState, lenient: boolean): boolean {
  switch (task.status) {
    case 'Pending':
    case 'Running':
      return true;
    case 'Pruned':
    case 'Succeeded':
      return isDeletion(task) && !lenient && !task.gone;
    default:
      return false;
  }
}

/** Words for what an unsettled task waits for. */
export function waitingReason(task: TaskState): string {
  if (task.status === 'Pending' || !task.executed) return `waiting to run ${task.key}`;
  if (task.status === 'Pruned' || task.status === 'Succeeded') return `waiting for deletion of ${task.key}`;
  if (task.type === 'hook') return `waiting for completion of hook ${task.key}`;
  return `waiting for healthy state of ${task.key}`;
}
