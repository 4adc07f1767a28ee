// The recovery of a lost cluster as a state machine (pure): when the action is due, what an
// approval must match, the backoff between failed attempts, and which apps are released to sync
// wave by wave on the replacement. The controller performs what these functions decide.

import type { RecoveryPolicy } from '../model/cluster.ts';
import type { ClusterRecoveryStatus, RecoveryTimeline } from '../model/cluster-status.ts';
import { RecoveryPhase } from '../model/cluster-status.ts';

/** Annotation a person's approval writes on the Cluster (through the API or the CLI). */
export const APPROVAL_ANNOTATION = 'tiphys.dev/recovery-approval';
/** Set on a Cluster's credentials by the recovery that wrote them: a new client is needed. */
export const CREDENTIALS_REVISION_ANNOTATION = 'tiphys.dev/credentials-revision';
/** On an Application a failover moved: the cluster it targeted before. */
export const FAILED_OVER_FROM_ANNOTATION = 'tiphys.dev/failed-over-from';

export interface Approval {
  /** The incident (lostAt) approved: an approval of an earlier loss approves nothing now. */
  incident: string;
  by: string;
  at: string;
}

export function parseApproval(annotations: Record<string, string> | undefined): Approval | undefined {
  const text = annotations?.[APPROVAL_ANNOTATION];
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<Approval>;
    if (typeof value.incident !== 'string' || typeof value.by !== 'string') return undefined;
    return { incident: value.incident, by: value.by, at: String(value.at ?? '') };
  } catch {
    return undefined;
  }
}

/** The recovery of a new loss: due at once (auto) or waiting for a person (approve). */
export function startIncident(policy: RecoveryPolicy, lostAt: string): ClusterRecoveryStatus {
  return {
    incident: lostAt,
    phase: policy.mode === 'approve' ? RecoveryPhase.AwaitingApproval : RecoveryPhase.Pending,
    attempts: 0,
    message:
      policy.mode === 'approve'
        ? 'waiting for approval: tiphys cluster recover approve <name>'
        : 'the recovery action is due',
    timeline: { lostAt },
  };
}

/** An approval of this incident moves AwaitingApproval to Pending. */
export function applyApproval(
  state: ClusterRecoveryStatus,
  approval: Approval | undefined,
): ClusterRecoveryStatus {
  if (state.phase !== RecoveryPhase.AwaitingApproval || approval?.incident !== state.incident) return state;
  return {
    ...state,
    phase: RecoveryPhase.Pending,
    approvedBy: approval.by,
    message: `approved by ${approval.by}`,
  };
}

/** The action may start now: pending and past its backoff. */
export function actionDue(state: ClusterRecoveryStatus, now: number): boolean {
  if (state.phase !== RecoveryPhase.Pending) return false;
  return state.nextAttemptAt === undefined || Date.parse(state.nextAttemptAt) <= now;
}

export function attemptStarted(state: ClusterRecoveryStatus, now: number): ClusterRecoveryStatus {
  const attempts = (state.attempts ?? 0) + 1;
  const timeline: RecoveryTimeline = { ...state.timeline };
  timeline.actionStartedAt ??= new Date(now).toISOString();
  const { nextAttemptAt: _, ...rest } = state;
  return {
    ...rest,
    phase: RecoveryPhase.Running,
    attempts,
    timeline,
    message: `attempt ${attempts} running`,
  };
}

export interface RetryPolicy {
  maxAttempts: number;
  backoffMs: number;
}

/** Exponential backoff: base, 2×, 4× … capped at 10 minutes. */
export function backoffAfter(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 600_000);
}

/** A failed attempt: tried again after a backoff, or Failed once the attempts are spent. */
export function attemptFailed(
  state: ClusterRecoveryStatus,
  reason: string,
  now: number,
  retry: RetryPolicy,
): ClusterRecoveryStatus {
  const attempts = state.attempts ?? 1;
  if (attempts >= retry.maxAttempts) {
    return {
      ...state,
      phase: RecoveryPhase.Failed,
      message: `attempt ${attempts} of ${retry.maxAttempts} failed: ${reason}; no attempt left: register a replacement by hand (tiphys cluster add --upsert)`,
    };
  }
  const next = new Date(now + backoffAfter(attempts, retry.backoffMs)).toISOString();
  return {
    ...state,
    phase: RecoveryPhase.Pending,
    nextAttemptAt: next,
    message: `attempt ${attempts} of ${retry.maxAttempts} failed: ${reason}; next attempt at ${next}`,
  };
}

/**
 * The replacement answers: its apps are synced next. `now` is when it answered (the attempt's
 * check), not when the monitor noticed, so the timeline's RTO counts the time in between.
 */
export function replacementAnswers(
  state: ClusterRecoveryStatus,
  apps: string[],
  now: number,
  failoverTo?: string,
): ClusterRecoveryStatus {
  return {
    ...state,
    phase: RecoveryPhase.Bootstrapping,
    apps,
    ...(failoverTo ? { failoverTo } : {}),
    message: `${failoverTo ? `failed over to ${failoverTo}` : 'the replacement answers'}; syncing ${apps.length} application(s)`,
    timeline: { ...state.timeline, clusterAnsweredAt: new Date(now).toISOString() },
  };
}

export interface AppProgress {
  name: string;
  /** The Application's own sync wave (its tiphys.dev/sync-wave annotation), default 0. */
  wave: number;
  synced: boolean;
  healthy: boolean;
  /** An operation is requested or running. */
  operating: boolean;
  /**
   * Its last operation started after the replacement answered and succeeded: it is not synced
   * again while the comparison after that sync is on its way (a sync's status still shows the
   * comparison from before it for a moment; syncing again on it doubled the RTO).
   */
  syncedSinceAnswer?: boolean;
  /** dependsOn: apps that must be Healthy first (the reconciler waits for them itself). */
}

export interface BootstrapDecision {
  state: ClusterRecoveryStatus;
  /** Apps to request a sync of now (their wave is released and nothing is running). */
  sync: string[];
  done: boolean;
}

/**
 * One step of the bootstrap: the lowest wave whose apps are not all Synced and Healthy is the
 * current one; its apps without an operation, and not already synced by this recovery, are
 * synced. Later waves wait, so the apps that bring CRDs and namespaces (an earlier wave) are in
 * place before those that use them.
 */
export function bootstrapStep(
  state: ClusterRecoveryStatus,
  apps: readonly AppProgress[],
  now: number,
): BootstrapDecision {
  const at = new Date(now).toISOString();
  const timeline: RecoveryTimeline = { ...state.timeline };
  if (!timeline.firstAppSyncedAt && apps.some((a) => a.synced && !a.operating))
    timeline.firstAppSyncedAt = at;
  const pending = apps.filter((a) => !(a.synced && a.healthy && !a.operating));
  if (pending.length === 0) {
    timeline.allHealthyAt ??= at;
    timeline.firstAppSyncedAt ??= at;
    return {
      state: {
        ...state,
        phase: RecoveryPhase.Succeeded,
        timeline,
        message: `${apps.length} application(s) Synced and Healthy`,
      },
      sync: [],
      done: true,
    };
  }
  const wave = Math.min(...pending.map((a) => a.wave));
  const sync = pending
    .filter((a) => a.wave === wave && !a.operating && !a.synced && !a.syncedSinceAnswer)
    .map((a) => a.name);
  const healthy = apps.length - pending.length;
  return {
    state: {
      ...state,
      wave,
      timeline,
      message: `wave ${wave}: ${healthy} of ${apps.length} application(s) Synced and Healthy`,
    },
    sync,
    done: false,
  };
}
