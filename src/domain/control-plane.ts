import type { KubeRest } from '../adapters/kube/rest.ts';

/**
 * What every domain operation works on: the control cluster (raw JSON calls) and the control
 * namespace. The CLI builds one from a kubeconfig, the API server from its service account.
 */
export interface ControlPlane {
  rest: KubeRest;
  namespace: string;
}
