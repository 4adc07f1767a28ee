// Errors of the comparison, each saying whether retrying can help (`terminal`): the reconcile
// maps them to condition types (src/controller/reconcile/reasons.ts), the API to status codes.

/** The Application, or what its Git renders, is outside its project: a person must change it. */
export class ProjectViolationError extends Error {
  override name = 'ProjectViolationError';
  readonly terminal = true;
}

/** The destination's cache lost its watch: comparing against it would compare with the past. */
export class ClusterUnreachableError extends Error {
  override name = 'ClusterUnreachableError';
  readonly terminal = false;
}

/** A revision that does not name one revision per source of an app with several sources. */
export class SourceRevisionError extends Error {
  override name = 'SourceRevisionError';
  readonly terminal = true;
}
