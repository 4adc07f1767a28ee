import { stringify } from 'yaml';
import { changesBetween } from './changes.ts';
import { unifiedDiff } from './line-diff.ts';
import { normalize } from './normalize.ts';
import { isSecret, maskSecretPair } from './secret-mask.ts';
import type { DiffResult, IgnoreDifference, KubeObject } from './types.ts';

export interface DiffOptions {
  ignoreDifferences?: readonly IgnoreDifference[];
}

// Sorted keys: the API server and a manifest order fields differently, which is no difference.
function render(obj: KubeObject | undefined): string {
  return obj === undefined ? '' : stringify(obj, { sortMapEntries: true, lineWidth: 0 });
}

/**
 * Compares a desired object (in practice the result of a server-side apply dry run, so server
 * defaults are filled in) with the live one. Either may be absent: a missing live object is all
 * additions, a missing desired one (to be pruned) all removals. Both are normalised the same
 * way, with the live object's field owners; Secrets are masked before anything is compared or
 * rendered, so no value can reach the result.
 */
export function diffObjects(
  desired: KubeObject | undefined,
  live: KubeObject | undefined,
  options: DiffOptions = {},
): DiffResult {
  const owner = live ?? desired;
  let after = desired && normalize(desired, { ignoreDifferences: options.ignoreDifferences, live: owner });
  let before = live && normalize(live, { ignoreDifferences: options.ignoreDifferences, live: owner });
  if (isSecret(after) || isSecret(before)) [after, before] = maskSecretPair(after, before);
  const changes = changesBetween(before, after);
  return {
    equal: changes.length === 0,
    changes,
    text: changes.length === 0 ? '' : unifiedDiff(render(before), render(after)),
  };
}
