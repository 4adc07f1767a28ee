// The conditions a person sees on a Cluster (pure): lost, a recovery waiting or failed, drift
// after a return. A condition keeps its lastTransitionTime while its message stays the same.
import type { ClusterStatus } from '../model/cluster.ts';
import { ClusterPhase, RecoveryPhase } from '../model/cluster-status.ts';
import type { Condition } from '../model/common.ts';

export function clusterConditions(
  status: ClusterStatus,
  options: { hasPolicy: boolean; driftedApps: readonly string[]; now: string },
): Condition[] {
  const out: Omit<Condition, 'lastTransitionTime'>[] = [];
  const { health, recovery } = status;
  if (health?.phase === ClusterPhase.Lost) {
    out.push({
      type: 'ClusterLost',
      message: `unreachable since ${health.unreachableSince}, lost at ${health.lostAt}${options.hasPolicy ? '' : '; no recovery policy (spec.recovery): register a replacement by hand'}${health.message ? `; last error: ${health.message}` : ''}`,
    });
  }
  if (recovery?.phase === RecoveryPhase.AwaitingApproval) {
    out.push({ type: 'RecoveryAwaitingApproval', message: recovery.message ?? 'waiting for approval' });
  }
  if (
    recovery?.phase === RecoveryPhase.Failed ||
    (recovery?.phase === RecoveryPhase.Pending && recovery.nextAttemptAt)
  ) {
    out.push({ type: 'RecoveryFailed', message: recovery.message ?? 'the recovery action failed' });
  }
  if (health?.returnedAt && options.driftedApps.length > 0) {
    const shown =
      options.driftedApps.slice(0, 10).join(', ') + (options.driftedApps.length > 10 ? ', …' : '');
    out.push({
      type: 'DriftAfterReturn',
      message: `the cluster came back by itself; ${options.driftedApps.length} application(s) differ from Git: ${shown} (apps with automated sync heal, the others wait for a sync)`,
    });
  }
  return out.map((c) => {
    const before = status.conditions?.find((p) => p.type === c.type && p.message === c.message);
    return { ...c, lastTransitionTime: before?.lastTransitionTime ?? options.now };
  });
}
