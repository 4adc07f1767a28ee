import { annotationOf, type KubeObject } from '../manifest/object.ts';
import { conditionOf } from './fields.ts';
import { degraded, type HealthResult, healthy, progressing, suspended } from './status.ts';

/**
 * KEDA ScaledObject. Paused (annotation or condition) is a choice; Fallback=True means the
 * scalers are failing and KEDA holds the fallback replica count, which nobody wants to last.
 * Active says whether there is load, not health, so it only adds to the message.
 */
export function scaledObjectHealth(obj: KubeObject): HealthResult {
  const paused = conditionOf(obj, 'Paused');
  if (
    paused?.status === 'True' ||
    annotationOf(obj, 'autoscaling.keda.sh/paused') === 'true' ||
    annotationOf(obj, 'autoscaling.keda.sh/paused-replicas') !== undefined
  ) {
    return suspended(paused?.message || 'ScaledObject is paused');
  }
  const ready = conditionOf(obj, 'Ready');
  if (ready?.status === 'False')
    return degraded(ready.message || ready.reason || 'ScaledObject is not ready');
  const fallback = conditionOf(obj, 'Fallback');
  if (fallback?.status === 'True')
    return degraded(fallback.message || 'Scalers failed: using fallback replicas');
  if (ready?.status === 'True') return healthy(conditionOf(obj, 'Active')?.message || ready.message);
  return progressing(ready?.message || 'Waiting for KEDA to set up the ScaledObject');
}
