import type { KubeObject } from '../manifest/object.ts';
import { conditionOf, listAt, numberAt, stringAt, valueAt } from './fields.ts';
import { degraded, type HealthResult, healthy, progressing, suspended } from './status.ts';

const phases: Record<string, (message: string) => HealthResult> = {
  Healthy: healthy,
  Progressing: progressing,
  Degraded: degraded,
  Paused: suspended,
};

/**
 * Argo Rollouts Rollout. The Rollouts controller (v1.0 and later) computes its own phase and
 * message, which is what `kubectl argo rollouts` shows, so that is the answer whenever it is
 * there and current. Its status.observedGeneration is a hash string, not a number, so
 * freshness is read from the controller's own phase.
 */
export function rolloutHealth(obj: KubeObject): HealthResult {
  const message = stringAt(obj, 'status', 'message') ?? '';
  const invalid = conditionOf(obj, 'InvalidSpec');
  if (invalid?.status === 'True') return degraded(invalid.message || 'Rollout spec is invalid');
  const phase = stringAt(obj, 'status', 'phase');
  if (phase !== undefined && Object.hasOwn(phases, phase)) return phases[phase](message);
  // Older controllers: no phase, read the conditions and counters ourselves.
  if (valueAt(obj, 'spec', 'paused') === true || listAt(obj, 'status', 'pauseConditions').length > 0) {
    return suspended('Rollout is paused');
  }
  const progress = conditionOf(obj, 'Progressing');
  if (progress?.reason === 'ProgressDeadlineExceeded') return degraded(progress.message);
  const desired = numberAt(obj, 'spec', 'replicas') ?? 1;
  const updated = numberAt(obj, 'status', 'updatedReplicas') ?? 0;
  const available = numberAt(obj, 'status', 'availableReplicas') ?? 0;
  if (updated < desired) return progressing(`Waiting for rollout: ${updated} of ${desired} replicas updated`);
  if (available < desired)
    return progressing(`Waiting for rollout: ${available} of ${desired} replicas available`);
  return healthy(message);
}
