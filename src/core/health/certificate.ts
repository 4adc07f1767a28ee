import type { KubeObject } from '../manifest/object.ts';
import { conditionOf } from './fields.ts';
import { degraded, type HealthResult, healthy, progressing } from './status.ts';

/**
 * cert-manager Certificate. While cert-manager is issuing (Issuing=True) a Ready=False is the
 * normal state of a new or renewing certificate; Ready=False without an issuance under way
 * means it gave up (a bad issuer, a failed challenge) until someone acts or it retries later.
 */
export function certificateHealth(obj: KubeObject): HealthResult {
  const issuing = conditionOf(obj, 'Issuing');
  const ready = conditionOf(obj, 'Ready');
  if (issuing?.status === 'True') return progressing(issuing.message || 'Issuing certificate');
  if (ready?.status === 'True') return healthy(ready.message);
  if (ready?.status === 'False') return degraded(ready.message || ready.reason || 'Certificate is not ready');
  if (issuing?.status === 'False' && issuing.reason === 'Failed') {
    return degraded(issuing.message || 'Certificate issuance failed');
  }
  return progressing(ready?.message || 'Waiting for the certificate to be issued');
}
