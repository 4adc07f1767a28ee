import { diffObjects } from '../../core/diff/index.ts';
import type { Comparison } from './compare.ts';

/** What `tiphys app diff` and the API's diff route show. */
export interface AppDiff {
  revision: string;
  resources: { key: string; status: string; diff: string }[];
}

/**
 * The unified diff of every resource that differs, from a comparison: the predicted object (what
 * a sync would make) against the live one. diffObjects masks Secret values on both sides.
 */
export function appDiffOf(revision: string, comparison: Comparison): AppDiff {
  const resources = comparison.resources
    .filter((r) => !r.hook)
    .map((r) => {
      const desiredObject = r.requiresPruning ? undefined : (r.predicted ?? r.desired?.object);
      const diff = r.status === 'Synced' ? '' : diffObjects(desiredObject, r.live, {}).text;
      return { key: r.id, status: r.status, diff: diff || (r.message ?? '') };
    });
  return { revision, resources };
}
