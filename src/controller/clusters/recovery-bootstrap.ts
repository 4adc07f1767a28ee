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

/** Syncs the released wave; the status after this probe, with the Events of what changed added to `notes`. */
export async function bootstrapReplacement(
  deps: BootstrapDeps,
  name: string,
  status: ClusterStatus,
  now: number,
  notes: EventNote[],
): Promise<{ status: ClusterStatus; notes: EventNote[] }> {
  const recovery = status.recovery as ClusterRecoveryStatus;
  const byName = new Map(deps.apps().map((a) => [a.metadata.name, a]));
  const progress = (recovery.apps ?? [])
    .map((app) => byName.get(app))
    .filter((app): app is Application => app !== undefined)
    .map((app) => ({
      name: app.metadata.name,
      wave: syncWaveOf(app as unknown as KubeObject),
      synced: app.status?.sync?.status === 'Synced',
      healthy: app.status?.health?.status === 'Healthy',
      operating: app.operation !== undefined || app.status?.operationState?.phase === 'Running',
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
  if (next.wave !== recovery.wave)
    for (const app of progress) if (app.wave === next.wave) deps.refresh(app.name);
  for (const app of decision.sync) {
    try {
      await requestSync(deps.cp, app, {
        sync: { prune: false },
        initiatedBy: { username: 'tiphys-recovery', automated: true },
      });
      deps.refresh(app);
    } catch (error) {
      deps.log.debug({ cluster: name, app }, `recovery sync not requested: ${errorMessage(error)}`);
    }
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
  return { status: { ...status, recovery: next }, notes };
}
