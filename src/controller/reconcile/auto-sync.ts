import type { Application, ResolvedApplication } from '../../core/model/application.ts';
import type { Comparison } from '../../domain/comparison/compare.ts';

export type AutoSyncDecision = { sync: true } | { sync: false; reason: string };

/**
 * Whether the controller starts a sync by itself (pure). Like Argo CD: only with an automated
 * policy; a new revision is always synced; drift on an already-synced revision only with
 * selfHeal; a revision whose automated sync failed is not tried again (retries are the
 * operation's own); and never while an Application it depends on is not Synced and Healthy.
 */
export function decideAutoSync(
  app: ResolvedApplication,
  targetRevision: string,
  comparison: Comparison,
  dependencies: (Application | undefined)[],
): AutoSyncDecision {
  const automated = app.spec.syncPolicy?.automated;
  if (!automated) return { sync: false, reason: 'no automated sync policy' };
  const prune = automated.prune ?? false;
  const actionable = comparison.resources.some(
    (r) => !r.hook && ((r.status !== 'Synced' && !r.requiresPruning) || (r.requiresPruning && prune)),
  );
  if (!actionable) return { sync: false, reason: 'nothing to sync' };
  const blocked = dependencies.find(
    (dep) => dep?.status?.sync?.status !== 'Synced' || dep?.status?.health?.status !== 'Healthy',
  );
  const missing = app.spec.dependsOn?.find((_, i) => dependencies[i] === undefined);
  if (missing) return { sync: false, reason: `waiting for Application ${missing}, which does not exist` };
  if (blocked) {
    return {
      sync: false,
      reason: `waiting for Application ${blocked.metadata.name} to be Synced and Healthy (now ${blocked.status?.sync?.status ?? 'Unknown'}, ${blocked.status?.health?.status ?? 'Unknown'})`,
    };
  }
  const last = app.status?.operationState;
  const lastRevision = last?.syncResult?.revision;
  if (last && lastRevision === targetRevision && last.operation.initiatedBy?.automated) {
    if (last.phase === 'Failed' || last.phase === 'Error') {
      return {
        sync: false,
        reason: `the automated sync of ${targetRevision.slice(0, 7)} failed; not retrying it`,
      };
    }
  }
  const syncedRevision = app.status?.sync?.revision;
  const drift = lastRevision === targetRevision || syncedRevision === targetRevision;
  if (drift && last?.phase === 'Succeeded' && !automated.selfHeal) {
    return { sync: false, reason: 'the live state drifted but selfHeal is off' };
  }
  return { sync: true };
}
