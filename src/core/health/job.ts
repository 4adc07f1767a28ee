import type { KubeObject } from '../manifest/object.ts';
import { conditionOf, numberAt, valueAt } from './fields.ts';
import { degraded, type HealthResult, healthy, progressing, suspended } from './status.ts';

export function jobHealth(obj: KubeObject): HealthResult {
  // FailureTarget is set as soon as the Job is known to fail, before its pods finish terminating.
  for (const type of ['Failed', 'FailureTarget']) {
    const failed = conditionOf(obj, type);
    if (failed?.status === 'True') return degraded(failed.message || failed.reason || 'Job failed');
  }
  const complete = conditionOf(obj, 'Complete');
  if (complete?.status === 'True') return healthy(complete.message || 'Job completed');
  if (valueAt(obj, 'spec', 'suspend') === true || conditionOf(obj, 'Suspended')?.status === 'True') {
    return suspended('Job is suspended');
  }
  const active = numberAt(obj, 'status', 'active') ?? 0;
  const succeeded = numberAt(obj, 'status', 'succeeded') ?? 0;
  const failedPods = numberAt(obj, 'status', 'failed') ?? 0;
  return progressing(`Job is running: ${active} active, ${succeeded} succeeded, ${failedPods} failed pods`);
}
