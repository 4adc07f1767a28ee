// A registered Cluster: its connection, health and recovery (docs/recovery.md).
import type { Condition, NotificationResult } from './application.ts';

/** The contract fixes `connection` only as present; status and message are read when there. */
export type Connection = string | { status?: string; message?: string; attemptedAt?: string } | undefined;

export interface ClusterHealth {
  phase: 'Reachable' | 'Unreachable' | 'Lost';
  message?: string;
  unreachableSince?: string;
  lostAt?: string;
  returnedAt?: string;
  lastProbeAt?: string;
}

export interface RecoveryTimeline {
  lostAt?: string;
  actionStartedAt?: string;
  clusterAnsweredAt?: string;
  firstAppSyncedAt?: string;
  allHealthyAt?: string;
}

export interface ClusterRecovery {
  incident: string;
  phase: 'AwaitingApproval' | 'Pending' | 'Running' | 'Bootstrapping' | 'Succeeded' | 'Failed' | 'Cancelled';
  message?: string;
  attempts?: number;
  nextAttemptAt?: string;
  approvedBy?: string;
  failoverTo?: string;
  apps?: string[];
  actionOutput?: string;
  wave?: number;
  timeline: RecoveryTimeline;
}

export interface Cluster {
  name: string;
  server: string;
  labels?: Record<string, string>;
  connection?: Connection;
  health?: ClusterHealth;
  recovery?: ClusterRecovery;
  conditions?: Condition[];
  serverVersion?: string;
  applicationsCount?: number;
  /** The last delivery of each cluster notification trigger and destination (masked). */
  notifications?: NotificationResult[];
}
