import { annotationOf, type KubeObject } from '../manifest/object.ts';
import { type Condition, conditionOf, conditionsOf, listAt } from './fields.ts';
import { degraded, type HealthResult, healthy, progressing } from './status.ts';

/** autoscaling/v1 has no status.conditions; the API server puts them in this annotation. */
const v1ConditionsAnnotation = 'autoscaling.alpha.kubernetes.io/conditions';

function hpaConditions(obj: KubeObject): Condition[] {
  if (listAt(obj, 'status', 'conditions').length > 0) return conditionsOf(obj);
  const text = annotationOf(obj, v1ConditionsAnnotation);
  if (text === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? conditionsOf(parsed) : [];
  } catch {
    return [];
  }
}

/**
 * Degraded when the autoscaler cannot read its target or its metrics (reasons FailedGet…,
 * FailedUpdate…, Invalid…): it then stops scaling altogether. Backoff reasons come with
 * AbleToScale True and are normal.
 */
export function horizontalPodAutoscalerHealth(obj: KubeObject): HealthResult {
  const conditions = hpaConditions(obj);
  const ableToScale = conditionOf(conditions, 'AbleToScale');
  const scalingActive = conditionOf(conditions, 'ScalingActive');
  for (const condition of [ableToScale, scalingActive]) {
    if (condition?.status === 'False' && /^(Failed|Invalid)/.test(condition.reason)) {
      return degraded(condition.message || condition.reason);
    }
  }
  // Scaling disabled because the target was scaled to zero on purpose.
  if (scalingActive?.status === 'False' && scalingActive.reason === 'ScalingDisabled') {
    return healthy(scalingActive.message);
  }
  if (ableToScale?.status === 'True' && scalingActive?.status !== 'False') {
    const limited = conditionOf(conditions, 'ScalingLimited');
    return healthy(limited?.status === 'True' ? limited.message : '');
  }
  const waiting = [ableToScale, scalingActive].find((c) => c !== undefined && c.status !== 'True');
  return progressing(waiting?.message || 'Waiting to autoscale');
}
