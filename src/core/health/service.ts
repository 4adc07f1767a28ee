import type { KubeObject } from '../manifest/object.ts';
import { listAt, stringAt } from './fields.ts';
import { type HealthResult, healthy, progressing } from './status.ts';

export function serviceHealth(obj: KubeObject): HealthResult {
  if (stringAt(obj, 'spec', 'type') !== 'LoadBalancer') return healthy();
  if (listAt(obj, 'status', 'loadBalancer', 'ingress').length === 0) {
    return progressing('Waiting for the load balancer to be provisioned');
  }
  return healthy();
}
