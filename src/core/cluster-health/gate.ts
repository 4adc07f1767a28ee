// Whether an Application may be reconciled against its cluster now (pure): not while the
// cluster is lost (its apps say so, nothing is compared against a stale cache), and while a
// replacement is bootstrapped, not before its wave is released.
import type { ClusterStatus } from '../model/cluster.ts';
import { ClusterPhase, RecoveryPhase } from '../model/cluster-status.ts';

export interface ClusterHold {
  reason: 'ClusterLost' | 'WaitingForRecoveryWave';
  message: string;
}

export function clusterHold(
  cluster: string,
  app: { name: string; wave: number },
  status: ClusterStatus | undefined,
): ClusterHold | undefined {
  const recovery = status?.recovery;
  if (status?.health?.phase === ClusterPhase.Lost) {
    const what = recovery
      ? `recovery ${recovery.phase}${recovery.message ? `: ${recovery.message}` : ''}`
      : 'it has no recovery policy: register a replacement (tiphys cluster add --upsert) or move the app';
    return {
      reason: 'ClusterLost',
      message: `cluster ${cluster} is lost (unreachable since ${status.health.unreachableSince ?? 'unknown'}, lost at ${status.health.lostAt ?? 'unknown'}); ${what}`,
    };
  }
  if (
    recovery?.phase === RecoveryPhase.Bootstrapping &&
    recovery.wave !== undefined &&
    app.wave > recovery.wave &&
    recovery.apps?.includes(app.name)
  ) {
    return {
      reason: 'WaitingForRecoveryWave',
      message: `cluster ${cluster} is being bootstrapped: this app's wave ${app.wave} waits for wave ${recovery.wave}`,
    };
  }
  return undefined;
}
