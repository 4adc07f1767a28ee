import type { KubeObject } from '../manifest/object.ts';
import { conditionOf, desiredReplicas, numberAt, valueAt } from './fields.ts';
import { degraded, type HealthResult, healthy, progressing, suspended } from './status.ts';

/** Follows `kubectl rollout status`: updated, then old ones gone, then updated ones available. */
export function deploymentHealth(obj: KubeObject): HealthResult {
  if (valueAt(obj, 'spec', 'paused') === true) return suspended('Deployment is paused');
  const progress = conditionOf(obj, 'Progressing');
  if (progress?.reason === 'ProgressDeadlineExceeded') {
    const detail = progress.message === '' ? '' : `: ${progress.message}`;
    return degraded(`Deployment "${obj.metadata.name}" exceeded its progress deadline${detail}`);
  }
  const replicas = desiredReplicas(obj);
  const updated = numberAt(obj, 'status', 'updatedReplicas') ?? 0;
  const current = numberAt(obj, 'status', 'replicas') ?? 0;
  const available = numberAt(obj, 'status', 'availableReplicas') ?? 0;
  if (updated < replicas) {
    return progressing(
      `Waiting for rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`,
    );
  }
  if (current > updated) {
    return progressing(
      `Waiting for rollout to finish: ${current - updated} old replicas are pending termination...`,
    );
  }
  if (available < updated) {
    return progressing(
      `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`,
    );
  }
  return healthy();
}
