import type { KubeObject } from '../manifest/object.ts';
import { conditionOf, isFields, valueAt } from './fields.ts';
import { degraded, type HealthResult, healthy, progressing } from './status.ts';

/**
 * Whether the object is a Crossplane claim, composite or managed resource: claims are kinds a
 * platform team defines in its own group, so they are recognised by shape, not by name.
 * Crossplane writes the chosen composition and the composite (or its resources) into the spec,
 * and a Synced condition into the status; a managed resource has spec.forProvider.
 */
export function isCrossplaneClaim(obj: KubeObject): boolean {
  const spec = valueAt(obj, 'spec');
  if (!isFields(spec)) return false;
  // Crossplane v2 keeps its fields under spec.crossplane.
  const fields = isFields(spec.crossplane) ? spec.crossplane : spec;
  const composition = ['compositionRef', 'compositionSelector', 'compositionRevisionRef'].some((key) =>
    isFields(fields[key]),
  );
  if (composition) return true;
  const composed =
    isFields(fields.resourceRef) || Array.isArray(fields.resourceRefs) || isFields(spec.forProvider);
  return composed && conditionOf(obj, 'Synced') !== undefined;
}

/**
 * Synced=False: Crossplane could not reconcile it (a bad composition, a provider error), which
 * repeats until someone fixes it. Ready=False while synced: the cloud resources are being
 * created, which is the normal wait.
 */
export function crossplaneClaimHealth(obj: KubeObject): HealthResult {
  const synced = conditionOf(obj, 'Synced');
  if (synced?.status === 'False') return degraded(synced.message || synced.reason || 'Not synced');
  const ready = conditionOf(obj, 'Ready');
  if (ready?.status === 'True' && synced?.status === 'True') return healthy(ready.message);
  if (ready?.status === 'True') return progressing('Waiting for Crossplane to sync');
  return progressing(ready?.message || ready?.reason || 'Waiting for the composite resources to be ready');
}
