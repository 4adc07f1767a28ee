// Bootstrapping a replacement: the apps that targeted the lost cluster are synced wave by wave
// (their own `tiphys.dev/sync-wave`), the next wave released only when the previous one is Synced
// and Healthy; the recovery ends when every app is.
import type { EventNote } from '../../adapters/kube/event-recorder.ts';
import { bootstrapStep } from '../../core/cluster-health/recovery.ts';
import { syncWaveOf } from '../../core/manifest/annotations.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import type { Application } from '../../core/model/application.ts';
import type { ClusterStatus } from '../../core/model/cluster.ts';
import type { ClusterRecoveryStatus } from '../../core/model/cluster-status.ts';
import { requestSync } from '../../domain/app-operations.ts';
import type { ControlPlane } from '../../domain/control-plane.ts';
import { errorMessage, type Logger } from '../log.ts';

export interface BootstrapDeps {
  cp: ControlPlane;
  /** The Applications as the controller's informer sees them. */
  apps: () => readonly Application[];
  refresh: (app: string) => void;
  log: Logger;
}

export interface BootstrapStep {
  status: ClusterStatus;
  notes: EventNote[];
  /**
   * Syncs the released wave: run once the status is written, so the apps that look at their
   * cluster at once find it bootstrapping (before, they found it still lost and waited 10 s).
   */
  release: () => Promise<void>;
}

/** The status after this probe, with the Events of what changed added to `notes`. */
export function bootstrapReplacement(
  deps: BootstrapDeps,
  name: string,
  status: ClusterStatus,
  now: number,
  notes: EventNote[],
): BootstrapStep {
  const recovery = status.recovery as ClusterRecoveryStatus;
  const byName = new Map(deps.apps().map((a) => [a.metadata.name, a]));
  const answeredAt = Date.parse(recovery.timeline.clusterAnsweredAt ?? '');
  const apps = (recovery.apps ?? [])
    .map((app) => byName.get(app))
    .filter((app): app is Application => app !== undefined);
  const progress = apps.map((app) => ({
    name: app.metadata.name,
    wave: syncWaveOf(app as unknown as KubeObject),
    synced: app.status?.sync?.status === 'Synced',
    healthy: app.status?.health?.status === 'Healthy',
    operating: app.operation !== undefined || app.status?.operationState?.phase === 'Running',
    syncedSinceAnswer: syncedSince(app, answeredAt),
  }));
  const decision = bootstrapStep(recovery, progress, now);
  const next = decision.state;
  if (next.timeline.firstAppSyncedAt && !recovery.timeline.firstAppSyncedAt) {
    notes.push({
      type: 'Normal',
      reason: 'RecoveryFirstAppSynced',
      message: 'the first application is synced on the replacement',
    });
  }
  if (decision.done) {
    const rto =
      (Date.parse(next.timeline.allHealthyAt ?? '') - Date.parse(next.timeline.lostAt ?? '')) / 1000;
    notes.push({
      type: 'Normal',
      reason: 'RecoverySucceeded',
      message: `${next.message}; ${rto.toFixed(0)} s after the loss`,
    });
  }
  const release = async () => {
    if (next.wave !== recovery.wave)
      for (const app of progress) if (app.wave === next.wave) deps.refresh(app.name);
    // All at once: one after the other, 30 requests held the last app's sync back by seconds.
    await Promise.all(
      decision.sync.map(async (app) => {
        // An app that syncs itself only needs looking at: a requested sync would cost four
        // more writes to the control plane for the same apply.
        const self = byName.get(app);
        if (self && syncsItself(self)) return deps.refresh(app);
        try {
          await requestSync(deps.cp, app, {
            sync: { prune: false },
            initiatedBy: { username: 'tiphys-recovery', automated: true },
          });
          deps.refresh(app);
        } catch (error) {
          deps.log.debug({ cluster: name, app }, `recovery sync not requested: ${errorMessage(error)}`);
        }
      }),
    );
  };
  return { status: { ...status, recovery: next }, notes, release };
}

/**
 * Its automated policy syncs it once it sees its objects missing: self-heal on, and its last
 * automated sync did not fail (a failed revision is not tried again by itself).
 */
function syncsItself(app: Application): boolean {
  const phase = app.status?.operationState?.phase;
  return app.spec.syncPolicy?.automated?.selfHeal === true && phase !== 'Failed' && phase !== 'Error';
}

/** Its last operation started after the replacement answered and succeeded. */
function syncedSince(app: Application, answeredAt: number): boolean {
  const state = app.status?.operationState;
  if (state?.phase !== 'Succeeded' || !Number.isFinite(answeredAt)) return false;
  return Date.parse(state.startedAt ?? '') >= answeredAt;
}
