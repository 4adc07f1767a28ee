import type { KubeObject } from '../manifest/object.ts';
import { listAt } from './fields.ts';
import { type HealthResult, healthy, progressing } from './status.ts';

/** As in Argo CD: an Ingress is ready once its controller publishes an address for it. */
export function ingressHealth(obj: KubeObject): HealthResult {
  if (listAt(obj, 'status', 'loadBalancer', 'ingress').length === 0) {
    return progressing('Waiting for the ingress controller to publish an address');
  }
  return healthy();
}
