// Kubernetes label selectors (matchLabels and matchExpressions) as data, matched against a map:
// a Cluster's labels, a generated app's labels, or a generator's parameters (post-selector).
import type { LabelSelector } from '../model/application-set.ts';

type Requirement = NonNullable<LabelSelector['matchExpressions']>[number];

/** Whether every requirement holds; an empty or absent selector matches everything. */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((r) => requirementHolds(r, labels));
}

export function requirementHolds(requirement: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return has && values.includes(labels[requirement.key] as string);
    case 'NotIn':
      return !has || !values.includes(labels[requirement.key] as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
  return false;
}
