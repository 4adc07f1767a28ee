// The sync plan and its state machine; see plan.ts and step.ts.
export { type ActionPurpose, type ActionVerb, mustBeSavedBefore, type SyncAction } from './actions.ts';
export { SyncPlanError, type SyncPlanErrorReason } from './errors.ts';
export { generatedHookName } from './hook-name.ts';
export { defaultKeyOf, type ObjectRef } from './object-ref.ts';
export type {
  ActionResult,
  HealthStatus,
  HookCompletion,
  LiveObservation,
  SyncObservations,
} from './observations.ts';
export {
  mergeSyncOptions,
  type PropagationPolicy,
  parseSyncOptions,
  type SyncOptionSet,
  type TaskOptions,
} from './options.ts';
export { compareTasks, kindRank } from './order.ts';
export { type PlanResult, planSync } from './plan.ts';
export {
  type CleanupEntry,
  erroredState,
  initialState,
  isFinished,
  type OperationPhase,
  OperationPhases,
  requestTermination,
  type Stage,
  type SyncOperationState,
  type TaskState,
  type TaskStatus,
  TaskStatuses,
} from './state.ts';
export { nextStep, type SyncStep } from './step.ts';
export * from './types.ts';
