// The progress of a sync operation, as plain JSON: the controller persists it in the
// Application's status after every step, and a restarted controller resumes from it.

import { type ObjectRef, refOf } from './object-ref.ts';
import type { HealthStatus } from './observations.ts';
import type { HookDeletePolicy, SyncPhase, SyncPlan, SyncTask, TaskType } from './types.ts';

export type OperationPhase = 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Terminating';
export const OperationPhases = {
  Running: 'Running',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Error: 'Error',
  Terminating: 'Terminating',
} as const satisfies Record<OperationPhase, OperationPhase>;

export type TaskStatus = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Skipped' | 'Pruned';
export const TaskStatuses = {
  Pending: 'Pending',
  Running: 'Running',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Skipped: 'Skipped',
  Pruned: 'Pruned',
} as const satisfies Record<TaskStatus, TaskStatus>;

/**
 * - Validate: create the destination namespace if asked, then dry-run every task.
 * - Sync: PreSync, Sync and PostSync, group by group.
 * - SyncFail: after a failure, the SyncFail hooks (and waiting for hooks still running).
 * - Cleanup: delete hooks per their delete policies.
 * - Done: the phase is final.
 */
export type Stage = 'Validate' | 'Sync' | 'SyncFail' | 'Cleanup' | 'Done';

export interface TaskState {
  id: string;
  key: string;
  type: TaskType;
  phase: SyncPhase;
  wave: number;
  ref: ObjectRef;
  status: TaskStatus;
  message: string;
  /** The task's API call (apply, create, delete) returned success. */
  executed: boolean;
  /** The dry run passed (or was skipped on purpose). */
  validated: boolean;
  /** The object was observed in the cluster since it was applied or created. */
  seen?: boolean;
  /**
   * Deletions: the object was observed gone. Latched, because a hook deleted before its
   * creation comes back under the same key when it is created again.
   */
  gone?: boolean;
  /** Set by the apply or create result: older observations of the object are ignored. */
  uid?: string;
  generation?: number;
  health?: HealthStatus;
  /** Hooks: the hook ran to completion, successfully or not. */
  hookCompleted?: boolean;
  deletePolicies?: HookDeletePolicy[];
  createsNamespace?: boolean;
}

/** A hook to delete once the operation has its outcome. */
export interface CleanupEntry {
  taskId: string;
  ref: ObjectRef;
  /** The hook the operation created; another object under its name is left alone. */
  uid?: string;
  done: boolean;
  message?: string;
}

export interface SyncOperationState {
  operationId: string;
  dryRun: boolean;
  phase: OperationPhase;
  message: string;
  stage: Stage;
  /** The phase and wave being run, for display. */
  syncPhase?: SyncPhase;
  wave?: number;
  startedAt?: string;
  finishedAt?: string;
  /** Why the operation is failing; set when it leaves the Sync stage on a failure. */
  failure?: string;
  /** The final phase and message, decided before cleanup runs. */
  outcome?: { phase: 'Succeeded' | 'Failed'; message: string };
  tasks: TaskState[];
  cleanup: CleanupEntry[];
}

export function taskStateOf(task: SyncTask): TaskState {
  const state: TaskState = {
    id: task.id,
    key: task.key,
    type: task.type,
    phase: task.phase,
    wave: task.wave,
    ref: refOf(task.object),
    status: 'Pending',
    message: '',
    executed: false,
    validated: false,
  };
  if (task.type === 'hook') state.deletePolicies = [...task.deletePolicies];
  if (task.createsNamespace) state.createsNamespace = true;
  return state;
}

export function initialState(plan: SyncPlan, now?: string): SyncOperationState {
  const state: SyncOperationState = {
    operationId: plan.operationId,
    dryRun: plan.dryRun,
    phase: 'Running',
    message: 'operation started',
    stage: 'Validate',
    tasks: plan.tasks.map(taskStateOf),
    cleanup: [],
  };
  if (now) state.startedAt = now;
  return state;
}

export function isFinished(state: SyncOperationState): boolean {
  return state.stage === 'Done';
}

/** Asks a running operation to stop; the next step deletes running hooks and fails it. */
export function requestTermination(state: SyncOperationState): SyncOperationState {
  if (state.stage === 'Done' || state.stage === 'Cleanup') return state;
  return { ...state, phase: 'Terminating', message: 'terminating' };
}

/** An operation that could not even be planned (see SyncPlanError), as a final state. */
export function erroredState(operationId: string, message: string, now?: string): SyncOperationState {
  const state: SyncOperationState = {
    operationId,
    dryRun: false,
    phase: 'Error',
    message,
    stage: 'Done',
    tasks: [],
    cleanup: [],
  };
  if (now) {
    state.startedAt = now;
    state.finishedAt = now;
  }
  return state;
}
