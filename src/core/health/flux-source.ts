import type { KubeObject } from '../manifest/object.ts';
import { conditionOf, stringAt, valueAt } from './fields.ts';
import { degraded, type HealthResult, healthy, progressing, suspended } from './status.ts';

/** The Flux source kinds (source.toolkit.fluxcd.io) this check covers. */
export const fluxSourceKinds = ['GitRepository', 'HelmRepository', 'OCIRepository', 'Bucket', 'HelmChart'];

/**
 * Flux sources follow kstatus: Reconciling while fetching, Stalled when a retry cannot help,
 * Ready for the artifact. Ready=False is a failed fetch (Flux retries on its interval, but the
 * artifact is missing or stale meanwhile). An OCI HelmRepository is static: Flux does not
 * reconcile it, so it never gets a Ready condition.
 */
export function fluxSourceHealth(obj: KubeObject): HealthResult {
  if (valueAt(obj, 'spec', 'suspend') === true) return suspended(`${obj.kind} is suspended`);
  if (obj.kind === 'HelmRepository' && stringAt(obj, 'spec', 'type') === 'oci') {
    return healthy('OCI HelmRepository is static: nothing to fetch');
  }
  const stalled = conditionOf(obj, 'Stalled');
  if (stalled?.status === 'True') return degraded(stalled.message || stalled.reason);
  const reconciling = conditionOf(obj, 'Reconciling');
  if (reconciling?.status === 'True') return progressing(reconciling.message || 'Fetching');
  const ready = conditionOf(obj, 'Ready');
  if (ready?.status === 'True') return healthy(ready.message);
  if (ready?.status === 'False') return degraded(ready.message || ready.reason || 'Fetch failed');
  return progressing(ready?.message || 'Waiting for the first artifact');
}
