import type { KubeObject } from '../manifest/object.ts';
import { conditionOf } from './fields.ts';
import { degraded, type HealthResult, healthy, progressing } from './status.ts';

/**
 * External Secrets ExternalSecret (and ClusterExternalSecret, PushSecret: same Ready
 * condition). Ready=False means the last sync from the provider failed (SecretSyncedError,
 * a missing store): the Secret the workload reads is missing or stale.
 */
export function externalSecretHealth(obj: KubeObject): HealthResult {
  const ready = conditionOf(obj, 'Ready');
  if (ready?.status === 'True') return healthy(ready.message);
  if (ready?.status === 'False') return degraded(ready.message || ready.reason || 'Secret sync failed');
  return progressing(ready?.message || 'Waiting for the first sync');
}
