import { type ObjectRef, refOf } from './object-ref.ts';
import type { PropagationPolicy, TaskOptions } from './options.ts';
import type { CleanupEntry, TaskState } from './state.ts';
import type { KubeObject, SyncTask, TaskType } from './types.ts';

/**
 * - validate: the dry run before anything changes.
 * - run: the task itself.
 * - cleanup: deleting a hook per its delete policy, or a running hook on termination.
 */
export type ActionPurpose = 'validate' | 'run' | 'cleanup';

/**
 * apply: server-side apply (or replace, per options). create: create; AlreadyExists is success,
 * since a hook's name is fixed per operation and a resumed operation may create it again.
 * delete: NotFound is success.
 */
export type ActionVerb = 'apply' | 'create' | 'delete';

/** One call the controller makes, then reports as an ActionResult with the same id. */
export interface SyncAction {
  id: string;
  purpose: ActionPurpose;
  verb: ActionVerb;
  dryRun: boolean;
  taskId: string;
  key: string;
  ref: ObjectRef;
  /** apply and create: the object to send. */
  object?: KubeObject;
  /** apply and create: how to send it. */
  options?: TaskOptions;
  /** delete: how dependents go. */
  propagationPolicy?: PropagationPolicy;
  /** delete: only this incarnation (the hook the operation created), not a later namesake. */
  expectedUid?: string;
}

const verbs: Record<TaskType, ActionVerb> = {
  apply: 'apply',
  hook: 'create',
  prune: 'delete',
  'delete-hook-before-creation': 'delete',
};

export function actionId(purpose: ActionPurpose, taskId: string): string {
  return `${purpose}:${taskId}`;
}

/** The inverse of actionId; task ids may contain ':', purposes never do. */
export function parseActionId(id: string): { purpose: ActionPurpose; taskId: string } | undefined {
  const colon = id.indexOf(':');
  const purpose = id.slice(0, colon);
  if (colon < 0 || (purpose !== 'validate' && purpose !== 'run' && purpose !== 'cleanup')) return undefined;
  return { purpose, taskId: id.slice(colon + 1) };
}

// A hook's pods must go with it, and waiting for them (foreground) would only delay the sync.
const HOOK_PROPAGATION: PropagationPolicy = 'background';

export function taskAction(purpose: 'validate' | 'run', task: SyncTask, dryRun: boolean): SyncAction {
  const verb = verbs[task.type];
  const action: SyncAction = {
    id: actionId(purpose, task.id),
    purpose,
    verb,
    dryRun: dryRun || purpose === 'validate',
    taskId: task.id,
    key: task.key,
    ref: refOf(task.object),
  };
  if (verb === 'delete') {
    action.propagationPolicy = task.type === 'prune' ? task.options.propagationPolicy : HOOK_PROPAGATION;
  } else {
    action.object = task.object;
    action.options = task.options;
  }
  return action;
}

export function cleanupAction(entry: CleanupEntry, task: TaskState | undefined): SyncAction {
  return {
    id: actionId('cleanup', entry.taskId),
    purpose: 'cleanup',
    verb: 'delete',
    dryRun: false,
    taskId: entry.taskId,
    key: task?.key ?? '',
    ref: entry.ref,
    propagationPolicy: HOOK_PROPAGATION,
    ...(entry.uid ? { expectedUid: entry.uid } : {}),
  };
}

/**
 * A hook's create (run once per operation: its name is fixed by the operation, and a second
 * operation would run it again) and a hook's cleanup (it follows the hook's run).
 */
export function mustBeSavedBefore(action: SyncAction): boolean {
  return !action.dryRun && (action.verb === 'create' || action.purpose === 'cleanup');
}
