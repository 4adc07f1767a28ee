import type { KubeObject } from '../manifest/object.ts';
import { stringAt } from './fields.ts';
import { degraded, type HealthResult, healthy, progressing, unknown } from './status.ts';

export function persistentVolumeClaimHealth(obj: KubeObject): HealthResult {
  const phase = stringAt(obj, 'status', 'phase');
  switch (phase) {
    case 'Bound':
      return healthy();
    case undefined:
    // Pending is normal for a WaitForFirstConsumer class until a pod uses the claim.
    case 'Pending':
      return progressing('Waiting for the claim to be bound');
    case 'Lost':
      return degraded('The claim lost its volume');
    default:
      return unknown(`Claim phase is ${phase}`);
  }
}
