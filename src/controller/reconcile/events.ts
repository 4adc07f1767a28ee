// What a reconcile changed that a person looking at `kubectl describe application` should see,
// as Kubernetes Events (pure): an operation started, succeeded or failed, the health changed, a
// new failure. Events come from transitions between the status before and after, so a steady
// state records nothing, however often it is reconciled.
import type { ApplicationStatus } from '../../core/model/application-status.ts';
import type { Condition } from '../../core/model/common.ts';

export interface AppEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

const short = (revision: string | undefined) => (revision ? revision.slice(0, 7) : 'unknown revision');

/** Events for the operation and health transitions between two statuses. */
export function statusEvents(
  before: ApplicationStatus | undefined,
  after: Partial<ApplicationStatus>,
): AppEvent[] {
  const events: AppEvent[] = [];
  const previous = before?.operationState;
  const next = after.operationState;
  if (next) {
    const revision =
      (next.progress as { revision?: string } | undefined)?.revision ?? next.syncResult?.revision;
    const fresh = next.startedAt !== previous?.startedAt;
    if (fresh) {
      const by = next.operation.initiatedBy?.automated
        ? 'automated'
        : `requested by ${next.operation.initiatedBy?.username ?? 'a user'}`;
      events.push({
        type: 'Normal',
        reason: 'SyncStarted',
        message: `sync of ${short(revision)} started (${by})`,
      });
    }
    const ended = next.phase !== previous?.phase || fresh;
    if (ended && next.phase === 'Succeeded') {
      events.push({
        type: 'Normal',
        reason: 'SyncSucceeded',
        message: `synced ${short(revision)}: ${next.message}`,
      });
    } else if (ended && (next.phase === 'Failed' || next.phase === 'Error')) {
      events.push({
        type: 'Warning',
        reason: 'SyncFailed',
        message: `sync of ${short(revision)} failed: ${next.message}`,
      });
    } else if ((next.retryCount ?? 0) > (fresh ? 0 : (previous?.retryCount ?? 0))) {
      events.push({
        type: 'Warning',
        reason: 'SyncFailed',
        message: `sync of ${short(revision)} failed: ${next.message}`,
      });
    }
  }
  const health = after.health;
  if (health && before?.health && health.status !== before.health.status) {
    const to = `${health.status}${health.message ? ` (${health.message})` : ''}`;
    events.push({
      type: health.status === 'Degraded' || health.status === 'Missing' ? 'Warning' : 'Normal',
      reason: 'HealthChanged',
      message: `health changed from ${before.health.status} to ${to}`,
    });
  }
  return events;
}

/** Whether a condition is new: not among the previous ones with the same type and message. */
export function isNewCondition(before: readonly Condition[] | undefined, condition: Condition): boolean {
  return !(before ?? []).some((c) => c.type === condition.type && c.message === condition.message);
}
