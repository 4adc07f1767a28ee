// One table from what went wrong to what a person sees: the condition type on the Application,
// the reason of its Kubernetes Event, and whether the reconcile is tried again soon (a cluster
// that did not answer) or only on the next change or Git poll (a spec, a manifest or a project
// refusal that fails the same way until someone changes it).
import { ChartFetchError } from '../../adapters/charts/errors.ts';
import { GitError } from '../../adapters/git/index.ts';
import { OutsideWatchedNamespacesError } from '../../adapters/kube/cluster-cache.ts';
import { EmptyRenderError, RenderError } from '../../adapters/render/render.ts';
import { SopsError } from '../../adapters/sops/decrypt.ts';
import { ManifestParseError } from '../../core/manifest/parse-error.ts';
import { ApplicationConditionType } from '../../core/model/application-status.ts';
import { DuplicateResourceError } from '../../domain/comparison/desired-state.ts';
import {
  ClusterUnreachableError,
  ProjectViolationError,
  SourceRevisionError,
} from '../../domain/comparison/errors.ts';

/** The Application's spec does not validate (its schema, or a value the controller refuses). */
export class InvalidSpecError extends Error {
  override name = 'InvalidSpecError';
  readonly terminal = true;
}

/** The status subresource refused a write: logged, and the reconcile is tried again soon. */
export class StatusWriteError extends Error {
  override name = 'StatusWriteError';
  readonly terminal = false;
}

/** The destination is lost, or its replacement has not released this app's wave yet. */
export class ClusterHoldError extends Error {
  override name = 'ClusterHoldError';
  readonly terminal = false;
  readonly event: string;
  constructor(event: string, message: string) {
    super(message);
    this.event = event;
  }
}

export interface FailureReason {
  /** The Application condition that shows the failure. */
  condition: string;
  /** The reason of the Warning Event recorded on the Application. */
  event: string;
  /** True when retrying without a change cannot help: wait for the next change or poll. */
  terminal: boolean;
  /**
   * True when the app's last health means nothing any more: an empty render declares nothing
   * whose health could be Healthy, so the app reads Unknown instead of keeping it.
   */
  healthUnknown?: boolean;
}

type ErrorClass = abstract new (...args: never[]) => Error;

const { InvalidSpecError: INVALID_SPEC, ComparisonError, ProjectViolation } = ApplicationConditionType;

/** First match wins; errors of no listed class fall through to `reasonOf`'s default. */
export const FAILURE_REASONS: readonly (readonly [ErrorClass, FailureReason])[] = [
  [InvalidSpecError, { condition: INVALID_SPEC, event: 'InvalidSpec', terminal: true }],
  [ProjectViolationError, { condition: ProjectViolation, event: 'ProjectRefused', terminal: true }],
  [
    EmptyRenderError,
    { condition: ComparisonError, event: 'EmptyRender', terminal: true, healthUnknown: true },
  ],
  [SourceRevisionError, { condition: ComparisonError, event: 'InvalidRevision', terminal: true }],
  [SopsError, { condition: ComparisonError, event: 'DecryptionFailed', terminal: true }],
  [DuplicateResourceError, { condition: ComparisonError, event: 'ManifestError', terminal: true }],
  [ManifestParseError, { condition: ComparisonError, event: 'ManifestError', terminal: true }],
  [
    OutsideWatchedNamespacesError,
    { condition: ComparisonError, event: 'OutsideManagedNamespaces', terminal: true },
  ],
  [ClusterUnreachableError, { condition: ComparisonError, event: 'ClusterUnreachable', terminal: false }],
  [StatusWriteError, { condition: ComparisonError, event: 'StatusWriteFailed', terminal: false }],
];

/**
 * The reason of a failure. Render and Git errors say themselves whether a retry can help (a
 * chart the tool refuses, a revision that does not exist: terminal; a timeout: not); anything
 * else (an API error of the destination) is a ComparisonError tried again soon.
 */
export function reasonOf(error: unknown): FailureReason {
  if (error instanceof ClusterHoldError)
    return { condition: ComparisonError, event: error.event, terminal: false };
  for (const [type, reason] of FAILURE_REASONS) if (error instanceof type) return reason;
  const terminal = (error as { terminal?: unknown })?.terminal === true;
  if (error instanceof RenderError || error instanceof GitError || error instanceof ChartFetchError) {
    return { condition: ComparisonError, event: terminal ? 'ManifestError' : 'ComparisonFailed', terminal };
  }
  return { condition: ComparisonError, event: 'ComparisonFailed', terminal };
}
