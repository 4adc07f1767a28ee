// What an operation leaves in the status besides its own state: the history entry of a
// successful sync (trimmed to revisionHistoryLimit) and the next attempt of a failed one (a new
// operation id, so its hooks run again, and when it may start). Pure, so each rule is a test.
import type { ResolvedApplication } from '../../core/model/application.ts';
import type { OperationState } from '../../core/model/application-status.ts';
import type { SyncOperationState } from '../../core/sync/index.ts';
import { type WrittenUid, writtenUids } from '../../core/sync/inventory.ts';

export interface Progress {
  operationId: string;
  revision: string;
  state: SyncOperationState;
  /** A failed operation waits until then before its next attempt. */
  retryAt?: string;
  /** Why the project refused the operation's own revision (it ended before anything was applied). */
  projectRefusal?: string;
  /** A finished operation's record, instead of its state: the objects it wrote (finishedProgress). */
  written?: WrittenUid[];
}

/**
 * The record a finished operation leaves: its id and revision, a refusal if there was one, and
 * the uids of what it wrote, which decide what the app may later delete (core/sync/inventory.ts).
 * The state itself (every task with its phase, wave, messages) only serves a controller that
 * resumes the operation; the result a person reads is `syncResult`. At 10 objects the state was
 * 40 % of the app's status, carried by every later status write and watch event of the app.
 */
export function finishedProgress(progress: Progress): Progress {
  return {
    operationId: progress.operationId,
    revision: progress.revision,
    state: undefined as unknown as SyncOperationState,
    ...(progress.projectRefusal !== undefined ? { projectRefusal: progress.projectRefusal } : {}),
    written: progress.state ? writtenUids(progress.state) : (progress.written ?? []),
  };
}

/** The history with this sync appended: ids keep counting up, the oldest entries beyond the limit go. */
export function appendHistory(
  app: ResolvedApplication,
  operationState: OperationState,
  revision: string,
  now: Date = new Date(),
): NonNullable<NonNullable<ResolvedApplication['status']>['history']> {
  const history = [...(app.status?.history ?? [])];
  const id = history.reduce((max, entry) => Math.max(max, entry.id), -1) + 1;
  history.push({
    id,
    revision,
    source: { ...app.spec.source },
    deployedAt: now.toISOString(),
    deployStartedAt: operationState.startedAt,
    ...(operationState.operation.initiatedBy ? { initiatedBy: operationState.operation.initiatedBy } : {}),
  });
  return history.slice(-Math.max(1, app.spec.revisionHistoryLimit));
}

/**
 * The progress of attempt `attempt` of a failed operation, due `delayMs` from `now`: a fresh
 * operation id derived from the first attempt's (hook names derive from it, so the hooks run
 * again rather than being found done), the same revision, no state yet.
 */
export function retryProgress(
  previous: Progress,
  attempt: number,
  delayMs: number,
  now: number = Date.now(),
): Progress {
  return {
    operationId: `${previous.operationId.slice(0, 12)}-r${attempt}`,
    revision: previous.revision,
    state: undefined as unknown as SyncOperationState,
    retryAt: new Date(now + delayMs).toISOString(),
  };
}
