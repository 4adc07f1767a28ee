// What a live cache keeps of an object (docs/performance.md, "Memory at 1,000 apps"). Two
// fields are bulk that no cached reader looks at: metadata.managedFields (which manager owns
// which field, often larger than the object itself) and kubectl's last-applied annotation (a
// full copy of the object as some user last applied it with client-side kubectl). Comparison,
// health, tracking and the resource tree read neither; the readers that do (an ignore rule by
// field manager, the live manifest a person looks at) read the object from its API server.
import { ignoreRuleApplies, LAST_APPLIED_ANNOTATION } from '../diff/normalize.ts';
import type { IgnoreDifference } from '../diff/types.ts';
import type { KubeObject } from './object.ts';

/**
 * The object without the fields caches drop. A new object: nested values the two share are not
 * copied, and the input is not changed. An object with neither field is returned as is.
 */
export function cachedForm<T extends { metadata?: unknown }>(obj: T): T {
  const meta = obj.metadata as { managedFields?: unknown; annotations?: unknown } | undefined;
  if (!meta || typeof meta !== 'object') return obj;
  const annotations = meta.annotations as Record<string, unknown> | undefined;
  const lastApplied =
    annotations !== null && typeof annotations === 'object' && LAST_APPLIED_ANNOTATION in annotations;
  if (!('managedFields' in meta) && !lastApplied) return obj;
  const { managedFields: _managed, ...metadata } = meta as Record<string, unknown>;
  if (lastApplied) {
    const { [LAST_APPLIED_ANNOTATION]: _applied, ...rest } = annotations;
    if (Object.keys(rest).length > 0) metadata.annotations = rest;
    else delete metadata.annotations;
  }
  return { ...obj, metadata };
}

/**
 * Whether an ignore rule that applies to `obj` reads what `cachedForm` drops: field managers
 * (from managedFields), or a pointer into managedFields or the last-applied annotation. Such
 * an object is read from its API server before it is compared or kept by a sync.
 */
export function needsFullObject(obj: KubeObject, rules: readonly IgnoreDifference[]): boolean {
  return rules.some(
    (rule) =>
      ignoreRuleApplies(rule, obj) &&
      ((rule.managedFieldsManagers?.length ?? 0) > 0 ||
        (rule.jsonPointers ?? []).some(
          (pointer) =>
            pointer.startsWith('/metadata/managedFields') || pointer.includes('last-applied-configuration'),
        )),
  );
}
