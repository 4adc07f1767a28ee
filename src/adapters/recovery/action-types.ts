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
  /** What the action reported besides its credentials (a Job's termination message), masked. */
  onOutput?: (text: string) => void;
}

/** Masks what looks like a credential in a tool's output before it is shown. */
export function maskSecrets(text: string): string {
  return text.replace(/[A-Za-z0-9+/=._-]{24,}/g, '***');
}
