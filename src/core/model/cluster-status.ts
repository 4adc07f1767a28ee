// What the controller observes of a registered cluster and of its recovery: written on the
// Cluster's status only by the controller (docs/recovery.md).
import { type Static, Type } from 'typebox';
import { StringEnum, Timestamp } from './common.ts';

export const ClusterPhase = {
  Reachable: 'Reachable',
  Unreachable: 'Unreachable',
  Lost: 'Lost',
} as const;
export type ClusterPhase = (typeof ClusterPhase)[keyof typeof ClusterPhase];

export const ClusterHealthStatus = Type.Object({
  phase: StringEnum(ClusterPhase),
  message: Type.Optional(Type.String()),
  /** The first failed probe of the current outage; kept through short answers (flapping). */
  unreachableSince: Type.Optional(Timestamp()),
  /** The first answer since the last failure. */
  reachableSince: Type.Optional(Timestamp()),
  lostAt: Type.Optional(Timestamp()),
  /** When a lost cluster answered again by itself (not replaced). */
  returnedAt: Type.Optional(Timestamp()),
  lastProbeAt: Type.Optional(Timestamp()),
});
export type ClusterHealthStatus = Static<typeof ClusterHealthStatus>;

export const RecoveryPhase = {
  /** Lost, mode approve: waiting for a person. */
  AwaitingApproval: 'AwaitingApproval',
  /** The action is due (now or after a backoff). */
  Pending: 'Pending',
  Running: 'Running',
  /** The replacement answers; the apps are being synced, wave by wave. */
  Bootstrapping: 'Bootstrapping',
  Succeeded: 'Succeeded',
  /** Every attempt failed: a person must act. */
  Failed: 'Failed',
  /** The cluster came back by itself before a replacement was made. */
  Cancelled: 'Cancelled',
} as const;
export type RecoveryPhase = (typeof RecoveryPhase)[keyof typeof RecoveryPhase];

export const RecoveryTimeline = Type.Object({
  lostAt: Type.Optional(Timestamp()),
  actionStartedAt: Type.Optional(Timestamp()),
  clusterAnsweredAt: Type.Optional(Timestamp()),
  firstAppSyncedAt: Type.Optional(Timestamp()),
  allHealthyAt: Type.Optional(Timestamp()),
});
export type RecoveryTimeline = Static<typeof RecoveryTimeline>;

export const ClusterRecoveryStatus = Type.Object({
  /** The loss this recovery answers: the lostAt it started from. */
  incident: Type.String(),
  phase: StringEnum(RecoveryPhase),
  message: Type.Optional(Type.String()),
  attempts: Type.Optional(Type.Integer()),
  nextAttemptAt: Type.Optional(Timestamp()),
  approvedBy: Type.Optional(Type.String()),
  /** Failover: the standby Cluster the apps were moved to. */
  failoverTo: Type.Optional(Type.String()),
  /** The Applications that targeted the lost cluster, synced again in this order of waves. */
  apps: Type.Optional(Type.Array(Type.String())),
  /** What the last attempt's action reported besides credentials (a Job's termination message), masked. */
  actionOutput: Type.Optional(Type.String()),
  /** The wave of apps released so far while bootstrapping. */
  wave: Type.Optional(Type.Integer()),
  timeline: RecoveryTimeline,
});
export type ClusterRecoveryStatus = Static<typeof ClusterRecoveryStatus>;
