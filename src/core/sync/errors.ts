/**
 * - EmptyRender: the render has no resources but the application owns some; syncing would
 *   delete them all, which is far more often a broken render than an intent (allowEmpty).
 * - DuplicateResource: two desired objects with the same key; which one wins is undefined.
 * - InvalidResource: an object that cannot be applied (no name, generateName on a non-hook).
 */
export type SyncPlanErrorReason = 'EmptyRender' | 'DuplicateResource' | 'InvalidResource';

/** A plan that must not run. Terminal: re-planning the same input gives the same answer. */
export class SyncPlanError extends Error {
  override readonly name = 'SyncPlanError';
  readonly reason: SyncPlanErrorReason;
  readonly terminal = true;
  /** The keys involved, for a message a person can act on. */
  readonly keys: readonly string[];

  constructor(
    reason: SyncPlanErrorReason,
    message: string,
    keys: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.reason = reason;
    this.keys = keys;
  }
}
