import type { KubeObject } from '../manifest/object.ts';
import { desiredReplicas, numberAt, stringAt } from './fields.ts';
import { type HealthResult, healthy, progressing } from './status.ts';

/** Follows `kubectl rollout status` for StatefulSets, including partitioned (canary) rollouts. */
export function statefulSetHealth(obj: KubeObject): HealthResult {
  const replicas = desiredReplicas(obj);
  const ready = numberAt(obj, 'status', 'readyReplicas') ?? 0;
  const updated = numberAt(obj, 'status', 'updatedReplicas') ?? 0;
  if (ready < replicas) return progressing(`Waiting for ${replicas - ready} pods to be ready...`);
  const strategy = stringAt(obj, 'spec', 'updateStrategy', 'type') ?? 'RollingUpdate';
  // OnDelete: pods are replaced only when someone deletes them, so there is no rollout to await.
  if (strategy === 'OnDelete') return healthy(`statefulset has ${ready} ready pods`);
  const partition = numberAt(obj, 'spec', 'updateStrategy', 'rollingUpdate', 'partition') ?? 0;
  if (partition > 0) {
    // Pods below the partition stay at the old revision on purpose; only the rest must update.
    const expected = Math.max(replicas - partition, 0);
    if (updated < expected) {
      return progressing(
        `Waiting for partitioned roll out to finish: ${updated} out of ${expected} new pods have been updated...`,
      );
    }
    return healthy(`partitioned roll out complete: ${updated} new pods have been updated...`);
  }
  if (updated < replicas) {
    return progressing(
      `Waiting for rolling update to finish: ${updated} out of ${replicas} new pods have been updated...`,
    );
  }
  const current = stringAt(obj, 'status', 'currentRevision');
  const update = stringAt(obj, 'status', 'updateRevision');
  if (current !== undefined && update !== undefined && current !== update) {
    return progressing(`Waiting for rolling update to complete ${updated} pods at revision ${update}...`);
  }
  return healthy(update === undefined ? '' : `rolling update complete ${ready} pods at revision ${update}`);
}
