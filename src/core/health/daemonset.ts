import type { KubeObject } from '../manifest/object.ts';
import { numberAt, stringAt } from './fields.ts';
import { type HealthResult, healthy, progressing } from './status.ts';

export function daemonSetHealth(obj: KubeObject): HealthResult {
  const desired = numberAt(obj, 'status', 'desiredNumberScheduled') ?? 0;
  const updated = numberAt(obj, 'status', 'updatedNumberScheduled') ?? 0;
  const available = numberAt(obj, 'status', 'numberAvailable') ?? 0;
  // OnDelete: pods are replaced only when someone deletes them, so there is no rollout to await.
  if (stringAt(obj, 'spec', 'updateStrategy', 'type') === 'OnDelete') {
    return healthy(`daemon set ${updated} out of ${desired} new pods have been updated`);
  }
  const name = obj.metadata.name;
  if (updated < desired) {
    return progressing(
      `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
    );
  }
  if (available < desired) {
    return progressing(
      `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`,
    );
  }
  return healthy();
}
