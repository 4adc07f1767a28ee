// The steps of a cluster's recovery as the cluster page lists them, from `status.recovery`: each
// done (with its time), the one under way, or still ahead. Pure, so the order and wording are
// unit-tested.
import type { ClusterRecovery } from '../api/types.ts';

export type StepState = 'done' | 'current' | 'ahead' | 'failed';
export interface RecoveryStep {
  key: 'lost' | 'approved' | 'action' | 'output' | 'registered' | 'first-synced' | 'resynced' | 'ended';
  label: string;
  state: StepState;
  at?: string;
  detail?: string;
}

const ENDED: Partial<Record<ClusterRecovery['phase'], string>> = {
  Failed: 'Recovery failed',
  Cancelled: 'Recovery cancelled',
};

export function recoverySteps(recovery: ClusterRecovery): RecoveryStep[] {
  const t = recovery.timeline;
  const failover = recovery.failoverTo !== undefined;
  const steps: RecoveryStep[] = [
    { key: 'lost', label: 'Cluster lost', state: 'done', at: t.lostAt ?? recovery.incident },
  ];
  if (recovery.phase === 'AwaitingApproval') {
    steps.push({ key: 'approved', label: 'Waiting for approval', state: 'current' });
  } else if (recovery.approvedBy) {
    steps.push({ key: 'approved', label: 'Approved', state: 'done', detail: `by ${recovery.approvedBy}` });
  }
  const attempts = recovery.attempts ? `attempt ${recovery.attempts}` : undefined;
  steps.push({
    key: 'action',
    label: failover ? 'Failover started' : 'Recovery action started',
    state: t.actionStartedAt ? 'done' : 'ahead',
    at: t.actionStartedAt,
    detail: attempts,
  });
  if (recovery.actionOutput) {
    steps.push({ key: 'output', label: 'Action output', state: 'done', detail: recovery.actionOutput });
  }
  steps.push({
    key: 'registered',
    label: failover ? `Apps moved to ${recovery.failoverTo}` : 'Replacement answers and is registered',
    state: t.clusterAnsweredAt ? 'done' : 'ahead',
    at: t.clusterAnsweredAt,
  });
  steps.push({
    key: 'first-synced',
    label: 'First app synced',
    state: t.firstAppSyncedAt ? 'done' : 'ahead',
    at: t.firstAppSyncedAt,
  });
  steps.push({
    key: 'resynced',
    label: 'All apps synced and healthy',
    state: t.allHealthyAt ? 'done' : 'ahead',
    at: t.allHealthyAt,
    detail: recovery.apps?.length
      ? `${recovery.apps.length} app${recovery.apps.length === 1 ? '' : 's'}`
      : undefined,
  });
  const ended = ENDED[recovery.phase];
  if (ended) {
    steps.push({ key: 'ended', label: ended, state: 'failed', detail: recovery.message });
  } else {
    // The first step not done yet is the one under way.
    const next = steps.find((s) => s.state === 'ahead');
    if (next && recovery.phase !== 'AwaitingApproval' && recovery.phase !== 'Succeeded')
      next.state = 'current';
  }
  return steps;
}
