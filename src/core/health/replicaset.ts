import type { KubeObject } from '../manifest/object.ts';
import { conditionOf, desiredReplicas, numberAt } from './fields.ts';
import { degraded, type HealthResult, healthy, progressing } from './status.ts';

export function replicaSetHealth(obj: KubeObject): HealthResult {
  // ReplicaFailure: pods cannot be created at all (quota, admission), which waiting will not fix.
  const failure = conditionOf(obj, 'ReplicaFailure');
  if (failure?.status === 'True')
    return degraded(failure.message || failure.reason || 'Pods cannot be created');
  const replicas = desiredReplicas(obj);
  const available = numberAt(obj, 'status', 'availableReplicas') ?? 0;
  if (available < replicas) {
    return progressing(
      `Waiting for rollout to finish: ${available} out of ${replicas} new replicas are available...`,
    );
  }
  return healthy();
}
