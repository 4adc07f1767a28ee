import type { KubeRest } from '../kube/rest.ts';

export class RecoveryActionError extends Error {
  override name = 'RecoveryActionError';
}

export interface ActionInput {
  cluster: string;
  /** The lost cluster's server URL (an action may recreate it at the same address). */
  server: string;
}

export interface ActionContext {
  /** The control cluster and namespace, for Job actions. */
  rest: KubeRest;
  namespace: string;
  signal: AbortSignal;
}
