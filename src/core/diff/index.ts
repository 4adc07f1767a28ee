// Normalisation and comparison of desired and live objects; see diff.ts.
export { changesBetween } from './changes.ts';
export { type DiffOptions, diffObjects } from './diff.ts';
export { formatPointer, parsePointer, removeAtPointer } from './json-pointer.ts';
export { diffLines, type LineEdit, unifiedDiff } from './line-diff.ts';
export { fieldsOwnedBy, removeOwnedFields } from './managed-fields.ts';
export { ignoreRuleApplies, LAST_APPLIED_ANNOTATION, normalize } from './normalize.ts';
export { isSecret, maskSecret, maskSecretPair, SECRET_CHANGED_MASK, SECRET_MASK } from './secret-mask.ts';
export type { Change, DiffResult, IgnoreDifference, KubeObject, NormalizeOptions } from './types.ts';
