import { isObject } from './json.ts';
import { removeAtPointer } from './json-pointer.ts';
import { fieldsOwnedBy, removeOwnedFields } from './managed-fields.ts';
import type { IgnoreDifference, KubeObject, NormalizeOptions } from './types.ts';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

// Written by the API server, never by a user: they differ between any two objects, so they
// never count. The tracking annotation is not here: a wrong one is a real difference.
const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'uid',
  'generation',
  'creationTimestamp',
  'selfLink',
];

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

const matchesPattern = (pattern: string | undefined, value: string) =>
  pattern === undefined || pattern === '*' || pattern === value;

export function ignoreRuleApplies(rule: IgnoreDifference, obj: KubeObject): boolean {
  return (
    matchesPattern(rule.group, groupOf(obj.apiVersion)) &&
    matchesPattern(rule.kind, obj.kind) &&
    matchesPattern(rule.name, obj.metadata.name ?? '') &&
    matchesPattern(rule.namespace, obj.metadata.namespace ?? '')
  );
}

/**
 * A copy of the object with what never counts removed (server-written metadata, status, the
 * last-applied annotation) and what the user chose to ignore removed. Applied to both sides of
 * a comparison with the same options, so both lose the same fields.
 */
export function normalize(obj: KubeObject, options: NormalizeOptions = {}): KubeObject {
  const copy = structuredClone(obj);
  const owner = options.live ?? obj;
  for (const rule of options.ignoreDifferences ?? []) {
    if (!ignoreRuleApplies(rule, obj)) continue;
    if (rule.managedFieldsManagers?.length) {
      for (const tree of fieldsOwnedBy(owner, rule.managedFieldsManagers)) removeOwnedFields(copy, tree);
    }
    for (const pointer of rule.jsonPointers ?? []) removeAtPointer(copy, pointer);
  }
  // An ignore rule may have removed metadata itself; what is left of it still gets cleaned.
  const metadata: Record<string, unknown> = isObject(copy.metadata) ? copy.metadata : {};
  copy.metadata = metadata;
  for (const field of SERVER_METADATA) delete metadata[field];
  const annotations = metadata.annotations;
  if (isObject(annotations)) {
    delete annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
  }
  delete copy.status;
  return copy;
}
