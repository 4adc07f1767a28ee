// What a status says it was compared on: the resolved spec's sources and destination. The
// controller writes it, and an ApplicationSet rollout reads it back to tell whether an app has
// caught up with its new spec. Both use this one function, so they cannot disagree.
import type { ResolvedApplicationSpec } from './application.ts';
import type { ApplicationStatus } from './application-status.ts';

type ComparedTo = NonNullable<NonNullable<ApplicationStatus['sync']>['comparedTo']>;

export function comparedToOf(spec: ResolvedApplicationSpec): ComparedTo {
  return {
    source: { ...spec.source },
    // Every source, ref-only ones included: a new revision of a values repository changes what
    // the app renders as much as one of its chart.
    ...(spec.sources ? { sources: spec.sources.map((source) => ({ ...source })) } : {}),
    destination: { ...spec.destination },
  };
}
