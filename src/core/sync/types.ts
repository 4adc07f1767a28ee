// The data a sync plan is made from and made of. The object and annotation types mirror
// src/core/manifest/ structurally but are declared here so that sync/ depends only on data:
// annotations are parsed by the caller and arrive as fields (hook phases, wave, policies), and
// so does ownership: the caller reads tracking ids and passes what it judged.
import type { IgnoreDifference } from '../diff/types.ts';
import type { Ownership } from '../manifest/tracking.ts';
import type { SyncOptionSet, TaskOptions } from './options.ts';

export type { Ownership } from '../manifest/tracking.ts';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** The phases a sync runs in, in this order; SyncFail runs only when the operation failed. */
export type SyncPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';
export const SYNC_PHASES: readonly SyncPhase[] = ['PreSync', 'Sync', 'PostSync', 'SyncFail'];

/** A hook annotation's value. 'Skip' objects are never applied (and never pruned). */
export type HookType = SyncPhase | 'Skip';

export type HookDeletePolicy = 'HookSucceeded' | 'HookFailed' | 'BeforeHookCreation';
export const HookDeletePolicies = {
  HookSucceeded: 'HookSucceeded',
  HookFailed: 'HookFailed',
  BeforeHookCreation: 'BeforeHookCreation',
} as const satisfies Record<HookDeletePolicy, HookDeletePolicy>;

/**
 * - apply: server-side apply a desired object.
 * - prune: delete a live object that is no longer desired.
 * - hook: create a hook object (a Job, a Pod…) and wait for it to complete.
 * - delete-hook-before-creation: delete the previous run of a hook before creating it again.
 */
export type TaskType = 'apply' | 'prune' | 'hook' | 'delete-hook-before-creation';
export const TaskTypes = {
  apply: 'apply',
  prune: 'prune',
  hook: 'hook',
  deleteHookBeforeCreation: 'delete-hook-before-creation',
} as const satisfies Record<string, TaskType>;

/** One object of the rendered manifests, with its annotations already read by the caller. */
export interface DesiredResource {
  /** `group/kind/namespace/name`; for a hook with only generateName the name part is ''. */
  key: string;
  /** Fully resolved: the namespace is set for namespaced objects. */
  object: KubeObject;
  /** [] or absent for an ordinary resource. */
  hookTypes?: readonly HookType[];
  wave?: number;
  /** Absent or [] means Argo CD's default, BeforeHookCreation. */
  deletePolicies?: readonly HookDeletePolicy[];
  syncOptions?: SyncOptionSet;
}

/** One object in the cluster that belongs to the application (tracked by it). */
export interface LiveResource {
  key: string;
  object: KubeObject;
  /** False when the comparison found it equal to its desired object. */
  outOfSync: boolean;
  /** The wave and options read from the live object's annotations; they govern its pruning. */
  wave?: number;
  syncOptions?: SyncOptionSet;
  /** A hook left by an earlier sync: never pruned, deleted only by hook delete policies. */
  isHook?: boolean;
}

export interface SyncInput {
  /** Stable for the whole operation, across controller restarts: names generated hooks. */
  operationId: string;
  desired: readonly DesiredResource[];
  live: readonly LiveResource[];
  /** Application-level sync options (the Application's and the operation's, merged). */
  options?: SyncOptionSet;
  /**
   * The app's ignoreDifferences: with `RespectIgnoreDifferences=true`, an apply of an object that
   * exists keeps the live values of the fields they name.
   */
  ignoreDifferences?: readonly IgnoreDifference[];
  /** Whether this operation may delete live objects that are no longer desired. */
  prune?: boolean;
  /** Allow a sync whose render is empty to prune everything. */
  allowEmpty?: boolean;
  /** Keys of the objects to sync; absent means all. A selective sync runs no hooks. */
  selected?: readonly string[];
  dryRun?: boolean;
  /** Sync without hooks (Argo CD's "apply" strategy). */
  skipHooks?: boolean;
  /** The Application's destination namespace, for CreateNamespace=true. */
  destinationNamespace?: { name: string; exists: boolean };
  /** Formats a key; defaults to `group/kind/namespace/name`, the manifest module's format. */
  keyOf?: (obj: KubeObject) => string;
  /** The Application being synced, named in refusals. */
  appName?: string;
  /**
   * Who owns the object that exists now at a desired key (read from the cache); a key with no
   * entry has no object. Replacing writes, hook deletions and hook adoption act only on objects
   * that are the app's own or absent (see ownership.ts).
   */
  owners?: Readonly<Record<string, Ownership>>;
  /** Keys that other Applications on the same cluster render too, with their names. */
  sharedWith?: Readonly<Record<string, readonly string[]>>;
  /**
   * Desired keys whose object, exactly as given here, the API server has just accepted in a
   * server-side apply dry run against the live object as it is now (the comparison's): that dry
   * run is their validation, and an apply task sending that very object is not dry-run again.
   */
  prevalidated?: readonly string[];
}

export interface SyncTask {
  /** `phase/type/key`: stable across re-planning, so a persisted state finds its tasks again. */
  id: string;
  phase: SyncPhase;
  wave: number;
  type: TaskType;
  key: string;
  /** For apply and hook: the object to send. For deletions: the object to delete. */
  object: KubeObject;
  options: TaskOptions;
  /** Hooks only; [] otherwise. */
  deletePolicies: readonly HookDeletePolicy[];
  /** The task that creates the destination namespace, run before anything is validated. */
  createsNamespace?: boolean;
  /**
   * The comparison's dry run of this very object (same object, same server-side apply) passed:
   * it counts as the task's validation, so the task is not dry-run a second time.
   */
  prevalidated?: boolean;
  /**
   * Why this task must not run: the object it would delete, replace or adopt is not the app's.
   * A refused task fails the operation before anything changes, or, when the refusal appears
   * mid-operation (another app took the object since), fails when its turn comes.
   */
  refusal?: string;
}

/**
 * Why a resource the sync could have touched was left alone; reported, never silent.
 * SharedResource: not pruned, because another Application renders it too.
 */
export type SkipReason = 'RequiresPruning' | 'PruneDisabled' | 'InSync' | 'SharedResource';

export interface SkippedResource {
  key: string;
  reason: SkipReason;
  message: string;
}

export interface SyncPlan {
  operationId: string;
  dryRun: boolean;
  /** Sorted: phase, wave, deletions before creations, kind order, kind, namespace, name. */
  tasks: SyncTask[];
  skipped: SkippedResource[];
}
